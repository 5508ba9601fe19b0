"""The package's shape: layers you can see in the tree, imports only downwards, no cycle.

The import graph counts imports inside functions too, so a cycle cannot hide
behind a late import, and it counts the package root (``import kzlod``, ``from
kzlod import X``), which stands in the api layer: it is the API's facade. Each
module belongs to the layer its path names; a module may import from its own
layer or any layer below, never above.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "kzlod"

#: Bottom to top. A module's layer is the first entry its dotted name starts with.
LAYERS = [
    ("kzlod.version", "kzlod.errors", "kzlod.settings", "kzlod.text", "kzlod.vocab", "kzlod.sparqltext",
     "kzlod.forking"),
    ("kzlod.project",),
    ("kzlod.files",),
    ("kzlod.gate",),
    ("kzlod.store",),
    ("kzlod.reasoning",),
    ("kzlod.validation",),
    ("kzlod.querying",),
    ("kzlod.curation", "kzlod.web"),
    ("kzlod.publishing",),  # writes the static site with kzlod.web's pages
    ("kzlod.api", "kzlod"),  # the package root is the API's lazy facade
    ("kzlod.cli", "kzlod.__main__"),
]
#: Packages whose names are imported on first use (PEP 562 ``__getattr__``), so that ``import
#: kzlod`` and a command stay cheap: the only places where kzlod modules are imported late.
LAZY = {"kzlod", "kzlod.api", "kzlod.cli", "kzlod.cli.replay"}  # the CLI's start: its answers before click
#: Imported only inside the functions that need them: start-up stays fast.
HEAVY = {"rdflib", "owlrl", "pyshacl", "starlette", "uvicorn", "httptools", "matplotlib", "reasonable", "jinja2",
         "markupsafe", "httpx"}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = modules()
#: What can be imported (``kzlod.__main__`` runs the command line when imported).
IMPORTABLE = sorted(m for m in MODULES if not m.endswith("__main__"))


def layer_of(module: str) -> int:
    for i, names in enumerate(LAYERS):
        if any(module == n or (n != "kzlod" and module.startswith(n + ".")) for n in names):
            return i
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def imports(module: str) -> list[tuple[str, int, bool]]:
    """(imported kzlod module, line, at module level) for every import of ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != module:
                out.append((target, node.lineno, id(node) in top))
    return out


def third_party_imports(module: str) -> list[tuple[str, int, bool]]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    out = []
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
        out += [(n.split(".")[0], node.lineno, id(node) in top) for n in names]
    return out


def test_every_module_has_a_layer():
    for module in MODULES:
        layer_of(module)


def test_imports_point_only_downwards_counting_the_package_root():
    upward = [f"{MODULES[m].relative_to(ROOT)}:{line}: {m} imports {t} (a higher layer)"
              for m in MODULES for t, line, _ in imports(m) if layer_of(t) > layer_of(m)]
    assert not upward, "\n".join(upward)


def test_only_the_facade_imports_the_package_root():
    """Regression: reasoning/closure.py and validation/shacl.py imported the package root for
    ``__version__``, a cycle through the whole API (it has a module of its own now)."""
    found = [f"{MODULES[m].relative_to(ROOT)}:{line}" for m in MODULES for t, line, _ in imports(m)
             if t == "kzlod" and m not in LAZY]
    assert not found, found


def test_no_import_cycle_counting_imports_inside_functions():
    graph = {m: {t for t, _, _ in imports(m)} for m in MODULES}
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_own_modules_at_the_top_heavy_libraries_late():
    """kzlod's own modules are imported at module level (the lazy API packages aside);
    rdflib, owlrl, pySHACL, starlette, uvicorn, matplotlib, reasonable, Jinja2 and httpx only inside functions."""
    late_own = [f"{MODULES[m].relative_to(ROOT)}:{line}: {t}" for m in MODULES if m not in LAZY
                for t, line, at_top in imports(m) if not at_top]
    eager_heavy = [f"{MODULES[m].relative_to(ROOT)}:{line}: {name}" for m in MODULES
                   for name, line, at_top in third_party_imports(m) if at_top and name in HEAVY]
    assert not late_own, "kzlod modules imported inside functions:\n" + "\n".join(late_own)
    assert not eager_heavy, "heavy libraries imported at module level:\n" + "\n".join(eager_heavy)


