"""The gate's checks beyond syntax, table by table: literals in their datatype's value space,
strings without NUL or noncharacters, language tags, the limits (named, checked before the work
they guard, the streaming gate of ``kzlod load`` with its own), and blank nodes placed in reports.

The refusals themselves, through the commands, are rows of ``test_bad_input.BAD_FILES``; here are
the valid counterparts that must still pass, and what a table row cannot say.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PREFIXES, copy_project
from test_bad_input import BAD_FILES, data_untouched  # noqa: F401 - the fixture: no data file changes

from kzlod.cli import cli
from kzlod.errors import InputError
from kzlod.gate import literals, reading, stream, terms
from kzlod.gate.parse import parse_file, parse_files

XSD = "http://www.w3.org/2001/XMLSchema#"
P = "@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
INTERNAL_NAME = re.compile(r"\bb[0-9a-f]{12}n[0-9]+\b")


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


# --- the value spaces, one table ------------------------------------------------------------------

VALID = [
    ("byte", "127"), ("byte", "-128"), ("byte", "+007"), ("short", "-32768"), ("int", "2147483647"),
    ("long", "-9223372036854775808"), ("unsignedByte", "255"), ("unsignedByte", "-0"), ("unsignedShort", "65535"),
    ("unsignedInt", "4294967295"), ("unsignedLong", "18446744073709551615"), ("nonNegativeInteger", "0"),
    ("positiveInteger", "+0001"), ("negativeInteger", "-1"), ("nonPositiveInteger", "+0"), ("integer", "9" * 5000),
    ("date", "2020-02-29"), ("date", "2000-02-29"), ("date", "-0004-02-29"), ("date", "0000-02-29"),
    ("date", "2020-12-31+14:00"), ("date", "12020-01-31Z"),
    ("dateTime", "2020-02-29T23:59:59.999"), ("dateTime", "2020-12-31T24:00:00"),
    ("dateTime", "2020-06-30T12:00:00-05:30"),
    ("dateTimeStamp", "2020-06-30T12:00:00Z"), ("time", "24:00:00"), ("time", "00:00:00.5Z"),
    ("gYear", "2020"), ("gYearMonth", "2020-02"), ("gMonthDay", "--02-29"), ("gMonth", "--12"), ("gDay", "---31"),
    ("boolean", "true"), ("boolean", "0"), ("decimal", "-1."), ("decimal", ".5"), ("double", "1e400"),
    ("double", "-INF"), ("double", "+INF"), ("float", "NaN"), ("float", "1.5E-3"),
    ("duration", "P1Y2M3DT4H5M6.5S"), ("duration", "-P1D"), ("duration", "PT0S"), ("dayTimeDuration", "P1DT2H"),
    ("yearMonthDuration", "-P1Y2M"), ("hexBinary", "0FAB"), ("base64Binary", "aGVsbG8="), ("token", "a b"),
    ("language", "en-GB"),
]

INVALID = [
    ("byte", "128", "must be between -128 and 127"), ("short", "-32769", "must be between"),
    ("unsignedLong", "-1", "must be between 0 and"), ("positiveInteger", "-0", "must be at least 1"),
    ("long", "9" * 5000, "must be between"), ("integer", "1.0", ""), ("int", " 1", ""),
    ("date", "2020-02-30", "February 2020 has 29 days"), ("date", "2100-02-29", "February 2100 has 28 days"),
    ("date", "2020-06-31", "June 2020 has 30 days"), ("date", "2020-00-10", ""), ("date", "20-01-01", ""),
    ("date", "2020-01-01+14:30", ""), ("dateTime", "2020-02-30T10:00:00", "February 2020 has 29 days"),
    ("dateTime", "2020-01-01T23:60:00", ""), ("dateTime", "2020-01-01", ""),
    ("dateTimeStamp", "2020-06-30T12:00:00", "a timezone is required"), ("time", "24:00:00.1", ""),
    ("gMonthDay", "--04-31", "April has 30 days"), ("gDay", "---32", ""), ("gYearMonth", "2020-00", ""),
    ("boolean", "True", ""), ("decimal", "1,5", ""), ("double", "1.0e", ""), ("float", "Infinity", ""),
    ("duration", "P", ""), ("duration", "PT", ""), ("duration", "P1H", ""), ("duration", "P-1D", ""),
    ("dayTimeDuration", "P1M", ""), ("yearMonthDuration", "PT1H", ""), ("hexBinary", "ABC", ""),
    ("token", "a  b", "no leading, trailing or double spaces"), ("language", "en_GB", ""),
]


@pytest.mark.parametrize("datatype, value", VALID, ids=[f"{d}:{v[:20]}" for d, v in VALID])
def test_valid_literals(datatype, value):
    assert literals.literal_problem(value, XSD + datatype) is None


@pytest.mark.parametrize("datatype, value, reason", INVALID, ids=[f"{d}:{v[:20]}" for d, v, _ in INVALID])
def test_invalid_literals(datatype, value, reason):
    problem = literals.literal_problem(value, XSD + datatype)
    assert problem and problem.startswith(f'ill-typed literal "{value[:57]}') and f"xsd:{datatype}" in problem
    assert reason in problem


def test_the_old_pattern_table_keeps_its_interface():
    """kzlod.curation.template checks spreadsheet values with ``MATCHERS[dt].match(value)``."""
    assert literals.MATCHERS[XSD + "date"].match("2020-02-29")
    assert not literals.MATCHERS[XSD + "date"].match("2020-02-30")
    assert not literals.MATCHERS[XSD + "byte"].match("300")


@pytest.mark.parametrize("tag", ["en", "en-GB", "EN-gb", "zh-Hant-TW", "sgn-BE-FR", "x-private", "i-klingon",
                                 "en-US-u-ca-gregory", "de-CH-1901", "es-419", "en-GB-oed", "ar-aaa-bbb"])
def test_well_formed_language_tags(tag):
    assert literals.language_problem(tag) is None


@pytest.mark.parametrize("tag", ["en_GB", "e", "123", "en-", "en--rtl", "englishlanguage", "de-419-DE", "en-a",
                                 "en-GB-GB", "ar-aaa-bbb-ccc-ddd"])
def test_malformed_language_tags(tag):
    assert "is not a well-formed BCP 47 tag" in literals.language_problem(tag)


def test_every_noncharacter_and_nul_is_refused_and_nothing_else():
    bad = {0} | set(range(0xFDD0, 0xFDF0)) | {p * 0x10000 + x for p in range(17) for x in (0xFFFE, 0xFFFF)}
    assert len(bad) == 67
    for code in list(bad) + [1, 0x7F, 0xFDCF, 0xFDF0, 0xFFFD, 0x1FFFD, 0x10FFFD, 0xE000]:
        assert bool(literals.BAD_CHARS.match(chr(code))) == (code in bad), hex(code)


# --- what must still pass -------------------------------------------------------------------------

def _list(n: int) -> str:
    return (PREFIXES + "kzd:armenia rdfs:comment (" + " ".join(f'"item {i}"' for i in range(n)) + ") .\n")


GOOD_FILES = [
    ("byte.ttl", P + 'ex:a ex:b "127"^^xsd:byte, "-128"^^xsd:byte, "255"^^xsd:unsignedByte .\n'),
    ("leap-days.ttl", P + 'ex:a ex:b "2020-02-29"^^xsd:date, "2000-02-29"^^xsd:date, "--02-29"^^xsd:gMonthDay .\n'),
    ("end-of-day.ttl", P + 'ex:a ex:b "2020-12-31T24:00:00"^^xsd:dateTime, "24:00:00"^^xsd:time .\n'),
    ("durations.ttl", P + 'ex:a ex:b "P1Y2M3DT4H5M6.5S"^^xsd:duration, "-P1D"^^xsd:dayTimeDuration, '
                          '"P2Y"^^xsd:yearMonthDuration .\n'),
    ("numbers.ttl", P + "ex:a ex:b 1, -2.5, 1e400, true, \"INF\"^^xsd:double, \"NaN\"^^xsd:float .\n"),
    ("languages.ttl", P + 'ex:a ex:b "x"@en-GB, "y"@zh-Hant-TW, "z"@x-private, "w"@i-klingon, '
                          '"v"@en-US-u-ca-gregory .\n'),
    ("languages.nt", '<http://e.org/a> <http://e.org/b> "colour"@en-GB .\n'),
    ("languages.jsonld", '{"@context": {"@language": "en-GB"}, "@id": "http://e.org/a", "http://e.org/b": "colour"}'),
    ("languages.rdf", ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                       'xmlns:e="http://e.org/">\n<rdf:Description rdf:about="http://e.org/a">'
                       '<e:b xml:lang="en-GB">colour</e:b></rdf:Description></rdf:RDF>\n')),
    ("escapes-in-comments.ttl", P + "# the spec writes NUL as \\u0000\nex:a ex:b \"ok\" .\n"),
    ("escaped-backslash.ttl", P + 'ex:a ex:b "a\\\\u0000b" .\n'),
    ("near-noncharacters.ttl", P + 'ex:a ex:b "\\uFFFD\\uFDCF\\uFDF0\\U0001FFFD\\U0010FFFD\ufffd" .\n'),
    ("brackets-in-strings.ttl", P + "ex:a ex:b '[[[(((', \"\"\"<< ~ {|\n]]]\"\"\", <http://e.org/(((> . # [[[\n"),
    ("nested-64.ttl", P + "ex:a ex:b " + "[ ex:b " * 63 + "ex:c" + " ]" * 63 + " .\n"),
    ("list-10000.ttl", _list(10_000)),
]


@pytest.mark.parametrize("name, content", GOOD_FILES, ids=[g[0] for g in GOOD_FILES])
def test_valid_file_passes_the_gate(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    parse_files([path])
    stream.gate(path)
    res = invoke("query", "ASK {}", "--data", path)
    assert res.exit_code == 0, res.output


def test_a_ten_thousand_item_list_is_accepted_by_validate(tmp_path):
    path = tmp_path / "list.ttl"
    path.write_text(_list(10_000), encoding="utf-8")
    res = invoke("validate", path)
    assert res.exit_code == 0, res.output[-2000:]
    assert "Traceback" not in res.output


def test_a_ten_thousand_item_list_can_be_added(tmp_path):
    """Regression: a 100,000-element list gave a RecursionError on add (merge._bnode_key recursed per item)."""
    project = copy_project(tmp_path / "project")
    path = tmp_path / "list.ttl"
    path.write_text(_list(10_000), encoding="utf-8")
    res = invoke("add", path, "--project", project, "--dry-run")
    assert res.exit_code == 0, res.output[-2000:]


def test_w3c_strings_with_nul_are_rdf_but_not_user_data(tmp_path):
    """NUL is valid RDF (the W3C suites have it): parse_file accepts it, the user gate does not."""
    path = tmp_path / "nul.nt"
    path.write_text('<http://e.org/a> <http://e.org/b> "\\u0000" .\n', encoding="utf-8")
    assert len(parse_file(path)) == 1
    with pytest.raises(InputError, match="U\\+0000 \\(NUL\\)"):
        parse_files([path])
    with pytest.raises(InputError, match="U\\+0000 \\(NUL\\)"):
        stream.gate(path)


# --- limits: named, checked before the work they guard ----------------------------------------------

def test_a_file_over_the_validate_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.ttl"
    path.write_text(P + "ex:a ex:b ex:c .\n", encoding="utf-8")
    monkeypatch.setenv("KZLOD_MAX_FILE_BYTES", "60")
    with monkeypatch.context() as m, pytest.raises(InputError) as exc:
        m.setattr(Path, "read_bytes", lambda self: pytest.fail("read before its size was checked"))
        parse_files([path])
    assert exc.value.message == (f"{path}: 104 bytes is over the limit of 60 bytes for validate and add "
                                 "(KZLOD_MAX_FILE_BYTES); load bigger graphs with 'kzlod load'")


def test_load_has_its_own_larger_limits(tmp_path, monkeypatch):
    path = tmp_path / "big.nt"
    path.write_text("".join(f'<http://e.org/s{i}> <http://e.org/p> "{i}" .\n' for i in range(5)), encoding="utf-8")
    monkeypatch.setenv("KZLOD_MAX_FILE_BYTES", "60")
    assert stream.gate(path)[0] == 5  # over validate's limit, within load's
    monkeypatch.setattr(stream, "PROGRESS_EVERY", 1)
    monkeypatch.setenv("KZLOD_MAX_LOAD_STATEMENTS", "3")
    with pytest.raises(InputError) as exc:
        stream.gate(path)
    assert exc.value.message == (f"{path}: more than 3 triples is over the limit of 3 for load "
                                 "(KZLOD_MAX_LOAD_STATEMENTS)")
    monkeypatch.setenv("KZLOD_MAX_LOAD_FILE_BYTES", "100")
    with pytest.raises(InputError) as exc:
        stream.gate(path)
    assert exc.value.message.endswith("bytes is over the limit of 100 bytes for any file (KZLOD_MAX_LOAD_FILE_BYTES)")


def test_statements_are_counted_while_parsing_and_a_list_item_counts_once(tmp_path):
    path = tmp_path / "list.ttl"
    path.write_text(_list(100), encoding="utf-8")
    assert len(parse_files([path], max_statements=101)[0]) == 201  # 100 items and the statement holding them
    with pytest.raises(InputError) as exc:
        parse_files([path], max_statements=100)
    assert exc.value.message == (f"{path}: more than 100 statements (a list item counts once) is over the limit of "
                                 "100 for validate and add (KZLOD_MAX_STATEMENTS); "
                                 "load bigger graphs with 'kzlod load'")


def test_the_default_statement_limit_takes_ten_thousand_items_and_refuses_a_hundred_thousand(tmp_path):
    limit = reading.LIMITS["statements"]
    ok, big = tmp_path / "ok.ttl", tmp_path / "big.ttl"
    ok.write_text(_list(10_000), encoding="utf-8")
    big.write_text(_list(100_000), encoding="utf-8")
    parse_files([ok], max_statements=limit)
    with pytest.raises(InputError, match="is over the limit of 12,000 for validate and add"):
        parse_files([big], max_statements=limit)


def test_a_long_literal_is_refused_where_it_starts_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("KZLOD_MAX_LITERAL_CHARS", "100")
    for name, content, where in [
        ("long.ttl", P + "ex:a ex:b 1 .\nex:a ex:b \"" + "x" * 500 + '" .\n', ":4:11:"),
        ("long-multiline.ttl", P + 'ex:a ex:b """' + "x\n" * 300 + '""" .\n', ":3:11:"),
        ("long.nt", '<http://e.org/a> <http://e.org/b> "' + "x" * 500 + '" .\n', ":1:35:"),
    ]:
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        for check in (parse_files, stream.gate):
            with pytest.raises(InputError) as exc:
                check([path]) if check is parse_files else check(path)
            assert f"{path}{where} literal of " in exc.value.message
            assert "characters is over the limit of 100 characters (KZLOD_MAX_LITERAL_CHARS)" in exc.value.message
    path = tmp_path / "long.jsonld"
    path.write_text('{"@id": "http://e.org/a", "http://e.org/b": "' + "x" * 500 + '"}', encoding="utf-8")
    with pytest.raises(InputError, match="string of 500 characters is over the limit of 100 characters"):
        parse_files([path])


LONG_STRINGS = [  # (text, the long string token it starts with)
    ('"""a"""', '"""a"""'),
    ('"""a"b""c"""', '"""a"b""c"""'),
    ('"""a""""', '"""a"""'),  # content cannot end with a quote: the last quote is left over
    ('"""\\""""', '"""\\""""'),  # an escaped quote, then the closing three
    ("'''x''y''' .", "'''x''y'''"),
    ('"""line\nline"""@en', '"""line\nline"""'),
    ('""""""', '""""""'),
]


