"""Kept answers (kzlod.cli.replay): a named query's or a validation's output written again, the same
bytes and exit code as computing it, and never once the project's files have changed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyshacl
import pytest
from conftest import PREFIXES, copy_project

from kzlod import settings
from kzlod.cli import replay
from kzlod.files import cache, safewrite
from kzlod.project import FOLDERS, PROJECT_FILE, bundled_root, resolve
from kzlod.querying.run import QUERIES_DIR

GOOD = PREFIXES + ('kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en ;\n'
                   '    kz:iso3166Alpha2 "MN" ; kz:iso3166Alpha3 "MNG" .\n')
BAD = PREFIXES + "kzd:mongolia a kz:State .\n"  # no label, no ISO codes: does not conform


def kzlod(*args, cwd, env=None):
    """A kzlod process writing into pipes: (exit code, stdout bytes, stderr bytes)."""
    res = subprocess.run([sys.executable, "-m", "kzlod", *args], cwd=cwd, capture_output=True,
                         env={**os.environ, **(env or {})}, timeout=300)
    return res.returncode, res.stdout, res.stderr


def answers(folder: Path) -> list[Path]:
    return sorted((folder / replay.KIND).glob(f"*{replay.EXT}"))


@pytest.fixture
def project(tmp_path, cold_cache):
    return copy_project(tmp_path / "p")


# --- the same output, whether computed or written again ---------------------------------------------

@pytest.mark.parametrize("args", [
    ["query", "memberships"],
    ["-q", "query", "entity", "--param", "entity", "Armenia", "-f", "json"],
    ["query", "conflicts", "-f", "xml", "-q"],
    ["query", "memberships", "-f", "tsv"],
    ["query", "conflicts", "--inferred"],
    ["validate", "-f", "json"],
    ["validate", "--min-severity", "violation", "--no-reason"],
])
def test_an_answer_written_again_is_the_answer_computed(args, project, cold_cache):
    computed = kzlod(*args, cwd=project)
    assert computed[0] == 0 and computed[1]
    assert len(answers(cold_cache)) == 1
    again = kzlod(*args, cwd=project)
    assert again == computed
    off = kzlod(*args, cwd=project, env={"KZLOD_ANSWERS": "off"})
    assert off == computed  # computed once more, not read


def test_the_bundled_graphs_note_is_written_again(tmp_path, cold_cache):
    computed = kzlod("query", "memberships", cwd=tmp_path)
    assert b"reading the bundled graph" in computed[2]
    assert kzlod("query", "memberships", cwd=tmp_path) == computed


def test_a_validation_that_fails_is_written_again_with_its_exit_code(project, cold_cache):
    (project / "data" / "bad.ttl").write_text(BAD, encoding="utf-8")
    computed = kzlod("validate", cwd=project)
    assert computed[0] == 1 and b"mongolia" in computed[1]
    assert kzlod("validate", cwd=project) == computed
    assert len(answers(cold_cache)) == 1


# --- never stale --------------------------------------------------------------------------------------------

def test_an_answer_is_not_written_again_once_a_data_file_changed(project, cold_cache):
    entities = project / "data" / "entities.ttl"
    text = entities.read_text(encoding="utf-8")
    assert text.count('rdfs:label "Armenia"@en') == 1
    before = kzlod("query", "entity", "-p", "entity", "kzd:armenia", cwd=project)
    assert b",Armenia," in before[1]
    entities.write_text(text.replace('rdfs:label "Armenia"@en', 'rdfs:label "Armenia (renamed)"@en'), encoding="utf-8")
    after = kzlod("query", "entity", "-p", "entity", "kzd:armenia", cwd=project)
    assert after[0] == 0 and b",Armenia (renamed)," in after[1] and b",Armenia," not in after[1]
    entities.write_text(text, encoding="utf-8")
    assert kzlod("query", "entity", "-p", "entity", "kzd:armenia", cwd=project) == before


def test_an_answer_is_not_written_again_once_a_shapes_file_changed(project, cold_cache):
    assert kzlod("validate", cwd=project)[0] == 0
    (project / "shapes" / "extra.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix kz: <https://w3id.org/kzlod/ontology#> .\n"
        "@prefix ex: <https://example.org/> .\n"
        "ex:NoStates a sh:NodeShape ; sh:targetClass kz:State ;\n"
        "    sh:property [ sh:path kz:iso3166Alpha2 ; sh:maxCount 0 ; sh:severity sh:Violation ] .\n",
        encoding="utf-8")
    code, _, _ = kzlod("validate", cwd=project)
    assert code == 1


def test_an_answer_is_not_written_again_once_kzlods_code_changed(project, cold_cache, tmp_path):
    """Regression: the key held kzlod's version only, so after a module of a checkout was edited (or
    another build of the same version installed) the old code's answer was written again."""
    package = tmp_path / "copy" / "kzlod"
    shutil.copytree(Path(replay.__file__).parents[1], package,
                    ignore=shutil.ignore_patterns("__pycache__", "_bundled"))
    env = {"PYTHONPATH": str(package.parent)}
    computed = kzlod("query", "memberships", cwd=project, env=env)
    assert computed[0] == 0 and computed[1] and len(answers(cold_cache)) == 1
    assert kzlod("query", "memberships", cwd=project, env=env) == computed
    assert len(answers(cold_cache)) == 1  # written again
    module = package / "querying" / "output.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert kzlod("query", "memberships", cwd=project, env=env) == computed
    assert len(answers(cold_cache)) == 2  # computed by the edited code, kept under a key of its own


