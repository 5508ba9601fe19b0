"""Guards that keep the consolidation done: one place for each shared job, no drift back.

Each test names the one module where a job may be done, and finds every other
place that does it by reading the source (the AST where it matters, text where
a pattern is enough).
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "kzlod"
SOURCES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 600


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_module_is_over_600_lines():
    long = {rel(p): n for p in SOURCES if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these by concern: {long}"


#: A store named by its text: only kzlod/store/spec.py parses ``memory`` / ``oxigraph:DIR``.
STORE_TEXT_TEST = re.compile(r"""startswith\(\s*["']oxigraph:|["']oxigraph:["']\s*\)|==\s*["']memory["']|"""
                             r"""["']memory["']\s*==|in\s*\([^)]*["']memory["']""")


def test_store_choices_are_told_apart_only_by_the_store_spec():
    found = [f"{rel(p)}:{n}: {line.strip()}" for p in SOURCES if p != PACKAGE / "store" / "spec.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if STORE_TEXT_TEST.search(line)]
    assert not found, "test a StoreSpec (is_memory, is_disk, is_endpoint) instead:\n" + "\n".join(found)


#: The one module that starts processes through ``multiprocessing``: the server's workers, spawned
#: (fresh interpreters, not forks). Work forked beside this process goes through kzlod/forking.py.
MULTIPROCESSING_AT = {"kzlod/web/workers.py"}


def test_work_is_forked_only_through_the_forking_module():
    found = {rel(p) for p in SOURCES for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
             if isinstance(node, (ast.Import, ast.ImportFrom))
             and any((node.module if isinstance(node, ast.ImportFrom) else a.name or "").split(".")[0]
                     == "multiprocessing" for a in node.names)}
    forks = [f"{rel(p)}:{n}" for p in SOURCES if p != PACKAGE / "forking.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "os.fork(" in line]
    assert found == MULTIPROCESSING_AT, f"fork through kzlod.forking instead: {sorted(found - MULTIPROCESSING_AT)}"
    assert not forks, f"fork through kzlod.forking instead: {forks}"


def test_kzlod_modules_are_imported_under_their_own_names():
    """No ``from kzlod.x import y as z``: a name that clashes is a name to change, not to hide."""
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                module = node.module if isinstance(node, ast.ImportFrom) else None
                for alias in node.names:
                    own = (module or alias.name).startswith("kzlod") or (isinstance(node, ast.ImportFrom)
                                                                          and node.level)
                    if own and alias.asname:
                        found.append(f"{rel(path)}:{node.lineno}: {alias.name} as {alias.asname}")
    assert not found, "\n".join(found)


def test_every_command_is_a_function_named_after_it_in_a_module_named_after_it():
    from kzlod.cli import COMMANDS

    for name, target in COMMANDS.items():
        module, _, function = target.partition(":")
        assert function == f"{name}_command", target
        assert module.rsplit(".", 1)[-1] in (name, {"queries": "query"}.get(name)), target


REFERENCE = re.compile(r"(?<![\w./-])(kzlod(?:\.[A-Za-z_]\w*)+)")
FILE_NAMES = {"kzlod.toml", "kzlod.json"}  # the project's file and a disk store's record, not modules


def references() -> list[tuple[str, str]]:
    """Every dotted ``kzlod.x.y`` name in the docs, the README and the package's docstrings."""
    found = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        found += [(rel(doc), m) for m in REFERENCE.findall(doc.read_text(encoding="utf-8"))]
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node) or ""
                found += [(rel(path), m) for m in REFERENCE.findall(doc)]
    return sorted({(where, name) for where, name in found if name not in FILE_NAMES})


def resolves(name: str) -> bool:
    """Whether ``kzlod.a.b.c`` names a module, or something a module defines."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


@pytest.mark.parametrize("where,name", references())
def test_every_kzlod_name_in_the_docs_and_docstrings_exists(where, name):
    assert resolves(name.rstrip(".")), f"{where} names {name}, which does not exist"
