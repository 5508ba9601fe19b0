"""Adding the same file twice adds nothing the second time (regression: the second add of a claim
with a blank-node time was refused, its time counted twice by the shapes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PREFIXES, copy_project

from kzlod.cli import cli

ROOT = Path(__file__).resolve().parents[2]
SOURCE = (ROOT / "data" / "sources" / "foreign-policy.txt").read_text(encoding="utf-8")
QUOTE = "As a major oil producer"
START = SOURCE.index(QUOTE)
TIME = "@prefix time: <http://www.w3.org/2006/time#> .\n"

CASES = {
    "an entity": 'kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en ; kz:iso3166Alpha2 "MN" ; '
                 'kz:iso3166Alpha3 "MNG" .\n',
    "a milestone with a blank-node time and evidence": """
kzd:epca-entry-into-force-again a kz:AgreementMilestone ;
    kz:agreement kzd:epca ;
    kz:hasEvidence [ a kz:Evidence ; kz:sourceField "Date of entry into force" ;
                     oa:hasSource kzsrc:eur-lex-22016a0204-01 ] ;
    kz:milestone kz:milestone-entry-into-force ;
    kz:modality kz:modality-asserted ;
    time:hasTime [ a time:Instant ; time:inXSDDate "2020-03-01"^^xsd:date ] .
""",
    "a claim with a quote's selectors": f"""
kzd:characterisation-added-twice a kz:Characterisation ;
    rdfs:comment "Kazakhstan is a major oil producer."@en ;
    kz:about kzd:kazakhstan ;
    kz:modality kz:modality-asserted ;
    kz:aspect kz:aspect-oil-production ;
    kz:hasEvidence [
        a kz:Evidence ;
        oa:hasSource kzsrc:foreign-policy ;
        kz:sentence <https://w3id.org/kzlod/id/source/foreign-policy/sentence/3> ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{QUOTE}" ] ,
            [ a oa:TextPositionSelector ; oa:start {START} ; oa:end {START + len(QUOTE)} ]
    ] .
""",
}


def data(project: Path) -> dict[str, bytes]:
    return {p.relative_to(project).as_posix(): p.read_bytes() for p in sorted((project / "data").rglob("*.ttl"))}


@pytest.mark.parametrize("case", sorted(CASES))
def test_adding_the_same_file_twice_adds_nothing_the_second_time(tmp_path, case):
    project = copy_project(tmp_path / "p")
    new = tmp_path / "new.ttl"
    new.write_text(PREFIXES + TIME + CASES[case], encoding="utf-8")
    first = CliRunner().invoke(cli, ["--project", str(project), "add", str(new)])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("added "), first.stdout
    after_first = data(project)
    second = CliRunner().invoke(cli, ["--project", str(project), "add", str(new)])
    assert second.exit_code == 0, second.output
    assert second.stdout == "nothing to add: every triple is already in the data\n"
    assert data(project) == after_first