def test_an_answer_is_not_written_again_once_a_library_it_comes_from_changed(project, cold_cache, tmp_path):
    """The key holds the versions of pyoxigraph, pySHACL, rdflib, owlrl and reasonable, read beside
    the package Python imports (the first on the path)."""
    computed = kzlod("validate", cwd=project)
    assert computed[0] == 0 and len(answers(cold_cache)) == 1
    newer = tmp_path / "newer"
    shutil.copytree(Path(pyshacl.__file__).parent, newer / "pyshacl")  # found first, as a newer release
    (newer / "pyshacl-99.0.dist-info").mkdir()
    assert kzlod("validate", cwd=project, env={"PYTHONPATH": str(newer)}) == computed
    assert len(answers(cold_cache)) == 2


def test_no_answer_is_kept_when_a_file_changed_while_the_command_ran(project, cold_cache, monkeypatch):
    monkeypatch.chdir(project)
    plan = replay.plan(["query", "memberships"])
    assert plan is not None
    plan.stdout.append(b"rows of the old graph\n")
    (project / "data" / "new.ttl").write_text(GOOD, encoding="utf-8")
    replay.keep(plan, 0)
    assert answers(cold_cache) == []
    plan = replay.plan(["query", "memberships"])
    plan.stdout.append(b"rows\n")
    replay.keep(plan, 0)
    assert len(answers(cold_cache)) == 1


def test_a_setting_that_can_change_an_answer_turns_answers_off(project, cold_cache):
    whole = kzlod("query", "memberships", cwd=project)
    capped = kzlod("query", "memberships", cwd=project, env={"KZLOD_MAX_ROWS": "1"})
    assert capped[1].count(b"\n") == 2 and b"result cut at 1 rows" in capped[2]
    assert len(answers(cold_cache)) == 1
    assert kzlod("query", "memberships", cwd=project) == whole


@pytest.mark.parametrize("env, answered", [
    ({"KZLOD_CACHE_MAX_MB": "100"}, True), ({"KZLOD_CACHE_MAX_MB": "lots"}, False), ({"KZLOD_ANSWERS": "on"}, True),
    ({"KZLOD_ANSWERS": "off"}, False), ({"KZLOD_ANSWERS": "maybe"}, False), ({"KZLOD_MAX_ROWS": ""}, True),
    ({"KZLOD_QUERY_TIMEOUT": "5"}, False), ({"KZLOD_MAX_QUERY_MEMORY": "100"}, False),
])
def test_which_settings_leave_answers_as_they_are(env, answered, project, monkeypatch):
    monkeypatch.chdir(project)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert (replay.plan(["query", "memberships"]) is not None) is answered


