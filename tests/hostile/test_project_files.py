"""The project's own files pass the same strict gate as a new file (regression: a syntax error in
``data/*.ttl`` gave a Python traceback from ``query``, ``stats`` and ``validate``: the project's
files bypassed the gate). The gate's verdict on an unchanged file is kept in the cache."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import copy_project

from kzlod.cli import cli
from kzlod.gate import own

HEAD = "@prefix kzd: <https://w3id.org/kzlod/id/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"

#: what is wrong -> (the file's bytes, where and what the gate says)
BROKEN = {
    "a syntax error": (HEAD + "kzd:x kzd:y .\n", "3:13: syntax error: . is not a valid RDF object"),
    "a date that does not exist": (HEAD + 'kzd:x kzd:y "2020-02-30"^^xsd:date .\n', "3:13: "),
    "a NUL in a literal": (HEAD + 'kzd:x kzd:y "a\\u0000b" .\n', "3:"),
    "a byte-order mark": ("\ufeff" + HEAD, "1:1: file starts with a byte-order mark; save it as UTF-8 without BOM"),
}

COMMANDS = {
    "query": ["query", "ASK {}"],
    "stats": ["stats"],
    "validate": ["validate"],
    "describe": ["describe", "kzd:kazakhstan"],
    "search": ["search", "oil"],
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("own") / "p")


@pytest.mark.parametrize("broken", sorted(BROKEN))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_broken_project_file_is_refused_with_its_place(project, command, broken):
    text, said = BROKEN[broken]
    bad = project / "data" / "broken.ttl"
    bad.write_text(text, encoding="utf-8")
    try:
        res = CliRunner().invoke(cli, ["--project", str(project), *COMMANDS[command]])
    finally:
        bad.unlink()
    assert res.exit_code == 3, res.output
    first = res.stderr.splitlines()[0]
    assert first.startswith(f"Error: {bad}:{said}"), first
    assert "Traceback" not in res.output and res.stdout == ""


def test_an_unchanged_file_is_not_checked_again_and_an_edited_one_is(tmp_path, cold_cache):
    project = copy_project(tmp_path / "p")
    from kzlod.project import read

    files = len(read(project).ontology_files() + read(project).shapes_files() + read(project).data_files())
    assert own.check_project(read(project)) == files
    assert own.check_project(read(project)) == 0
    entities = project / "data" / "entities.ttl"
    entities.write_text(entities.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert own.check_project(read(project)) == 1
    entities.write_text(entities.read_text(encoding="utf-8") + "kzd:x kzd:y .\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"entities\.ttl:\d+:\d+: syntax error"):
        own.check_project(read(project))


def test_the_verdict_is_kept_under_the_limits_it_was_given(tmp_path, cold_cache, monkeypatch):
    project = copy_project(tmp_path / "p")
    from kzlod.errors import InputError
    from kzlod.project import read

    own.check_project(read(project))
    monkeypatch.setenv("KZLOD_MAX_LITERAL_CHARS", "5")
    with pytest.raises(InputError, match="KZLOD_MAX_LITERAL_CHARS"):
        own.check_project(read(project))
