"""The ``kzlod`` command line: a thin layer over the library (:mod:`kzlod.api`).

One :func:`click.group` (:mod:`kzlod.cli.group`); each command lives in the module named after it
and is a thin function over :mod:`kzlod.api`. Exit codes, for every command: 0 ok; 1 data does not
conform, graph inconsistent or query failed; 2 usage error; 3 unreadable input.

:func:`main` first looks for a kept answer of the command line (:mod:`kzlod.cli.replay`), before
click or anything else is imported; the group's names (``cli``, ``COMMANDS`` …) are imported from
:mod:`kzlod.cli.group` when first asked for.
"""

from __future__ import annotations

import sys

from kzlod.cli import replay


def main():
    """Run the ``kzlod`` command line (the console script's entry point)."""
    plan = replay.plan(sys.argv[1:])
    if plan is not None:
        code = replay.answer(plan)
        if code is not None:
            sys.exit(code)
    from kzlod.cli.group import run

    run(plan)


#: What :mod:`kzlod.cli.group` gives under this package's name.
GROUP_NAMES = ("cli", "COMMANDS", "Commands", "Interrupted", "VisibleStream", "run")


def __getattr__(name):
    if name in GROUP_NAMES:
        from kzlod.cli import group

        return getattr(group, name)
    raise AttributeError(f"module 'kzlod.cli' has no attribute {name!r}")