def test_a_bad_setting_is_a_usage_error_even_with_an_answer_kept(project, cold_cache):
    assert kzlod("query", "memberships", cwd=project)[0] == 0
    code, out, err = kzlod("query", "memberships", cwd=project, env={"KZLOD_CACHE_MAX_MB": "lots"})
    assert (code, out) == (2, b"") and b"KZLOD_CACHE_MAX_MB='lots'" in err


def test_a_damaged_answer_is_a_miss(project, cold_cache):
    computed = kzlod("query", "memberships", cwd=project)
    [entry] = answers(cold_cache)
    entry.write_bytes(entry.read_bytes()[:-10])
    assert kzlod("query", "memberships", cwd=project) == computed


def test_an_interrupted_write_is_finished_before_anything_is_answered(project, cold_cache, monkeypatch):
    monkeypatch.chdir(project)
    assert replay.plan(["query", "memberships"]) is not None
    (project / "data" / safewrite.JOURNAL_NAME).write_text("{}", encoding="utf-8")
    assert replay.plan(["query", "memberships"]) is None


def test_a_fifo_among_the_data_files_is_left_to_the_command(project, monkeypatch):
    os.mkfifo(project / "data" / "pipe.ttl")
    monkeypatch.chdir(project)
    assert replay.plan(["query", "memberships"]) is None  # and does not hang reading it


# --- which command lines --------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, kept", [
    (["query", "memberships"], True),
    (["-q", "--project", "{p}", "query", "memberships", "--format", "json"], True),
    (["query", "memberships", "--project", "{p}", "-q"], True),
    (["query", "entity", "-p", "entity", "Armenia"], True),
    (["validate"], True),
    (["validate", "-f", "ttl", "--min-severity", "warning", "--no-reason"], True),
    (["query", "memberships", "-f", "table"], False),  # a table depends on the terminal
    (["query", "memberships", "--inferred"], True),
    (["query", "memberships", "--data", "x.ttl"], False),
    (["query", "memberships", "--store", "oxigraph:s"], False),
    (["query", "memberships", "-f", "csv", "-f", "json"], False),
    (["query", "SELECT * WHERE {{ ?s ?p ?o }}"], False),
    (["query", "../memberships"], False),
    (["query", "my-query.rq"], False),
    (["query", "-"], False),
    (["query", "entity", "-p", "entity"], False),
    (["query", "entity", "-p", "entity", "--full"], False),
    (["query"], False),
    (["validate", "new.ttl"], False),
    (["validate", "--store", "oxigraph:s"], False),
    (["add", "new.ttl"], False),
    (["--help"], False),
    (["query", "memberships", "--project={p}"], False),
    (["query", "memberships", "--timeout", "5"], False),
])
def test_which_command_lines_have_answers(argv, kept, project, monkeypatch):
    monkeypatch.chdir(project)
    assert (replay.plan([a.format(p=project) for a in argv]) is not None) is kept


def test_a_named_query_is_one_the_package_holds():
    names = sorted(p.stem for p in QUERIES_DIR.glob("*.rq"))
    assert names and all(replay._named(n) for n in names)
    assert not replay._named("no-such-query") and not replay._named("memberships.rq")


# --- the same rules as the settings and the project's --------------------------------------------------

def test_the_replays_constants_are_the_packages():
    assert replay.QUERIES_DIR == str(QUERIES_DIR)
    assert (replay.PROJECT_FILE, replay.FOLDERS, replay.JOURNAL) == (PROJECT_FILE, FOLDERS, safewrite.JOURNAL_NAME)
    assert cache.KINDS[replay.KIND] == replay.EXT
    assert {"KZLOD_CACHE_DIR", "KZLOD_PROJECT", "KZLOD_ANSWERS"} <= {s.env for s in settings.SETTINGS.values()}
    assert replay.HARMLESS <= {s.env for s in settings.SETTINGS.values() if s.group in ("cache", "project")}


