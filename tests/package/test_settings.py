"""The settings: one table, read when asked, checked, documented; and nothing else reads the
environment or renames files over others."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kzlod import settings
from kzlod.errors import UsageError
from kzlod.gate.reading import LIMITS
from kzlod.project import bundled
from kzlod.querying.run import run_query
from kzlod.store.backends import memory_store

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "kzlod"


def sources() -> dict[str, str]:
    return {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py"))}


# --- guards -----------------------------------------------------------------------------------

def test_nothing_but_settings_reads_the_environment():
    """``kzlod.project`` keeps its own lookup of KZLOD_PROJECT (listed in the table all the same), and
    :mod:`kzlod.cli.replay` its own, lighter, reading of the environment (tests/cli/test_replay.py checks
    that it agrees with the settings')."""
    found = [f"{path}:{n}: {line.strip()}" for path, text in sources().items()
             if path not in ("kzlod/settings.py", "kzlod/project.py", "kzlod/cli/replay.py")
             for n, line in enumerate(text.splitlines(), 1) if re.search(r"\benviron\b|\bgetenv\b", line)]
    assert not found, "\n".join(found)


def test_every_variable_the_package_names_is_a_setting():
    named = {m for text in sources().values() for m in re.findall(r"\bKZLOD_[A-Z_]+\b", text)}
    table = {s.env for s in settings.SETTINGS.values()}
    assert named - table == set()
    assert {"SOURCE_DATE_EPOCH", "NETRC", "KZLOD_PROJECT"} <= table


def test_no_file_is_renamed_over_another_outside_the_files_layer():
    """Temporary file and rename is written once, in kzlod.files; moving a release's files from
    its staging folder into place (kzlod/publishing/outdir.py) is the one exception left."""
    found = sorted({path for path, text in sources().items()
                    if "os.replace(" in text and not path.startswith("kzlod/files/")})
    assert found == ["kzlod/publishing/outdir.py"]


def test_no_setting_is_read_when_a_module_is_imported():
    """Every module imports, and --help works, with every setting set to a bad value."""
    env = {s.env: "not-valid-for-anything" for s in settings.SETTINGS.values()
           if s.type in ("count", "seconds", "choice")}
    modules = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                     for p in PACKAGE.rglob("*.py") if p.stem != "__main__")
    code = (f"import importlib\nfor m in {modules!r}: importlib.import_module(m)\n"
            "from click.testing import CliRunner\nfrom kzlod.cli import cli\n"
            "for args in (['--help'], ['query', '--help'], ['cache', 'info', '--help']):\n"
            "    res = CliRunner().invoke(cli, args)\n"
            "    assert res.exit_code == 0 and 'Usage:' in res.output, (args, res.output)\n"
            "print('ok')\n")
    import os

    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, **env})
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr[-2000:]


# --- values -----------------------------------------------------------------------------------