@pytest.mark.slow
def test_every_module_imports_on_its_own_in_a_fresh_interpreter():
    def attempt(module):
        res = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, cwd=ROOT)
        return module, res.returncode, res.stderr.strip().splitlines()[-1:] if res.returncode else []

    with ThreadPoolExecutor(4) as pool:
        failures = [r for r in pool.map(attempt, IMPORTABLE) if r[1]]
    assert not failures, failures


def test_every_public_name_is_callable_after_importing_every_submodule():
    """Regression: importing kzlod/describe.py (and kzlod/query.py before it) replaced the API
    function of the same name on the package with the module."""
    code = ("import importlib, kzlod\n"
            f"for name in {IMPORTABLE!r}: importlib.import_module(name)\n"
            "bad = [n for n in kzlod.__all__ if not callable(getattr(kzlod, n))]\n"
            "assert not bad, bad\n"
            "card = kzlod.describe(kzlod.load(), 'Armenia')\n"
            "assert card['iri'] == 'https://w3id.org/kzlod/id/armenia', card\n"
            "print('ok')\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr


def test_subpackage_names_clash_with_no_public_name():
    import kzlod

    subpackages = {m.split(".")[1] for m in MODULES if m.count(".") >= 1}
    assert not subpackages & set(kzlod.__all__)


def test_every_command_is_found_where_the_cli_says():
    """The CLI imports each command's module when the command runs; every entry must name a
    click command of the cli layer, under the name it is called by."""
    import click

    from kzlod.cli import COMMANDS, cli

    for name, target in COMMANDS.items():
        module, _, attribute = target.partition(":")
        assert module in MODULES and layer_of(module) == layer_of("kzlod.cli"), target
        command = cli.get_command(click.Context(cli), name)
        assert isinstance(command, click.Command) and command.name == name, target


def _after_a_query(args: list[str], then: str) -> str:
    """The last line ``then`` prints in a fresh interpreter that has just run ``kzlod ARGS``."""
    code = ("import sys\nfrom kzlod.cli import cli\n"
            f"try:\n    cli({['-q', *args]!r}, prog_name='kzlod')\n"
            "except SystemExit:\n    pass\n" + then)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    return res.stdout.splitlines()[-1]


def test_a_query_loads_neither_the_server_nor_the_curation_tools():
    assert _after_a_query(["query", "ASK {}", "--format", "csv"], (
        "print(sorted(m for m in sys.modules if m.startswith(('kzlod.web', 'kzlod.curation.template', "
        "'kzlod.curation.diff', 'kzlod.publishing', 'rdflib', 'pyshacl', 'owlrl', 'starlette', 'jinja2'))))")) == "[]"


#: What ``kzlod query NAME`` on the bundled graph has no use for: search, the vocabulary, the
#: browsing pages' queries, HTTP and TLS, SQLite, installed packages' metadata.
NOT_FOR_A_QUERY = ("kzlod.querying.fulltext", "kzlod.querying.terms", "kzlod.querying.browse",
                   "kzlod.querying.documents", "sqlite3", "ssl", "socket", "http.client", "urllib.request",
                   "email", "importlib.metadata", "xml")


def test_a_named_query_imports_only_what_it_uses():
    """Regression: ``kzlod query memberships`` imported full-text search (SQLite), the vocabulary,
    HTTP (by xml.sax.saxutils for the XML results) and importlib.metadata (for a cache key)."""
    assert _after_a_query(["query", "memberships", "--format", "csv"], (
        "print(sorted(m for m in sys.modules "
        f"if m.split('.')[0] in {NOT_FOR_A_QUERY!r} or m in {NOT_FOR_A_QUERY!r}))")) == "[]"


def test_a_named_query_compiles_no_turtle_name_pattern():
    """Regression: importing kzlod.files.lexical compiled PN_LOCAL and PN_PREFIX, whose classes span
    all of Unicode (about 10 ms each), for every 'kzlod query', which checks no name."""
    last = _after_a_query(["query", "memberships", "--format", "csv"], (
        "from kzlod.files import lexical\n"
        "print(sorted(vars(lexical.PN_LOCAL)) + sorted(vars(lexical.PN_PREFIX)))"))
    assert last == "['_flags', 'pattern', '_flags', 'pattern']"  # its source only: not compiled


def test_test_modules_have_unique_names():
    """Regression: tests/web/test_sources.py and tests/curation/test_sources.py could not both be
    collected in one run (pytest imports test modules by their basename here: no __init__.py)."""
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