@pytest.mark.parametrize("text,token", LONG_STRINGS)
def test_long_strings_are_scanned_on_every_python_3_11(text, token):
    """Regression: on Python 3.11.2 (Debian 12's python3) a lookaround inside a possessive repeat
    made the scan miss every long string (the first row did not match), so it stopped at the first
    one: limits and RDF 1.2 tokens after it were found later, at the wrong place. The long-string
    pattern now follows Turtle's grammar with no lookaround, and no possessive repeat holds one."""
    from kzlod.gate.scan import TOKEN

    m = TOKEN.match(text)
    assert m and m.lastgroup == "long" and m.group() == token
    assert not re.search(r"\(\?[=!<]", TOKEN.pattern), "no lookaround in the scan's tokens"


def test_a_token_past_the_parser_buffer_is_a_clean_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KZLOD_MAX_LITERAL_CHARS", str(1 << 30))
    monkeypatch.setenv("KZLOD_MAX_FILE_BYTES", str(64 << 20))
    path = tmp_path / "huge.nt"
    path.write_text('<http://e.org/a> <http://e.org/b> "' + "x" * (17 << 20) + '" .\n', encoding="utf-8")
    for check in (lambda: parse_files([path]), lambda: stream.gate(path)):
        with pytest.raises(InputError, match=r"longer than 16 MiB cannot be read \(literals are limited to"):
            check()