def test_with_nothing_set_every_setting_is_its_default(monkeypatch):
    for s in settings.SETTINGS.values():
        monkeypatch.delenv(s.env, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", "/home/someone")
    assert {name: settings.get(name) for name in settings.SETTINGS} == {
        "query_timeout": 30.0, "max_query_memory": 512, "max_rows": 100_000, "max_query_chars": 100_000,
        "max_query_nesting": 100, "max_file_bytes": 32 << 20, "max_statements": 12_000,
        "max_load_file_bytes": 4 << 30, "max_load_statements": 100_000_000, "max_literal_chars": 1_000_000,
        "max_nesting": 64, "max_prefixes": 20_000, "reasoner": "auto", "reasonable_above": 20_000,
        "cache_dir": "/home/someone/.cache/kzlod", "cache_max_mb": 512, "answers": "on", "project": None,
        "lock_timeout": 60.0, "push_user": None,
        "password": None, "token": None, "netrc": None, "gzip_level": "6", "source_date_epoch": None, "fault": None}


def test_every_default_is_a_value_its_setting_accepts():
    for s in settings.SETTINGS.values():
        if s.default is not None:
            assert s.parse(str(s.default)) == s.default, s.name


@pytest.mark.parametrize("env, value, expected", [
    ("KZLOD_MAX_ROWS", "2", 2),
    ("KZLOD_MAX_ROWS", " 7 ", 7),
    ("KZLOD_MAX_ROWS", "", 100_000),  # empty: unset
    ("KZLOD_QUERY_TIMEOUT", "0.5", 0.5),
    ("KZLOD_MAX_QUERY_MEMORY", "0", 0),
    ("KZLOD_REASONER", "owlrl", "owlrl"),
    ("KZLOD_CACHE_DIR", "~/elsewhere", str(Path("~/elsewhere").expanduser())),
    ("KZLOD_PASSWORD", " spaces kept ", " spaces kept "),
    ("SOURCE_DATE_EPOCH", "1700000000", 1_700_000_000),
    ("KZLOD_GZIP_LEVEL", " 9 ", "9"),
])
def test_good_values(monkeypatch, env, value, expected):
    monkeypatch.setenv(env, value)
    name = next(s.name for s in settings.SETTINGS.values() if s.env == env)
    assert settings.get(name) == expected


BAD = [
    ("KZLOD_MAX_ROWS", "abc", "KZLOD_MAX_ROWS='abc': must be a whole number of at least 1"),
    ("KZLOD_MAX_ROWS", "0", "KZLOD_MAX_ROWS='0': must be a whole number of at least 1"),
    ("KZLOD_MAX_ROWS", "1.5", "KZLOD_MAX_ROWS='1.5': must be a whole number of at least 1"),
    ("KZLOD_MAX_QUERY_MEMORY", "-1", "KZLOD_MAX_QUERY_MEMORY='-1': must be a whole number of at least 0"),
    ("KZLOD_MAX_FILE_BYTES", "32MB", "KZLOD_MAX_FILE_BYTES='32MB': must be a whole number of at least 1"),
    ("KZLOD_QUERY_TIMEOUT", "0", "KZLOD_QUERY_TIMEOUT='0': must be a number of seconds greater than 0"),
    ("KZLOD_QUERY_TIMEOUT", "inf", "KZLOD_QUERY_TIMEOUT='inf': must be a number of seconds greater than 0"),
    ("KZLOD_QUERY_TIMEOUT", "nan", "KZLOD_QUERY_TIMEOUT='nan': must be a number of seconds greater than 0"),
    ("KZLOD_REASONER", "fast", "KZLOD_REASONER='fast': must be one of owlrl, reasonable, auto"),
    ("KZLOD_GZIP_LEVEL", "10", "KZLOD_GZIP_LEVEL='10': must be one of 1, 2, 3, 4, 5, 6, 7, 8, 9"),
    ("KZLOD_CACHE_MAX_MB", "lots", "KZLOD_CACHE_MAX_MB='lots': must be a whole number of at least 0"),
    ("SOURCE_DATE_EPOCH", "yesterday", "SOURCE_DATE_EPOCH='yesterday': must be a whole number of at least 0"),
    # a stranger's text is quoted escaped, and cut
    ("KZLOD_MAX_NESTING", "1\x1b[31m\nx", "KZLOD_MAX_NESTING='1\\x1b[31m\\nx': must be a whole number of at least 1"),
    ("KZLOD_MAX_NESTING", "9" * 30 + "x" * 30,
     f"KZLOD_MAX_NESTING='{'9' * 30 + 'x' * 10}…': must be a whole number of at least 1"),
]


@pytest.mark.parametrize("env, value, message", BAD)
def test_a_bad_value_names_the_variable_the_value_and_what_it_must_be(monkeypatch, env, value, message):
    monkeypatch.setenv(env, value)
    name = next(s.name for s in settings.SETTINGS.values() if s.env == env)
    with pytest.raises(UsageError) as exc:
        settings.get(name)
    assert exc.value.message == message and "\n" not in exc.value.message
    with pytest.raises(UsageError):
        settings.check_all()


def test_a_setting_changed_in_the_environment_is_seen_at_once(monkeypatch):
    """No re-import: the row cap, the query length, a gate limit and the cache folder follow the variable."""
    store = memory_store(bundled())
    query = "SELECT ?s WHERE { ?s a kz:State }"
    assert len(run_query(store, query).rows) > 3
    monkeypatch.setenv("KZLOD_MAX_ROWS", "3")
    result = run_query(store, query)
    assert len(result.rows) == 3 and result.truncated
    monkeypatch.setenv("KZLOD_MAX_QUERY_CHARS", str(len(query) - 1))
    with pytest.raises(Exception, match="query too long"):
        run_query(store, query)
    monkeypatch.setenv("KZLOD_MAX_LITERAL_CHARS", "5")
    assert LIMITS["literal_chars"] == 5
    monkeypatch.delenv("KZLOD_MAX_LITERAL_CHARS")
    assert LIMITS["literal_chars"] == 1_000_000


def test_secrets_are_marked_and_never_given_a_shown_default():
    secret = {s.env for s in settings.SETTINGS.values() if s.secret}
    assert secret == {"KZLOD_PASSWORD", "KZLOD_TOKEN"}
    assert all(settings.shown_default(settings.SETTINGS[s.name]) == "" for s in settings.SETTINGS.values()
               if s.secret)


# --- documented -------------------------------------------------------------------------------

def test_every_setting_is_documented():
    """docs/settings.md lists every setting with what it sets, its default and its option; docs/limits.md's
    tables of limits (every limit, and those of a file) list theirs (all generated by cog from the table,
    which tests/cli/test_readme.py keeps current)."""
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    limits = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    for s in settings.SETTINGS.values():
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{s.env}` |")), None)
        assert row is not None, f"{s.env} is not in docs/settings.md"
        assert s.help in row and settings.shown_default(s) in row, row
        assert s.option.split(" (")[0] in row, row
        if s.group in settings.LIMIT_GROUPS:
            assert f"| {s.help} | {settings.shown_default(s)} |" in limits, f"{s.env} is not in docs/limits.md"
        if s.group == "gate":
            assert f"| `{s.env}` |" in limits, f"{s.env} is not in docs/limits.md"
