"""One verdict: ``kzlod validate FILE`` and ``kzlod add --dry-run FILE`` run the same checks on the
same project and print the same problems (regression: validate read the installed package's copy
of the graph, add the checkout, and they disagreed on the same file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PREFIXES, copy_project

import kzlod
from kzlod.cli import cli
from kzlod.validation.report import problem_lines

ROOT = Path(__file__).resolve().parents[2]
SOURCE = (ROOT / "data" / "sources" / "foreign-policy.txt").read_text(encoding="utf-8")
QUOTE = "As a major oil producer"
START = SOURCE.index(QUOTE)
END = START + len(QUOTE)
TWO_SOURCES = "oa:hasSource kzsrc:foreign-policy, kzsrc:eur-lex-22016a0204-01"


def evidence(start=START, end=END, quote=QUOTE, sentence=3, source="kzsrc:foreign-policy"):
    return f"""kz:hasEvidence [ a kz:Evidence ; oa:hasSource {source} ;
        kz:sentence <https://w3id.org/kzlod/id/source/foreign-policy/sentence/{sentence}> ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{quote}" ] ,
            [ a oa:TextPositionSelector ; oa:start {start} ; oa:end {end} ] ]"""


#: name -> (file suffix, text, exit code of both commands: 0 valid, 1 does not conform, 3 refused)
CASES = {
    "valid-entity": ("ttl", PREFIXES + 'kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en ; '
                            'kz:iso3166Alpha2 "MN" ; kz:iso3166Alpha3 "MNG" .\n', 0),
    "valid-claim": ("ttl", PREFIXES + f'kzd:c a kz:Characterisation ; rdfs:label "C"@en ; kz:about kzd:kazakhstan ;\n'
                           f'    rdfs:comment "Kazakhstan is a major oil producer."@en ; '
                           f'kz:modality kz:modality-asserted ;\n'
                           f'    {evidence()} .\n', 0),
    "second-english-label": ("ttl", PREFIXES + 'kzd:armenia rdfs:label "Armenia (again)"@en .\n', 1),
    "wrong-offsets": ("ttl", PREFIXES + f'kzd:c a kz:Characterisation ; rdfs:label "C"@en ; kz:about kzd:kazakhstan ;\n'
                             f'    {evidence(start=START + 1, end=START + 1 + len(QUOTE))} .\n', 1),
    "two-sources": ("ttl", PREFIXES + f'kzd:c a kz:Characterisation ; rdfs:label "C"@en ; kz:about kzd:kazakhstan ;\n'
                           f'    {evidence().replace("oa:hasSource kzsrc:foreign-policy", TWO_SOURCES)} .\n', 1),
    "membership-without-organisation": ("ttl", PREFIXES + f"kzd:m a kz:Membership ; org:member kzd:kazakhstan ;\n"
                                                          f"    {evidence()} .\n", 1),
    "syntax-error": ("ttl", PREFIXES + "kzd:x a kz:State ;\n    rdfs:label \"X\"@en\nkzd:y a kz:State .\n", 3),
    "named-graph": ("trig", PREFIXES + 'kzd:g { kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en . }\n', 3),
    "ill-typed-literal": ("ttl", PREFIXES + '@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n'
                                 'kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en ; '
                                 'kz:iso3166Alpha2 "MN"^^xsd:integer .\n', 3),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("verdict") / "project")


def errors(output: str) -> list[str]:
    """The error's lines: its message after ``Error:``, its details indented as far."""
    return [line[len("Error: "):] for line in output.splitlines() if line.startswith(("Error: ", " " * len("Error: ")))]


@pytest.mark.parametrize("case", sorted(CASES))
def test_validate_and_add_dry_run_agree(project, tmp_path, case):
    suffix, text, expected = CASES[case]
    path = tmp_path / f"{case}.{suffix}"
    path.write_text(text, encoding="utf-8")
    runner = CliRunner()
    validated = runner.invoke(cli, ["--project", str(project), "validate", str(path)])
    added = runner.invoke(cli, ["--project", str(project), "add", "--dry-run", str(path)])
    assert validated.exit_code == added.exit_code == expected, (validated.output, added.output)
    if validated.exit_code == 0:
        assert added.output.startswith("would add ")
    elif validated.exit_code == 3:  # refused at the gate: the same first error
        assert errors(validated.output)[0] == errors(added.output)[0]
    else:
        assert validated.exit_code == 1
        problems = problem_lines(kzlod.validate([path], project=project))
        assert problems and errors(added.output)[1:] == problems
        for problem in problems:  # each problem's message is in validate's report too
            assert problem.split(": ", 2)[-1].rsplit(" [", 1)[0] in validated.output

