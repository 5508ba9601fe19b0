"""The W3C RDF 1.1 Turtle, N-Triples and TriG syntax suites against kzlod's input gate.

Every negative syntax test is rejected and every positive (syntax and
evaluation) test accepted by the gate that ``kzlod validate``, ``add`` and
``query --data`` use. The suites are read from the shared folder beside the
checkout (or $KZLOD_W3C_TESTS) and never copied into the project.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kzlod.cli import cli
from kzlod.errors import InputError
from kzlod.gate.parse import parse_file

ROOT = Path(__file__).resolve().parents[2]
SUITES = Path(os.environ.get("KZLOD_W3C_TESTS", ROOT.parent / "shared" / "w3c-rdf-tests")) / "rdf" / "rdf11"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
RDFT = "http://www.w3.org/ns/rdftest#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def cases(suite: str) -> list:
    folder = SUITES / suite
    manifest = folder / "manifest.ttl"
    if not manifest.is_file():
        return []
    base = f"https://w3c.github.io/rdf-tests/rdf/rdf11/{suite}/manifest.ttl"
    types, actions = {}, {}
    for q in ox.parse(path=str(manifest), format=ox.RdfFormat.TURTLE, base_iri=base):
        if q.predicate.value == RDF_TYPE and q.object.value.startswith(RDFT):
            types[q.subject] = q.object.value[len(RDFT):]
        elif q.predicate.value == MF + "action":
            actions[q.subject] = q.object.value
    out = []
    for test, kind in sorted(types.items(), key=lambda kv: kv[0].value):
        action = actions[test]
        out.append(pytest.param(folder / action.rsplit("/", 1)[-1], action, "Negative" not in kind,
                                id=f"{suite}/{test.value.rsplit('#', 1)[-1]}"))
    return out


ALL = cases("rdf-turtle") + cases("rdf-n-triples") + cases("rdf-trig")
needs_suite = pytest.mark.skipif(not ALL, reason=f"W3C RDF test suites not found at {SUITES} (set KZLOD_W3C_TESTS)")


@needs_suite
@pytest.mark.parametrize("path, base, positive", ALL)
def test_w3c_syntax_case(path, base, positive):
    try:
        parse_file(path, base_iri=base)
        accepted = True
    except InputError as exc:
        accepted = False
        message = exc.message
        assert message.startswith(f"{path}:"), message  # file:line:col: message
    assert accepted == positive, f"{'rejected' if positive else 'accepted'}: {path.name}"


@needs_suite
def test_suites_are_complete():
    negatives = sum(1 for c in ALL if not c.values[2])
    assert len(ALL) > 700 and negatives > 200


@needs_suite
def test_validate_command_rejects_negative_syntax_tests():
    negative = [c.values[0] for c in ALL if not c.values[2] and c.values[0].suffix == ".ttl"][:10]
    for path in negative:
        res = CliRunner().invoke(cli, ["validate", str(path)])
        assert res.exit_code == 3, path.name
        assert str(path) in res.output
