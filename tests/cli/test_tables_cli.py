"""``kzlod query`` tables people read at the terminal's width: the spare width to long text, ?x and
?xLabel as one column, records when the columns do not fit, a hint when text was cut, literals shown."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from kzlod.cli import cli

TWO = ('SELECT ?member ?memberLabel ?code ?quote WHERE { VALUES (?member ?code ?quote) { '
       '(kzd:armenia "AM" "Armenia and Kazakhstan maintain diplomatic relations, and their interactions have '
       'generally been friendly") (kzd:belarus "BY" "Belarus and Kazakhstan have good diplomatic relations") } '
       '?member rdfs:label ?memberLabel }')
HINT = "note: text cut to fit {} columns; --full shows it whole, -f csv gives every value\n"


def run(*args, columns=100):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": str(columns)}, catch_exceptions=False)


CASES = [
    # (columns, extra options, stdout, stderr)
    (80, [], """\
 member    code   quote
────────────────────────────────────────────────────────────────────────────────
 Armenia   AM     Armenia and Kazakhstan maintain diplomatic relations, and th…
 Belarus   BY     Belarus and Kazakhstan have good diplomatic relations
2 rows
""", HINT.format(80)),
    (160, [], """\
 member    code   quote
""" + "─" * 124 + """
 Armenia   AM     Armenia and Kazakhstan maintain diplomatic relations, and their interactions \
have generally been friendly
 Belarus   BY     Belarus and Kazakhstan have good diplomatic relations
2 rows
""", ""),
    (30, [], """\
member: Armenia
code:   AM
quote:  Armenia and Kazakhsta…

member: Belarus
code:   BY
quote:  Belarus and Kazakhsta…

2 rows
""", HINT.format(30)),
    (30, ["--full"], """\
member: Armenia
code:   AM
quote:  Armenia and Kazakhstan
        maintain diplomatic
        relations, and their
        interactions have
        generally been
        friendly

member: Belarus
code:   BY
quote:  Belarus and Kazakhstan
        have good diplomatic
        relations

2 rows
""", ""),
]


@pytest.mark.parametrize("columns, options, stdout, stderr", CASES)
def test_table_at_the_terminal_width(columns, options, stdout, stderr):
    res = run("query", TWO, "-f", "table", *options, columns=columns)
    assert res.exit_code == 0
    assert res.stdout == stdout
    assert res.stderr == stderr


def test_iris_shows_every_column():
    res = run("query", TWO, "-f", "table", "--iris", columns=200)
    assert res.stdout.splitlines()[0].split() == ["member", "memberLabel", "code", "quote"]
    assert "kzd:armenia (Armenia)" in res.stdout


def test_claims_at_100_columns_show_every_quote_beginning_and_a_hint():
    quotes = {row["quote"] for row in csv.DictReader(io.StringIO(run("query", "claims", "-f", "csv").stdout))}
    res = run("query", "claims", "-f", "table", columns=100)
    assert res.exit_code == 0
    assert all(len(line) <= 100 for line in res.stdout.splitlines())
    shown = [line.removeprefix("quote:").strip() for line in res.stdout.splitlines() if line.startswith("quote:")]
    for quote in quotes - {""}:
        assert any(quote.startswith(s.rstrip("…")) and len(s) >= min(len(quote), 40) for s in shown), quote
    assert res.stderr == HINT.format(100)


def test_entity_table_shows_literal_values_without_iris():
    res = run("query", "entity", "--param", "entity", "Armenia", "-f", "table", columns=100)
    assert res.exit_code == 0
    blocks = [dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
              for block in res.stdout.split("\n\n")]
    facts = {b["property"].strip(): b["value"].strip() for b in blocks if b.get("kind", "").strip() == "description"}
    assert facts == {"rdf:type": "State", "rdfs:label": "Armenia", "skos:exactMatch": "wd:Q399",
                     "ISO 3166-1 alpha-2 code": "AM", "ISO 3166-1 alpha-3 code": "ARM"}