def test_the_streaming_gate_says_what_the_gate_says(tmp_path):
    """Every refused file of the table, through kzlod load's gate: the same message."""
    for name, content, _message, _where in BAD_FILES:
        if Path(name).suffix not in reading.FORMATS:
            continue
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        with pytest.raises(InputError) as gated:
            parse_files([path])
        with pytest.raises(InputError) as streamed:
            stream.gate(path)
        assert streamed.value.message == gated.value.message, name


def test_the_stream_places_errors_read_a_chunk_at_a_time(tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "CHUNK", 7)
    monkeypatch.setattr(terms.FileLocator, "CHUNK", 11)
    monkeypatch.setattr(terms.FileLocator, "OVERLAP", 5)
    path = tmp_path / "late.ttl"
    path.write_text(P + "ex:a ex:b [ ex:c 'é' ] .\n" * 20 + 'ex:a ex:b "x\\u0000" .\nex:a ex:b "300"^^xsd:byte .\n',
                    encoding="utf-8")
    with pytest.raises(InputError) as gated:
        parse_files([path])
    with pytest.raises(InputError) as streamed:
        stream.gate(path)
    assert streamed.value.message == gated.value.message
    assert gated.value.message.startswith(f"{path}:23:13: U+0000 (NUL)")


# --- blank nodes placed -----------------------------------------------------------------------------

