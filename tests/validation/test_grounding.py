"""The grounding check: each value of an asserted claim is worded in the evidence it cites."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import PREFIXES, ROOT

from kzlod.store.backends import OxigraphStore
from kzlod.validation.grounding import GROUNDING, Quote, Value, findings, ground, message, word_forms, worded

SENTENCE_14 = ("Their strategic partnership spans energy, transportation, and defense, though Kazakhstan's ties "
               "with the EU also hold significance.")


@pytest.mark.parametrize("label, text, expected", [
    ("tense", "This led to initial tensions and mistrust.", True),  # tension(s) ~ tense
    ("mistrustful", "This led to initial tensions and mistrust.", True),
    ("geography", "Geographical and political differences", True),
    ("politics", "Geographical and political differences", True),
    ("history", "Historically linked by geography and minerals", True),
    ("trade partnership", "The EU is Kazakhstan's most important trading partner", True),
    ("faltering", "this alliance has faltered", True),
    ("oil production", "As a major oil producer, Kazakhstan", True),
    ("Kazakhstan", "Armenia fears Kazakhstan's support of Azerbaijan", True),  # a possessive
    ("close", SENTENCE_14, False),
    ("partner importance", "Kazakhstan was once a vital partner for Russia", False),  # every word, not one
    ("natural resources", "benefiting from a shared border and valuable resources", False),
    ("defence", "energy, transportation, and defense", False),  # a spelling is a label (skos:altLabel)
    ("good", "goodwill", False),  # a word, not a part of one
    ("the", "the", False),  # no word worth matching
])
def test_a_label_is_worded_when_each_of_its_words_occurs(label, text, expected):
    assert worded(label, text) is expected


def test_word_forms_meet_over_simple_inflection():
    assert word_forms("tensions") & word_forms("tense")
    assert word_forms("cooperative") & word_forms("cooperation")
    assert not word_forms("close") & word_forms("closure")
    assert "good" in word_forms("goods") and word_forms("war") == {"war"}  # stems keep four letters


def claim(tone: str, modality: str = "kz:modality-asserted", extra: str = "") -> str:
    quote = "Their strategic partnership spans energy, transportation, and defense"
    start = (ROOT / "data" / "sources" / "foreign-policy.txt").read_text(encoding="utf-8").index(quote)
    return PREFIXES + f"""
kzd:tone-test a kz:ToneAssessment ;
    kz:relation kzd:relation-kazakhstan-russia ; kz:tone {tone} ; kz:modality {modality} ; {extra}
    kz:hasEvidence [ a kz:Evidence ; oa:hasSource kzsrc:foreign-policy ;
        kz:sentence <https://w3id.org/kzlod/id/source/foreign-policy/sentence/14> ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{quote}" ] ,
            [ a oa:TextPositionSelector ; oa:start {start} ; oa:end {start + len(quote)} ] ] .
"""


def store_with(turtle: str) -> OxigraphStore:
    store = OxigraphStore()
    for path in [*sorted((ROOT / "ontology").glob("*.ttl")), ROOT / "data" / "sources" / "foreign-policy.ttl"]:
        store.add_quads(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    store.add_quads(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))
    return store


def test_a_tone_its_evidence_does_not_word_is_found():
    (g,) = ground(store_with(claim("kz:tone-close")))
    assert [(v.label, v.grounded) for v in g.values] == [("close", False)]
    assert [q.sentence for q in g.evidence] == [14] and g.evidence[0].sentence_text == SENTENCE_14
    (f,) = findings([g])
    assert (f.severity, f.shape, f.path, f.value) == ("Warning", GROUNDING, "https://w3id.org/kzlod/ontology#tone",
                                                      "https://w3id.org/kzlod/ontology#tone-close")
    assert f.message.startswith("tone 'close' is not worded in its evidence — quote: 'Their strategic partnership "
                                "spans energy, transportation, and defense'; sentence 14: \"Their strategic")


def test_a_declared_synonym_words_a_value_and_is_named():
    (g,) = ground(store_with(claim("kz:tone-strained")))
    assert not g.values[0].grounded
    synonym = PREFIXES + 'kz:tone-strained <http://www.w3.org/2004/02/skos/core#hiddenLabel> "defense"@en .\n'
    (g,) = ground(store_with(claim("kz:tone-strained") + synonym))
    assert (g.values[0].grounded, g.values[0].wording) == (True, "defense")


def test_what_the_source_only_reports_is_not_checked():
    extra = "<http://www.w3.org/ns/prov#wasAttributedTo> kzd:armenia ;"
    assert ground(store_with(claim("kz:tone-close", "kz:modality-feared", extra))) == []


def test_the_message_shows_data_text_escaped():
    value = Value("https://w3id.org/kzlod/ontology#tone", "https://w3id.org/kzlod/ontology#tone-close", "close",
                  ["close"])
    text = message(value, [Quote("", 3, "A \x1b[2Jsentence\u202e with controls.", "A \x1b[2Jsentence")])
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\x1b[2Jsentence" in text and "\\u202e" in text