@pytest.mark.parametrize("env", [
    {"KZLOD_CACHE_DIR": "/tmp/a"}, {"KZLOD_CACHE_DIR": "~/kz-cache"}, {"KZLOD_CACHE_DIR": "", "XDG_CACHE_HOME": "/x"},
    {"XDG_CACHE_HOME": "/x/y"}, {}, {"HOME": "/home/someone"},
])
def test_the_cache_folder_is_the_settings(env, monkeypatch):
    for name in ("KZLOD_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert replay.cache_dir() == str(cache.folder())


@pytest.mark.parametrize("where", ["project", "project/data/sources", "outside", "env", "explicit"])
def test_the_project_is_the_one_the_commands_resolve(where, tmp_path, monkeypatch):
    project = copy_project(tmp_path / "project")
    (tmp_path / "outside").mkdir()
    monkeypatch.delenv("KZLOD_PROJECT", raising=False)
    monkeypatch.chdir(tmp_path / ("outside" if where in ("env", "explicit") else where))
    explicit = str(project) if where == "explicit" else None
    if where == "env":
        monkeypatch.setenv("KZLOD_PROJECT", str(project))
    found = resolve(explicit)
    root, bundled = replay._root(explicit)
    assert (Path(root).resolve(), bundled) == (found.root.resolve(), found.bundled)
    if where == "outside":
        assert Path(root).resolve() == bundled_root().resolve()


def test_the_key_covers_every_file_the_commands_read(tmp_path, monkeypatch):
    project = copy_project(tmp_path / "p")
    (project / "data" / "deep" / "er").mkdir(parents=True)
    (project / "data" / "deep" / "er" / ".hidden.ttl").write_text(GOOD, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.ttl").write_text(GOOD, encoding="utf-8")
    (project / "data" / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (project / "data" / "file-link.ttl").symlink_to(tmp_path / "elsewhere" / "x.ttl")
    monkeypatch.chdir(project)
    plan = replay.plan(["validate"])
    read = {p.resolve() for p in resolve().turtle_files()}
    for path in sorted(read) + [tmp_path / "elsewhere" / "x.ttl"]:
        original = path.read_bytes()
        path.write_bytes(original + b"\n# changed\n")
        assert replay.key(plan) != plan.key, path
        path.write_bytes(original)
    assert replay.key(plan) == plan.key
    (project / PROJECT_FILE).write_text((project / PROJECT_FILE).read_text() + "\n", encoding="utf-8")
    assert replay.key(plan) != plan.key


# --- at the interpreter's floor ---------------------------------------------------------------------------

def test_an_answer_is_written_without_importing_click_or_the_graph_libraries(project, cold_cache):
    assert kzlod("query", "memberships", cwd=project)[0] == 0
    probe = ("import sys\nfrom kzlod.cli import main\nsys.argv = ['kzlod', 'query', 'memberships']\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "sys.stderr.write(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('click', 'rdflib', 'pyoxigraph', 'pyshacl', 'kzlod'))))\n")
    res = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, timeout=60)
    assert set(res.stderr.split()) == {"kzlod", "kzlod.cli", "kzlod.cli.replay", "kzlod.version"}, res.stderr


def test_the_replay_module_imports_only_the_standard_library():
    source = Path(replay.__file__).read_text(encoding="utf-8")
    imported = {line.split()[1].split(".")[0] for line in source.splitlines()
                if line.startswith(("import ", "from ")) and not line.startswith("from __future__")}
    assert imported <= {"hashlib", "os", "stat", "sys", "time", "kzlod"}, imported
    assert [line for line in source.splitlines() if line.startswith("from kzlod")] == [
        "from kzlod.version import build, package_version"]