QUOTE = "their engagement within various international structures, including the EAEU, CSTO and CIS"
SENTENCE = "<https://w3id.org/kzlod/id/source/foreign-policy/sentence/17>"
EVIDENCE = PREFIXES + f"""
kzd:membership-armenia-test a kz:Membership ;
    kz:modality kz:modality-asserted ;
    org:member kzd:armenia ;
    org:organization kzd:cis ;
    kz:hasEvidence [
        a kz:Evidence ;
        kz:sentence {SENTENCE} ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{QUOTE}" ] ,
            [ a oa:TextPositionSelector ; oa:end 2428 ; oa:start 2338 ] ;
        oa:hasSource kzsrc:foreign-policy
    ] , [
        a kz:Evidence ;
        kz:sentence {SENTENCE} ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "this text is not in the source" ] ;
        oa:hasSource kzsrc:foreign-policy
    ] , [
        a kz:Evidence ;
        kz:sentence {SENTENCE} ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{QUOTE}" ] ,
            [ a oa:TextPositionSelector ; oa:end 2 ; oa:start 2338 ] ;
        oa:hasSource kzsrc:foreign-policy
    ] .
"""


def _bracket(text: str, line: int, nth: int = 1) -> int:
    """The column of the nth '[' on a line (1-based)."""
    row = text.split("\n")[line - 1]
    col = -1
    for _ in range(nth):
        col = row.index("[", col + 1)
    return col + 1


