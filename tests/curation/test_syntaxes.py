"""Valid files in each of the six RDF syntaxes pass ``validate`` and ``add``, and ``query`` then sees their facts."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import PREFIXES, copy_project

from kzlod.cli import cli

SYNTAXES = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
            "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD, "rdf": ox.RdfFormat.RDF_XML}


def run(*args):
    return CliRunner().invoke(cli, ["-q", *args])


@pytest.mark.parametrize("ext", list(SYNTAXES))
def test_a_valid_file_in_each_syntax_is_added_and_queried(tmp_path, ext):
    project = copy_project(tmp_path / "project")
    turtle = PREFIXES + (f'kzd:state-{ext} a kz:State ; rdfs:label "State {ext}"@en ;\n'
                         f'    kz:iso3166Alpha2 "Q{ext[0].upper()}" ; kz:iso3166Alpha3 "Q{ext[:2].upper()}" .\n')
    quads = list(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))
    new = tmp_path / f"state.{ext}"
    new.write_bytes(ox.serialize(quads, format=SYNTAXES[ext]))
    assert run("--project", str(project), "validate", str(new)).exit_code == 0
    res = run("--project", str(project), "add", str(new))
    assert res.exit_code == 0, res.output
    assert res.stdout == "added 4 triples to data/entities.ttl\n"
    ask = run("--project", str(project), "query", f'ASK {{ kzd:state-{ext} rdfs:label "State {ext}"@en }}',
              "--format", "json")
    assert '"boolean": true' in ask.stdout
