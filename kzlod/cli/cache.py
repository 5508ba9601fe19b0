"""``kzlod cache``: what the cache holds, and emptying it (:func:`kzlod.api.caching.cache_info`,
:func:`kzlod.api.caching.cache_clear`)."""

from __future__ import annotations

import click

from kzlod.api.caching import cache_clear, cache_info
from kzlod.cli.common import echo_json, emit, format_option, global_options, handle_errors, pass_ctx


def size_text(n: int) -> str:
    """``512 bytes``, ``21.7 KB``, ``1.2 MB``, ``3.0 GB`` (binary units, as the cache's limit)."""
    if n < 1024:
        return f"{n} byte{'s' * (n != 1)}"
    for unit, scale in (("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30)):
        if n < scale * 1024 or unit == "GB":
            return f"{n // scale} {unit}" if n % scale == 0 else f"{n / scale:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def entries_text(n: int) -> str:
    return f"{n} entr{'y' if n == 1 else 'ies'}"


def info_text(info) -> str:
    """``kzlod cache info`` as text: the folder, the entries and their size, then each kind's."""
    lines = [f"cache: {info.folder}",
             f"{entries_text(info.entries)}, {size_text(info.size)} "
             f"(limit {size_text(info.limit)}: KZLOD_CACHE_MAX_MB)"]
    for kind, (n, size) in info.kinds.items():
        note = " (left by an earlier kzlod, never read)" if kind == "old" else ""
        lines.append(f"  {kind:<8} {entries_text(n):<12} {size_text(size):>10}{note}")
    return "\n".join(lines)


@click.group(name="cache", invoke_without_command=True)
@global_options
@click.pass_context
def cache_command(ctx):
    """The cache: OWL RL closures, validation reports, search indexes, answers.

    kzlod keeps what it computes from a graph in one folder ($KZLOD_CACHE_DIR,
    else $XDG_CACHE_HOME/kzlod, else ~/.cache/kzlod), keyed by the content of
    what it was made from, so an edit is seen at once. What 'kzlod query NAME'
    and 'kzlod validate' write into a file or pipe is kept too, and written
    again while the project's files are unchanged (KZLOD_ANSWERS=off: never). Past KZLOD_CACHE_MAX_MB
    (512 MB), the entries used longest ago are removed. Without a command:
    info.

    \b
    Examples:
      kzlod cache info
      kzlod cache clear
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(info_command)


@cache_command.command(name="info")
@format_option(["text", "json"], default="text")
@global_options
@pass_ctx
@handle_errors
def info_command(obj, fmt="text"):
    """Show the cache's folder, its entries by kind and their size.

    \b
    Example:
      kzlod cache info --format json
    """
    info = cache_info()
    if fmt == "json":
        echo_json(info.as_dict())
    else:
        emit(info_text(info))


@cache_command.command(name="clear")
@global_options
@pass_ctx
@handle_errors
def clear_command(obj):
    """Remove every entry of the cache (nothing else in its folder).

    \b
    Example:
      kzlod cache clear
    """
    removed = cache_clear()
    emit(f"removed {entries_text(removed.entries)} ({size_text(removed.size)}) from {removed.folder}")