@pytest.mark.parametrize("command", ["validate", "add"])
def test_errors_in_blank_nodes_have_a_place_and_a_path(tmp_path, command):
    project = copy_project(tmp_path / "project")
    path = tmp_path / "evidence.ttl"
    path.write_text(EVIDENCE, encoding="utf-8")
    args = ["validate", path] if command == "validate" else ["add", path, "--project", project, "--dry-run"]
    res = invoke(*args)
    assert res.exit_code == 1, res.output
    out = res.output
    assert "?:0" not in out and not INTERNAL_NAME.search(out) and "blank node" not in out, out
    lines = EVIDENCE.split("\n")
    second = next(i for i, ln in enumerate(lines, 1) if ln.strip() == "] , [")  # the second block opens here
    third = next(i for i, ln in enumerate(lines, 1) if i > second and ln.strip() == "] , [")
    selector = third + 4  # the third block's position selector
    assert f"{path}:{second}:{_bracket(EVIDENCE, second)}: " in out
    assert f"{path}:{selector}:{_bracket(EVIDENCE, selector)}: kzd:membership-armenia-test kz:hasEvidence [3] " \
           "oa:hasSelector [2]" in out
    assert f"{path}:{third}:" not in out  # wrong offsets are the selector's, reported at its line only
    assert "Evidence kzd:membership-armenia-test kz:hasEvidence [2]: the quote" in out
    places = set(re.findall(rf"{re.escape(str(path))}:(\d+:\d+):", out))
    assert len(places) == 2, out  # the second block's two errors at the block, the third's two at its selector


def test_blank_nodes_of_other_syntaxes_are_placed_by_label_or_subject(tmp_path):
    from kzlod.gate.places import blank_places, source_of

    path = tmp_path / "chain.nt"
    path.write_text('<http://e.org/a> <http://e.org/b> _:x .\n\n_:x <http://e.org/c> _:y .\n'
                    '_:y <http://e.org/d> "1" .\n', encoding="utf-8")
    quads = parse_files([path])[0].quads
    ids = {q.object.value for q in quads if q.object.__class__.__name__ == "BlankNode"}
    found = blank_places([source_of(str(path), path, path.read_bytes())], ids)
    places = sorted((p.line, p.col, p.path) for p in found.values())
    assert places == [(1, 35, "<http://e.org/a> <http://e.org/b>"),
                      (3, 22, "<http://e.org/a> <http://e.org/b> <http://e.org/c>")]
