"""Curating a new source: `source add` → `mentions` → `template` (which runs `add`) → `coverage`, and `diff`.

Every refused input is checked for its message, its exit code and that
nothing under data/ changed, byte for byte.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import copy_project, snapshot

from kzlod.cli import cli
from kzlod.curation.common import column_letter
from kzlod.curation.mentions import Known, find_mentions, is_demonym
from kzlod.curation.sources import split_document

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEXT_FILE = EXAMPLES / "kazakhstan-uzbekistan.txt"
TEMPLATE = EXAMPLES / "template.csv"
SLUG = "kazakhstan-uzbekistan"
TITLE = "Kazakhstan and Uzbekistan: A Fictional Test Report"
KZ = "https://w3id.org/kzlod/ontology#"
KZD = "https://w3id.org/kzlod/id/"
KZSRC = "https://w3id.org/kzlod/id/source/"
OA = "http://www.w3.org/ns/oa#"
COLUMNS = ["id", "type", "subject", "relation", "object", "value", "datatype", "lang", "date",
           "source", "quote", "label", "comment"]


# --------------------------------------------------------------------------- helpers





def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def add_example_source(project: Path):
    return invoke("source", "add", TEXT_FILE, "--title", TITLE, "--author", "Editorial Test Desk",
                  "--date", "2024", "--project", project)


def write_sheet(path: Path, rows: list[dict], columns=COLUMNS, delimiter=",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
    return path


def cell(column: str, row_index: int, columns=COLUMNS) -> str:
    """The spreadsheet cell of ``column`` in the ``row_index``-th data row (0-based; the header is row 1)."""
    return f"{column_letter(columns.index(column))}{row_index + 2}"


def template_rows() -> list[dict]:
    with TEMPLATE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def turtle_triples(paths) -> list:
    out = []
    for p in paths:
        out.extend(q.triple for q in ox.parse(path=str(p), format=ox.RdfFormat.TURTLE))
    return out


def store_of(folder: Path) -> ox.Store:
    store = ox.Store()
    for p in sorted(folder.rglob("*.ttl")):
        store.bulk_load(path=str(p), format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture(autouse=True)
def shared_cache(tmp_path_factory, monkeypatch):
    """One reasoning cache for the module (keyed by content, so sharing it is safe)."""
    monkeypatch.setenv("KZLOD_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "kzlod-cache"))


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="module")
def registered_base(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("KZLOD_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "kzlod-cache"))
    try:
        base = copy_project(tmp_path_factory.mktemp("registered") / "project")
        res = add_example_source(base)
        assert res.exit_code == 0, res.output
    finally:
        mp.undo()
    return base


@pytest.fixture
def registered(registered_base, tmp_path):
    """A project in which the fictional example source is registered, its claims not yet added."""
    dest = tmp_path / "registered"
    shutil.copytree(registered_base, dest, ignore=shutil.ignore_patterns(".kzlod.lock"))
    return dest


# --------------------------------------------------------------------------- the whole path


def test_from_plain_text_to_validated_claims_and_full_coverage(project, tmp_path):
    text = TEXT_FILE.read_text(encoding="utf-8")
    doc = split_document(text)
    assert "Fictional" in doc.title  # the document says what it is

    # 1. source add: the text and its Turtle, written together
    before = snapshot(project / "data")
    res = add_example_source(project)
    assert res.exit_code == 0, res.output
    after = snapshot(project / "data")
    assert {k for k in after if before.get(k) != after[k]} == {f"sources/{SLUG}.txt", f"sources/{SLUG}.ttl"}
    assert (project / "data" / "sources" / f"{SLUG}.txt").read_bytes() == TEXT_FILE.read_bytes()
    assert f"{len(doc.sentences)} sentences" in res.stdout
    assert invoke("fmt", "--check", project / "data" / "sources" / f"{SLUG}.ttl").exit_code == 0
    sentences = store_of(project / "data" / "sources").query(
        f"SELECT ?s ?i ?start ?end ?v WHERE {{ ?s <{KZ}index> ?i ; <{KZ}start> ?start ; <{KZ}end> ?end ; "
        f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#value> ?v ; "
        f"<http://purl.org/dc/terms/isPartOf> <{KZSRC}{SLUG}> }}")
    by_index = {int(r["i"].value): r for r in sentences}
    assert sorted(by_index) == [s.index for s in doc.sentences]
    for s in doc.sentences:
        r = by_index[s.index]
        assert r["s"].value == f"{KZSRC}{SLUG}/sentence/{s.index}"
        assert text[int(r["start"].value):int(r["end"].value)] == r["v"].value == s.text

    # 2. mentions: known entities by label, possessive and demonym; Uzbekistan is not known yet
    res = invoke("mentions", SLUG, "--project", project, "--format", "json")
    assert res.exit_code == 0, res.output
    found = json.loads(res.stdout)
    assert [s["index"] for s in found["sentences"]] == [s.index for s in doc.sentences]
    for s in found["sentences"]:
        ids = {e["id"] for e in s["entities"]}
        assert "kzd:uzbekistan" not in ids
        if "Kazakh" in s["text"]:
            assert "kzd:kazakhstan" in ids, s["text"]
        if "Kyrgyz" in s["text"]:
            assert "kzd:kyrgyzstan" in ids, s["text"]
        for e in s["entities"]:
            for (a, b), word in zip(e["spans"], e["matched"]):
                assert text[a:b] == word
    assert found["unmatched"] == [s["index"] for s in found["sentences"] if not s["entities"]]
    assert found["unmatched"], "some sentences name only Uzbekistan or no one"

    # coverage before curating: nothing cited, so --fail-under fails
    res = invoke("coverage", SLUG, "--project", project, "--fail-under", "100")
    assert res.exit_code == 1
    assert "under 100%" in res.output

    # 3. template --dry-run: shows the plan, writes nothing
    before = snapshot(project / "data")
    res = invoke("template", TEMPLATE, "--project", project, "--dry-run")
    assert res.exit_code == 0, res.output
    assert "would add" in res.stdout and "kzd:uzbekistan" in res.stdout
    assert snapshot(project / "data") == before

    # 4. template: validated and merged by kzlod add
    res = invoke("template", TEMPLATE, "--project", project, "--format", "json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    after = snapshot(project / "data")
    changed = {k for k in after if before.get(k) != after[k]}
    assert changed == {c["file"].removeprefix("data/") for c in report["changes"]}
    assert "entities.ttl" in changed
    assert all(k == "entities.ttl" or k.startswith(f"{SLUG}/") for k in changed)
    ids = {r["id"] for r in template_rows()}
    assert {s["id"] for s in report["subjects"]} == {f"kzd:{i}" for i in ids}
    for k in changed:
        assert invoke("fmt", "--check", project / "data" / k).exit_code == 0

    # the whole project still conforms
    from kzlod.project import read
    from kzlod.validation.shacl import validate

    assert validate(read(project)).conforms

    # every quote is verbatim at its offsets, inside the sentence it names
    store = store_of(project / "data")
    rows = list(store.query(f"""
        SELECT ?claim ?exact ?start ?end ?sentence WHERE {{
          ?claim <{KZ}hasEvidence> ?ev . ?ev <{OA}hasSource> <{KZSRC}{SLUG}> ; <{KZ}sentence> ?sentence ;
              <{OA}hasSelector> ?q, ?p .
          ?q <{OA}exact> ?exact . ?p <{OA}start> ?start ; <{OA}end> ?end . }}"""))
    assert {r["claim"].value for r in rows} == {KZD + i for i in ids if i != "uzbekistan"}
    spans = {s.index: (s.start, s.end) for s in doc.sentences}
    for r in rows:
        start, end = int(r["start"].value), int(r["end"].value)
        assert text[start:end] == r["exact"].value
        s_start, s_end = spans[int(r["sentence"].value.rsplit("/", 1)[1])]
        assert s_start <= start < end <= s_end

    # running the same template again adds nothing
    again = snapshot(project / "data")
    res = invoke("template", TEMPLATE, "--project", project)
    assert res.exit_code == 0 and "nothing to add" in res.stdout
    assert snapshot(project / "data") == again

    # 5. coverage: every sentence of the new source is cited
    res = invoke("coverage", SLUG, "--project", project, "--fail-under", "100", "--format", "json")
    assert res.exit_code == 0, res.output
    cov = json.loads(res.stdout)
    (src,) = cov["sources"]
    assert src["source"] == KZSRC + SLUG
    assert src["sentences"] == src["covered"] == len(doc.sentences)
    assert src["percent"] == 100.0 and src["uncovered"] == []
    assert [sec["sentences"] for sec in src["sections"]] == [len(doc.sentences_in(sec.index)) for sec in doc.sections]

    # and mentions now knows Uzbekistan, also as "Uzbek"
    found = json.loads(invoke("mentions", SLUG, "--project", project, "--format", "json").stdout)
    for s in found["sentences"]:
        if "Uzbek" in s["text"]:
            assert "kzd:uzbekistan" in {e["id"] for e in s["entities"]}, s["text"]


def test_a_tsv_template_gives_the_same_plan_as_the_csv(registered, tmp_path):
    rows = template_rows()
    tsv = write_sheet(tmp_path / "claims.tsv", rows, columns=list(rows[0]), delimiter="\t")
    a = invoke("template", TEMPLATE, "--project", registered, "--dry-run", "--format", "json")
    b = invoke("template", tsv, "--project", registered, "--dry-run", "--format", "json")
    assert a.exit_code == b.exit_code == 0, a.output + b.output
    plan_a, plan_b = json.loads(a.stdout), json.loads(b.stdout)
    assert plan_a["changes"] == plan_b["changes"] and plan_a["subjects"] == plan_b["subjects"]


def test_template_adds_evidence_to_an_existing_claim_in_its_own_file(project, tmp_path):
    source = (ROOT / "data" / "sources" / "foreign-policy.txt").read_text(encoding="utf-8")
    quote = "Kazakhstan and Kyrgyzstan maintain close bilateral ties"
    sheet = write_sheet(tmp_path / "more.csv", [
        {"id": "kzd:cooperation-kazakhstan-kyrgyzstan", "source": "kzsrc:foreign-policy", "quote": quote},
        {"id": "cooperation-kazakhstan-kyrgyzstan", "relation": "kz:sector", "object": "Culture"},
    ])
    res = invoke("template", sheet, "--project", project)
    assert res.exit_code == 0, res.output
    target = project / "data" / "foreign-policy" / "kyrgyzstan.ttl"
    assert "to data/foreign-policy/kyrgyzstan.ttl" in res.stdout
    text = target.read_text(encoding="utf-8")
    start = source.index(quote)
    assert f"oa:end {start + len(quote)} ; oa:start {start}" in text
    assert "kz:sector-culture" in text


def test_a_new_event_is_the_sources_own_assertion_unless_the_sheet_says_otherwise(project, tmp_path):
    """Events carry a modality as claims do: the template gives a new one kz:modality-asserted."""
    quote = "a public event in St. Petersburg, where the Kazakh president"
    sheet = write_sheet(tmp_path / "event.csv", [
        {"id": "public-event-test", "type": "kz:PublicEvent", "subject": "President of Kazakhstan",
         "source": "foreign-policy", "quote": quote, "label": "A public event (test)"},
        {"id": "public-event-test", "relation": "kz:place", "object": "Saint Petersburg"},
    ])
    res = invoke("template", sheet, "--project", project)
    assert res.exit_code == 0, res.output
    graph = turtle_triples([project / "data" / "foreign-policy" / "russia.ttl"])
    event = "https://w3id.org/kzlod/id/public-event-test"
    assert {o.value for s, p, o in graph if s.value == event and p.value.endswith("#modality")} == {
        "https://w3id.org/kzlod/ontology#modality-asserted"}


def test_rows_restating_what_the_graph_records_add_nothing(project, tmp_path):
    quote = "As members of the Commonwealth of Independent States (CIS) and the Eurasian Economic Union (EAEU)"
    sheet = write_sheet(tmp_path / "again.csv", [
        # a claim of the bundled report: its type comes from the graph, so subject is its org:member
        {"id": "membership-kazakhstan-cis", "subject": "Kazakhstan", "relation": "org:organization",
         "object": "Commonwealth of Independent States", "source": "foreign-policy", "quote": quote},
        # a claim resting on a source without text: evidence without a quote, and a date
        {"id": "epca-signature-eur-lex", "type": "kz:AgreementMilestone", "date": "2015-12-21",
         "source": "eur-lex-22016a0204-01"},
    ])
    before = snapshot(project / "data")
    res = invoke("template", sheet, "--project", project)
    assert res.exit_code == 0, res.output
    assert "nothing to add" in res.stdout
    assert snapshot(project / "data") == before


# --------------------------------------------------------------------------- refused templates


def refused_template(project: Path, sheet: Path, code: int, *expected: str):
    before = snapshot(project / "data")
    res = invoke("template", sheet, "--project", project)
    assert res.exit_code == code, res.output
    for text in expected:
        assert text in res.output, (text, res.output)
    assert "Traceback" not in res.output
    assert res.stdout == ""
    assert snapshot(project / "data") == before
    return res


GOOD = {"id": "membership-uzbekistan-cis", "type": "kz:Membership", "subject": "kzd:kyrgyzstan",
        "relation": "org:organization", "object": "CIS", "source": SLUG,
        "quote": "Both are members of the Commonwealth of Independent States (CIS)."}


def test_a_valid_row_passes_so_the_refusals_below_are_due_to_their_one_change(registered, tmp_path):
    res = invoke("template", write_sheet(tmp_path / "ok.csv", [GOOD]), "--project", registered, "--dry-run")
    assert res.exit_code == 0, res.output


def test_quote_not_in_source(registered, tmp_path):
    bad = dict(GOOD, quote="Both are members of the Shanghai Cooperation Organisation")
    sheet = write_sheet(tmp_path / "claims.csv", [GOOD, bad])
    refused_template(registered, sheet, 1,
                     f"{sheet}:{cell('quote', 1)}: quote not found in source {SLUG}: "
                     f"\"Both are members of the Shanghai Cooperation Organisation\"")


def test_quote_differing_in_case_gets_a_hint(registered, tmp_path):
    bad = dict(GOOD, quote=GOOD["quote"].lower())
    sheet = write_sheet(tmp_path / "claims.csv", [bad])
    refused_template(registered, sheet, 1, f"{sheet}:{cell('quote', 0)}: quote not found", "differs in case")


@pytest.mark.parametrize("quote, message", [
    ("Kazakhstan", "quote occurs"),
    ("(CIS).\nTrade and transport:\nIn this made-up account", "quote spans"),
    ("Editorial Test Desk", "quote lies outside the body sentences"),
])
def test_quote_must_be_unique_and_inside_one_sentence(registered, tmp_path, quote, message):
    sheet = write_sheet(tmp_path / "claims.csv", [dict(GOOD, quote=quote)])
    refused_template(registered, sheet, 1, f"{sheet}:{cell('quote', 0)}: {message}")


def test_unknown_entity(registered, tmp_path):
    sheet = write_sheet(tmp_path / "claims.csv", [dict(GOOD, object="Atlantis")])
    refused_template(registered, sheet, 1, f"{sheet}:{cell('object', 0)}: unknown entity 'Atlantis'")


def test_unknown_entity_by_prefixed_name_with_a_suggestion(registered, tmp_path):
    sheet = write_sheet(tmp_path / "claims.csv", [dict(GOOD, subject="kzd:kazakstan")])
    refused_template(registered, sheet, 1, f"{sheet}:{cell('subject', 0)}: unknown entity 'kzd:kazakstan'",
                     "did you mean kzd:kazakhstan")


def test_an_ambiguous_label_is_refused(registered, tmp_path):
    rows = [dict(GOOD), {"id": "kzd:new-cis", "type": "kz:InternationalOrganisation", "label": "CIS"}]
    sheet = write_sheet(tmp_path / "claims.csv", rows)
    refused_template(registered, sheet, 1, f"{sheet}:{cell('object', 0)}: 'CIS' names several entities")


@pytest.mark.parametrize("date", ["2023-13", "23", "2023-02-30", "March 2023"])
def test_bad_date(registered, tmp_path, date):
    sheet = write_sheet(tmp_path / "claims.csv", [dict(GOOD, date=date)])
    refused_template(registered, sheet, 3, f"{sheet}:{cell('date', 0)}: bad date '{date}'")


def test_bad_column(registered, tmp_path):
    columns = COLUMNS[:5] + ["colour"] + COLUMNS[5:]
    sheet = write_sheet(tmp_path / "claims.csv", [GOOD], columns=columns)
    refused_template(registered, sheet, 3, f"{sheet}:{column_letter(5)}1: unknown column 'colour'")


def test_a_column_named_twice_and_a_missing_id_column(registered, tmp_path):
    sheet = write_sheet(tmp_path / "twice.csv", [GOOD], columns=COLUMNS + ["quote"])
    refused_template(registered, sheet, 3, f"{sheet}:{column_letter(len(COLUMNS))}1: column 'quote' appears twice")
    columns = [c for c in COLUMNS if c != "id"]
    sheet = write_sheet(tmp_path / "noid.csv", [GOOD], columns=columns)
    refused_template(registered, sheet, 3, f"{sheet}:1: no 'id' column")


def test_wrong_type_not_a_class(registered, tmp_path):
    sheet = write_sheet(tmp_path / "claims.csv", [dict(GOOD, type="kz:Membershp")])
    refused_template(registered, sheet, 1, f"{sheet}:{cell('type', 0)}: wrong type: 'kz:Membershp' is not a class",
                     "did you mean kz:Membership")


def test_wrong_type_a_literal_for_an_entity_property(registered, tmp_path):
    row = dict(GOOD, relation="org:organization", object="", value="CIS")
    sheet = write_sheet(tmp_path / "claims.csv", [row])
    refused_template(registered, sheet, 1, f"{sheet}:{cell('value', 0)}: wrong type: org:organization takes an entity")


def test_wrong_type_an_ill_typed_value(registered, tmp_path):
    rows = [{"id": "trade-figure-x", "type": "kz:TradeFigure", "subject": "Kazakhstan", "relation": "kz:partner",
             "object": "Kyrgyzstan", "source": SLUG, "quote": "Uzbekistan accounts for about 6%"},
            {"id": "trade-figure-x", "relation": "kz:shareOfTotalTrade", "value": "about 6"}]
    sheet = write_sheet(tmp_path / "claims.csv", rows)
    refused_template(registered, sheet, 3, f"{sheet}:{cell('value', 1)}: 'about 6' is not a valid xsd:decimal")


def test_wrong_type_caught_by_the_shapes_points_at_the_row(registered, tmp_path):
    # a state where the shapes want an international organisation
    row = dict(GOOD, object="Belarus")
    sheet = write_sheet(tmp_path / "claims.csv", [row])
    res = refused_template(registered, sheet, 1, f"{sheet}: 1 problem in the rows; nothing was changed",
                           f"{sheet}:{cell('object', 0)}: "
                           "kzd:membership-uzbekistan-cis org:organization = kzd:belarus:")
    assert "kz:InternationalOrganisation" in res.output


@pytest.mark.parametrize("change, code, column, message", [
    ({"id": ""}, 3, "id", "id is empty"),
    ({"id": "foo:bar"}, 3, "id", "unknown prefix 'foo'"),
    ({"relation": "kz:organisation"}, 1, "relation", "unknown property 'kz:organisation'"),
    ({"relation": "kz:hasEvidence"}, 3, "relation",
     "kz:hasEvidence is not set with relation: use the source and quote"),
    ({"value": "x"}, 3, "value", "give an object or a value, not both"),
    ({"source": "no-such-source"}, 1, "source", "unknown source 'no-such-source'"),
    ({"source": ""}, 3, "quote", "a quote needs the source"),
    ({"lang": "en"}, 3, "lang", "lang applies to the value column"),
    ({"source": "eur-lex-22016a0204-01"}, 1, "quote", "source eur-lex-22016a0204-01 has no text in the graph"),
    ({"quote": ""}, 1, "source", f"source {SLUG} has its text in the graph: give the verbatim quote"),
    ({"type": "", "subject": "Kazakhstan"}, 1, "subject", "the subject column fills a claim's subject role"),
])
def test_other_refused_cells(registered, tmp_path, change, code, column, message):
    sheet = write_sheet(tmp_path / "claims.csv", [dict(GOOD, **change)])
    refused_template(registered, sheet, code, f"{sheet}:{cell(column, 0)}: {message}")


def test_every_problem_is_reported_not_only_the_first(registered, tmp_path):
    rows = [dict(GOOD, object="Atlantis"), dict(GOOD, date="2023-13"), dict(GOOD, quote="not in the text")]
    sheet = write_sheet(tmp_path / "claims.csv", rows)
    res = refused_template(registered, sheet, 3, f"{sheet}:{cell('object', 0)}:", f"{sheet}:{cell('date', 1)}:",
                           f"{sheet}:{cell('quote', 2)}:")
    assert res.output.index(cell("object", 0)) < res.output.index(cell("date", 1)) < res.output.index(cell("quote", 2))


def test_unreadable_sheets(registered, tmp_path):
    refused_template(registered, tmp_path / "missing.csv", 3, "no such file")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    refused_template(registered, empty, 3, f"{empty}:1: no header row")
    header_only = write_sheet(tmp_path / "header.csv", [])
    refused_template(registered, header_only, 3, "nothing to add")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(",".join(COLUMNS).encode() + b"\nx,kz:State,,,,,,,,,,Almaty \xe9,\n")
    refused_template(registered, latin, 3, f"{latin}:2: invalid UTF-8")
    broken = tmp_path / "broken.csv"
    broken.write_text(",".join(COLUMNS) + '\nx,"kz:State\n')
    refused_template(registered, broken, 3, f"{broken}:")
    other = tmp_path / "claims.xlsx"
    other.write_bytes(b"PK")
    refused_template(registered, other, 2, "a template is a .csv or .tsv file")


def test_fixture_templates_are_refused_at_their_cells(registered):
    # hand-written sheets as a curator's spreadsheet program would save them
    refused_template(registered, FIXTURES / "extra-cell.csv", 3, "extra-cell.csv:N3: value outside the named columns")
    refused_template(registered, FIXTURES / "bom-and-spaces.csv", 1,
                     "bom-and-spaces.csv:C2: unknown entity 'Uzbekistan'")


# --------------------------------------------------------------------------- source add


def refused_source(project: Path, code: int, args: list, *expected: str):
    before = snapshot(project / "data")
    res = invoke("source", "add", *args, "--project", project)
    assert res.exit_code == code, res.output
    for text in expected:
        assert text in res.output, (text, res.output)
    assert "Traceback" not in res.output
    assert snapshot(project / "data") == before


def test_duplicate_source_same_text_under_another_slug(registered):
    refused_source(registered, 3, [TEXT_FILE, "--title", "Again", "--author", "Me", "--slug", "again"],
                   f"already registered as kzsrc:{SLUG}", "nothing was written")


def test_duplicate_source_the_bundled_text(project):
    text = ROOT / "data" / "sources" / "foreign-policy.txt"
    refused_source(project, 3, [text, "--title", "Again", "--author", "Me", "--slug", "again"],
                   "already registered as kzsrc:foreign-policy")


def test_duplicate_source_slug_taken(registered, tmp_path):
    other = tmp_path / f"{SLUG}.txt"
    other.write_text(TEXT_FILE.read_text(encoding="utf-8").replace("6%", "7%"), encoding="utf-8")
    refused_source(registered, 3, [other, "--title", "Other", "--author", "Me"], f"the slug '{SLUG}' is already taken")
    # a slug used by a source without text is taken too
    refused_source(registered, 3, [other, "--title", "Other", "--author", "Me", "--slug", "eur-lex-22016a0204-01"],
                   "the slug 'eur-lex-22016a0204-01' is already taken")


@pytest.mark.parametrize("content, extra, code, message", [
    (None, ["--date", "2024-13"], 2, "--date: '2024-13' is not a date"),
    (None, ["--slug", "Not A Slug"], 2, "--slug: 'Not A Slug' is not a slug"),
    (None, ["--title", "  "], 2, "--title: must not be empty"),
    ("", [], 3, "file is empty"),
    ("Only a Title\nAnd a Heading\n", [], 3, "no body sentences"),
    ("Title\n\nA sentence with a bell \x07 in it.\n", [], 3, "control character U+0007"),
])
def test_source_add_refuses_bad_input(project, tmp_path, content, extra, code, message):
    path = TEXT_FILE
    if content is not None:
        path = tmp_path / "new-source.txt"
        path.write_text(content, encoding="utf-8")
    args = [path, "--title", "T", "--author", "A", *extra]
    refused_source(project, code, args, message)


def test_source_add_refuses_a_text_the_shapes_refuse(project, tmp_path):
    # no section headings: its sentences would belong to no section
    plain = tmp_path / "plain.txt"
    plain.write_text("Kazakhstan borders Uzbekistan. It also borders China.\n", encoding="utf-8")
    refused_source(project, 1, [plain, "--title", "T", "--author", "A"],
                   "the generated data/sources/plain.ttl does not validate", "kz:inSection", "nothing was written")


def test_source_add_missing_file_and_bom(project, tmp_path):
    refused_source(project, 3, [tmp_path / "nope.txt", "--title", "T", "--author", "A"], "no such file")
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + TEXT_FILE.read_bytes())
    refused_source(project, 3, [bom, "--title", "T", "--author", "A"], "byte-order mark")


def test_source_add_json_output(project):
    res = invoke("source", "add", TEXT_FILE, "--title", TITLE, "--author", "Desk", "--slug", "fictional-report",
                 "--project", project, "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["iri"] == KZSRC + "fictional-report"
    assert out["files"] == ["data/sources/fictional-report.txt", "data/sources/fictional-report.ttl"]
    for rel in out["files"]:
        assert (project / rel).is_file()


# --------------------------------------------------------------------------- mentions


@pytest.fixture(scope="module")
def known():
    from kzlod.curation.common import open_graph
    from kzlod.project import read

    return Known.from_store(open_graph(read(ROOT)))


@pytest.mark.parametrize("word, label, expected", [
    ("kazakh", "kazakhstan", True), ("kyrgyz", "kyrgyzstan", True), ("uzbek", "uzbekistan", True),
    ("uzbeks", "uzbekistan", True), ("kazakhstani", "kazakhstan", True), ("belarusian", "belarus", True),
    ("russian", "russia", True), ("armenian", "armenia", True), ("chinese", "china", True),
    ("ukrainian", "ukraine", True), ("azerbaijani", "azerbaijan", True), ("european", "europe", True),
    ("mongol", "mongolia", True), ("asian", "asia", True),
    ("armed", "armenia", False), ("russet", "russia", False), ("chin", "china", False), ("kazan", "kazakhstan", False),
])
def test_demonyms(word, label, expected):
    assert is_demonym(word, label) is expected


@pytest.mark.parametrize("sentence, entities", [
    ("The EU is Kazakhstan's most important trading partner.", {"kzd:european-union", "kzd:kazakhstan"}),
    ("Belarusian products are assembled in Kazakhstan.", {"kzd:belarus", "kzd:kazakhstan"}),
    ("Kyrgyz and Kazakh officials met.", {"kzd:kyrgyzstan", "kzd:kazakhstan"}),
    ("The Kazakh president declined.", {"kzd:president-of-kazakhstan"}),
    ("Chinese and Russian firms compete in Central Asia.", {"kzd:china", "kzd:russia", "kzd:central-asia"}),
    ("The EU's strategy and the eu of something.", {"kzd:european-union"}),
    ("Armed men crossed the border.", set()),
])
def test_mentions_matcher(known, sentence, entities):
    found, _concepts = find_mentions(sentence, known)
    assert {e["id"] for e in found} == entities


def test_mentions_of_the_bundled_source_table_and_json(project):
    res = invoke("mentions", "foreign-policy", "--project", project)
    assert res.exit_code == 0, res.output
    assert "kzsrc:foreign-policy" in res.stdout and "Kazakhstan (kzd:kazakhstan)" in res.stdout
    data = json.loads(invoke("mentions", "kzsrc:foreign-policy", "--project", project, "--format", "json").stdout)
    text = (ROOT / "data" / "sources" / "foreign-policy.txt").read_text(encoding="utf-8")
    assert len(data["sentences"]) == len(split_document(text).sentences)
    belarusian = [s for s in data["sentences"] if "Belarusian products" in s["text"]]
    assert belarusian and "kzd:belarus" in {e["id"] for e in belarusian[0]["entities"]}


def test_mentions_of_an_unregistered_file(project):
    res = invoke("mentions", TEXT_FILE, "--project", project, "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["source"] is None and all(s["sentence"] is None for s in data["sentences"])
    assert "not a registered source" in res.output  # a note on stderr
    assert len(data["sentences"]) == len(split_document(TEXT_FILE.read_text(encoding="utf-8")).sentences)


def test_mentions_of_an_unknown_source(project):
    res = invoke("mentions", "no-such-source", "--project", project)
    assert res.exit_code == 2 and "no source 'no-such-source'" in res.output


# --------------------------------------------------------------------------- coverage


def test_coverage_of_the_bundled_graph_agrees_with_the_data(project):
    res = invoke("coverage", "--project", project, "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    store = store_of(project / "data")
    cited = {r["s"].value for r in store.query(
        f"SELECT DISTINCT ?s WHERE {{ ?c <{KZ}hasEvidence> ?e . ?e <{KZ}sentence> ?s }}")}
    for src in data["sources"]:
        iris = [p["sentence"] for p in src["perSentence"]]
        assert src["covered"] == len([i for i in iris if i in cited])
        assert {u["sentence"] for u in src["uncovered"]} == {i for i in iris if i not in cited}
        assert src["sentences"] == sum(sec["sentences"] for sec in src["sections"])
    assert {s["source"] for s in data["sources"]} == {KZSRC + "foreign-policy"}  # the OJ record has no text
    table = invoke("coverage", "foreign-policy", "--project", project)
    assert table.exit_code == 0 and "Relationship with the EU" in table.stdout


def test_coverage_fail_under_counts_every_source_shown(registered):
    res = invoke("coverage", "--project", registered, "--format", "json")
    total = json.loads(res.stdout)["total"]
    assert total["covered"] < total["sentences"]  # the new source is not curated yet
    assert invoke("coverage", "--project", registered, "--fail-under", str(total["percent"])).exit_code == 0
    res = invoke("coverage", "--project", registered, "--fail-under", str(min(100, total["percent"] + 0.1)))
    assert res.exit_code == 1 and "under" in res.output
    res = invoke("coverage", SLUG, "--project", registered)
    assert res.exit_code == 0 and "uncovered sentences (" in res.stdout
    assert invoke("coverage", "eur-lex-22016a0204-01", "--project", registered).exit_code == 2


# --------------------------------------------------------------------------- diff


def test_diff_of_folders_before_and_after_a_template(registered, tmp_path):
    before = tmp_path / "before"
    shutil.copytree(registered / "data", before)
    assert invoke("template", TEMPLATE, "--project", registered).exit_code == 0
    res = invoke("diff", before, registered, "--format", "json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    rows = template_rows()
    ids = {f"kzd:{r['id']}" for r in rows}
    assert {s["id"] for s in d["subjects"]} == ids
    assert all(s["status"] == "added" for s in d["subjects"])
    uzbekistan = next(s for s in d["subjects"] if s["id"] == "kzd:uzbekistan")
    assert uzbekistan["label"] == "Uzbekistan"
    assert {"property": "a", "value": "kz:State"} in uzbekistan["added"]
    types: dict = {}
    for r in rows:
        if r["type"]:
            types[r["type"]] = types.get(r["type"], 0) + 1
    changes = {c["class"]: c["change"] for c in d["classes"] if c["change"]}
    assert changes == types
    relation = next(s for s in d["subjects"] if s["id"] == "kzd:relation-kazakhstan-uzbekistan")
    evidence = [f["value"] for f in relation["added"] if f["property"] == "kz:hasEvidence"]
    assert len(evidence) == 1 and evidence[0].startswith("[") and "oa:exact" in evidence[0]

    text = invoke("diff", before, registered)
    assert text.exit_code == 0 and "+ kzd:uzbekistan (Uzbekistan)  [added]" in text.stdout
    md = invoke("diff", before, registered / "data", "--format", "markdown")
    assert md.exit_code == 0 and "## Subjects per class" in md.stdout and "```diff" in md.stdout


def test_diff_ignores_layout_and_blank_node_names_and_shows_changes(tmp_path):
    src = ROOT / "data" / "foreign-policy" / "eu.ttl"
    triples = turtle_triples([src])
    nt = tmp_path / "eu.nt"
    nt.write_bytes(ox.serialize(reversed(triples), format=ox.RdfFormat.N_TRIPLES))
    res = invoke("diff", src, nt, "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["subjects"] == []
    assert "no differences" in invoke("diff", src, nt).stdout

    changed = tmp_path / "eu-changed.ttl"
    changed.write_text(src.read_text(encoding="utf-8").replace("kz:rank 1 ;", "kz:rank 2 ;"), encoding="utf-8")
    d = json.loads(invoke("diff", src, changed, "--format", "json").stdout)
    (entry,) = d["subjects"]
    assert entry["status"] == "changed" and entry["changed"] == [{"property": "kz:rank", "old": ["1"], "new": ["2"]}]
    assert d["summary"]["factsAdded"] == d["summary"]["factsRemoved"] == 1

    quote = "the EU is in competition with other regional"
    moved = tmp_path / "eu-quote.ttl"
    moved.write_text(src.read_text(encoding="utf-8").replace(quote, quote.upper(), 1), encoding="utf-8")
    d = json.loads(invoke("diff", src, moved, "--format", "json").stdout)
    (entry,) = d["subjects"]
    (change,) = entry["changed"]
    assert change["property"] == "kz:hasEvidence"  # the whole evidence tree is one value
    assert quote in change["old"][0] and quote.upper() in change["new"][0]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_against_a_git_revision(registered, monkeypatch):
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    git = ["git", "-C", str(registered)]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "data"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "before"], check=True)
    assert invoke("template", TEMPLATE, "--project", registered).exit_code == 0
    monkeypatch.chdir(registered)
    by_rev = invoke("diff", "HEAD", ".", "--format", "json")
    assert by_rev.exit_code == 0, by_rev.output
    explicit = invoke("diff", "git:HEAD", "data", "--format", "json")
    d1, d2 = json.loads(by_rev.stdout), json.loads(explicit.stdout)
    assert d1["subjects"] == d2["subjects"] and d1["subjects"]
    assert {s["id"] for s in d1["subjects"]} == {f"kzd:{r['id']}" for r in template_rows()}
    assert all(f.startswith("HEAD:data/") for f in d1["old"]["files"])
    res = invoke("diff", "no-such-rev", ".")
    assert res.exit_code == 2 and "not a git revision" in res.output


def test_diff_unreadable_file(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix kz: <https://w3id.org/kzlod/ontology#> .\nkz:x kz:y .\n")
    res = invoke("diff", bad, ROOT / "data" / "entities.ttl")
    assert res.exit_code == 3 and f"{bad}:2:" in res.output


# --------------------------------------------------------------------------- the commands themselves


def test_every_command_has_help_with_an_example():
    from kzlod.cli import COMMANDS

    paths = [["source", "add"] if name == "source" else [name] for name in COMMANDS]
    for path in paths:
        res = invoke(*path, "--help")
        assert res.exit_code == 0
        assert "Example" in res.stdout and f"kzlod {' '.join(path)}" in res.stdout, path


def test_the_command_module_imports_nothing_heavy():
    code = ("import sys, kzlod.cli; "
            "heavy = [m for m in ('rdflib', 'pyshacl', 'owlrl', 'matplotlib', 'starlette', 'uvicorn') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
