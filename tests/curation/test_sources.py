"""The sentence splitter and the Turtle it writes for a source document."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kzlod.curation.sources import document_turtle, is_heading, split_document, split_sentences

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "data" / "sources" / "foreign-policy.txt"


@pytest.fixture(scope="module")
def text() -> str:
    return BUNDLED.read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def doc(text):
    return split_document(text)


def test_bundled_sentence_count(doc):
    assert len(doc.sentences) == 29
    assert [len(doc.sentences_in(i)) for i in range(1, 6)] == [7, 8, 5, 4, 5]
    assert [s.index for s in doc.sentences] == list(range(1, 30))


def test_bundled_title_and_sections(doc):
    assert doc.title == "6. Foreign Policy"
    assert doc.front_matter == ["Reiter"]
    assert [s.title for s in doc.sections] == [
        "Relationship with the EU",
        "Relationship with Russia",
        "Relationship with Armenia",
        "Relationship with Belarus",
        "Relationship with Kyrgyzstan",
    ]
    assert [s.index for s in doc.sections] == [1, 2, 3, 4, 5]


def test_offsets_are_exact(doc, text):
    for s in doc.sentences:
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
        section = doc.sections[s.section - 1]
        assert section.start <= s.start < s.end <= section.end
    for sec in doc.sections:
        assert text[sec.start : sec.end].startswith(sec.title + ":")


def test_headings_are_not_sentences(doc):
    texts = {s.text for s in doc.sentences}
    assert not any(t.startswith("Relationship with") for t in texts)
    assert "Reiter" not in texts


def test_st_petersburg_in_one_sentence(doc):
    hits = [s for s in doc.sentences if "St. Petersburg" in s.text]
    assert len(hits) == 1
    assert hits[0].text.startswith("This shift was palpable")
    assert hits[0].text.endswith("breakaway territories.")


def test_footnote_marker_stays_with_sentence(doc):
    s = doc.sentences[1]
    assert s.text.endswith("Central Asia Strategy.[1]")
    assert "Agreement [2] in 2015" in doc.sentences[3].text


def test_made_up_multi_paragraph_text():
    text = (
        "A Short Report\n"
        "J. Doe\n"
        "\n"
        "Background:\n"
        "Dr. Smith arrived in St. Petersburg on Monday. He met the mayor!\n"
        "Was it useful? Nobody knows.[3] The talks\n"
        "continued in the evening.\n"
        "\n"
        "The second paragraph has one sentence.\n"
        "Outlook\n"
        "Prices rose by 4.5% in 2023. E.g. bread.\n"
    )
    doc = split_document(text)
    assert doc.title == "A Short Report"
    assert doc.front_matter == ["J. Doe"]
    assert [s.title for s in doc.sections] == ["Background", "Outlook"]
    assert [s.text for s in doc.sentences] == [
        "Dr. Smith arrived in St. Petersburg on Monday.",
        "He met the mayor!",
        "Was it useful?",
        "Nobody knows.[3]",
        "The talks\ncontinued in the evening.",
        "The second paragraph has one sentence.",
        "Prices rose by 4.5% in 2023.",
        "E.g. bread.",
    ]
    assert [s.section for s in doc.sentences] == [1, 1, 1, 1, 1, 1, 2, 2]
    for s in doc.sentences:
        assert text[s.start : s.end] == s.text


def test_text_without_headings():
    text = "First sentence here. Second one follows.\n\nA new paragraph starts."
    doc = split_document(text)
    assert doc.title is None and doc.sections == []
    assert [s.text for s in doc.sentences] == [
        "First sentence here.",
        "Second one follows.",
        "A new paragraph starts.",
    ]
    assert all(s.section is None for s in doc.sentences)


def test_offsets_are_code_points():
    text = "Übersicht\nQazaqstan — Қазақстан is large. Астана is the capital.\n"
    doc = split_document(text)
    assert [s.text for s in doc.sentences] == ["Qazaqstan — Қазақстан is large.", "Астана is the capital."]
    for s in doc.sentences:
        assert text[s.start : s.end] == s.text


def test_split_sentences_abbreviations():
    text = "Mr. Brown met Gen. Lee. Then they left."
    assert [text[s:e] for s, e in split_sentences(text)] == ["Mr. Brown met Gen. Lee.", "Then they left."]


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Relationship with the EU:", True),
        ("Reiter", True),
        ("6. Foreign Policy", True),
        ("This is a sentence.", False),
        ("Is it a question?", False),
        ("", False),
        ("x" * 150, False),
    ],
)
def test_is_heading(line, expected):
    assert is_heading(line) is expected


def test_document_turtle(text):
    ttl = document_turtle("foreign-policy", text, "6. Foreign Policy", "Reiter")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert f'kz:sha256 "{sha}"' in ttl
    assert 'kz:sourceFile "sources/foreign-policy.txt"' in ttl
    assert "<https://w3id.org/kzlod/id/source/foreign-policy/sentence/29> a kz:Sentence" in ttl

    rdflib = pytest.importorskip("rdflib")
    g = rdflib.Graph().parse(data=ttl, format="turtle")
    kz = rdflib.Namespace("https://w3id.org/kzlod/ontology#")
    doc_iri = rdflib.URIRef("https://w3id.org/kzlod/id/source/foreign-policy")
    assert str(g.value(doc_iri, kz.text)) == text
    sentences = list(g.subjects(rdflib.RDF.type, kz.Sentence))
    assert len(sentences) == 29
    for s in sentences:
        start, end = int(g.value(s, kz.start)), int(g.value(s, kz.end))
        assert str(g.value(s, rdflib.RDF.value)) == text[start:end]


def test_document_turtle_escapes_and_date():
    text = 'Odd "quotes" and a back\\slash.\r\nSecond line here.'
    ttl = document_turtle("odd", text, 'A "title"', None, date="2024-05")
    assert '"2024-05"^^xsd:gYearMonth' in ttl
    rdflib = pytest.importorskip("rdflib")
    g = rdflib.Graph().parse(data=ttl, format="turtle")
    kz = rdflib.Namespace("https://w3id.org/kzlod/ontology#")
    assert str(g.value(rdflib.URIRef("https://w3id.org/kzlod/id/source/odd"), kz.text)) == text
    with pytest.raises(ValueError):
        document_turtle("Not A Slug", text, "t", None)


def test_bundled_turtle_is_current(text):
    generated = document_turtle("foreign-policy", text, "6. Foreign Policy", "Reiter")
    on_disk = (ROOT / "data" / "sources" / "foreign-policy.ttl").read_text(encoding="utf-8")
    rdflib = pytest.importorskip("rdflib")
    from rdflib.compare import isomorphic

    assert isomorphic(
        rdflib.Graph().parse(data=generated, format="turtle"),
        rdflib.Graph().parse(data=on_disk, format="turtle"),
    )
