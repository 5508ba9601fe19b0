"""The graph says exactly what the source says: who says it, how sure, and when.

Competency questions as SPARQL-as-test over the bundled graph (inference off,
as it is stored), and the named queries that show them.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import ROOT, ask_union, graph_files, graph_store, select_rows

from kzlod.querying.run import named_queries

SOURCE_TEXT = (ROOT / "data" / "sources" / "foreign-policy.txt").read_text(encoding="utf-8")
PREFIXES = """
PREFIX kz: <https://w3id.org/kzlod/ontology#>
PREFIX kzd: <https://w3id.org/kzlod/id/>
PREFIX kzsrc: <https://w3id.org/kzlod/id/source/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


@pytest.fixture(scope="module")
def store():
    return graph_store()


def select(store, query: str) -> list[dict]:
    return select_rows(store, PREFIXES + query)


def ask(store, query: str) -> bool:
    return ask_union(store, PREFIXES + query)


def _body(name: str) -> str:
    return "\n".join(line for line in named_queries()[name].text.splitlines() if not line.startswith("PREFIX"))


def test_every_claim_says_how_the_source_puts_it(store):
    missing = select(store, """SELECT ?claim WHERE {
        ?claim a/rdfs:subClassOf* kz:Claim . ?class rdfs:subClassOf* kz:Claim .
        FILTER NOT EXISTS { ?claim kz:modality ?m } }""")
    assert missing == []


def test_armenia_fears_the_support_of_azerbaijan_and_the_source_does_not_assert_it(store):
    """Sentence 20: "Armenia fears Kazakhstan's support of Azerbaijan"."""
    rows = select(store, """SELECT ?modality ?holder ?quote WHERE {
        kzd:support-kazakhstan-azerbaijan kz:modality ?modality ; prov:wasAttributedTo ?holder ;
            kz:hasEvidence/oa:hasSelector/oa:exact ?quote }""")
    assert rows == [{"modality": "https://w3id.org/kzlod/ontology#modality-feared",
                     "holder": "https://w3id.org/kzlod/id/armenia",
                     "quote": "Armenia fears Kazakhstan's support of Azerbaijan"}]
    # "whom does Kazakhstan support?", on the source's own authority
    supported = {r["who"] for r in select(store, """SELECT ?who WHERE {
        ?s a kz:Support ; kz:provider kzd:kazakhstan ; kz:recipient ?who ; kz:modality kz:modality-asserted }""")}
    assert "https://w3id.org/kzlod/id/azerbaijan" not in supported and "https://w3id.org/kzlod/id/ukraine" in supported


def test_lukashenkos_remark_is_his_statement_at_the_june_2023_meeting(store):
    rows = select(store, """SELECT DISTINCT ?claim ?modality ?holder ?date WHERE {
        ?claim kz:hasEvidence/kz:sentence/kz:index 24 ; kz:modality ?modality .
        FILTER (?modality != kz:modality-asserted)
        ?claim prov:wasAttributedTo ?holder ; kz:statedAt ?meeting .
        ?meeting a kz:Meeting ; time:hasTime/time:inXSDgYearMonth ?date } ORDER BY ?claim""")
    assert [r["claim"].rsplit("/", 1)[-1] for r in rows] == [
        "relation-aleksandr-lukashenko-nursultan-nazarbayev", "tone-aleksandr-lukashenko-nursultan-nazarbayev"]
    assert {(r["modality"].rsplit("#", 1)[-1], r["holder"].rsplit("/", 1)[-1], r["date"]) for r in rows} == {
        ("modality-reported", "aleksandr-lukashenko", "2023-06")}


def test_the_hedged_limit_is_hedged(store):
    """Sentence 15: "… may limit achieving neighborly closeness"."""
    assert ask(store, """ASK { ?c kz:modality kz:modality-hedged ;
        kz:hasEvidence/oa:hasSelector/oa:exact ?q . FILTER (CONTAINS(?q, "may limit")) }""")


def test_the_source_has_a_time_no_earlier_than_its_latest_dated_event(store):
    rows = select(store, """SELECT ?bound WHERE {
        ?t kz:timeOf kzsrc:foreign-policy ; kz:notBefore/time:inXSDgYearMonth ?bound }""")
    latest = select(store, """SELECT (MAX(STR(?d)) AS ?latest) WHERE {
        ?e a/rdfs:subClassOf* kz:Event ; kz:hasEvidence/oa:hasSource kzsrc:foreign-policy ;
           time:hasTime/(time:inXSDgYear|time:inXSDgYearMonth|time:inXSDDate) ?d }""")
    assert rows == [{"bound": "2023-06"}] and latest == [{"latest": "2023-06"}]


def test_nazarbayevs_office_ended_before_the_sources_time(store):
    """Sentence 24: "former ruler Nazarbayev" — not President beside Tokayev."""
    assert ask(store, """ASK { kzd:office-holding-nursultan-nazarbayev kz:temporalQualifier kz:time-former ;
        time:hasTime/time:before/kz:timeOf kzsrc:foreign-policy }""")


@pytest.mark.parametrize("subject, qualifier, word", [
    ("characterisation-kazakhstan-russia-partner-importance", "time-once", "once"),
    ("tone-armenia-kazakhstan-mistrustful", "time-initial", "initial"),
    ("nagorno-karabakh-fighting", "time-recent", "Recent"),
    ("office-holding-nursultan-nazarbayev", "time-former", "former"),
    ("tone-kazakhstan-kyrgyzstan-frictional", "time-over-the-last-years", "over the last years"),
    ("tone-kazakhstan-kyrgyzstan-frictional", "time-frequent", "frequent"),
    ("tone-armenia-kazakhstan-friendly", "time-generally", "generally"),
    ("cooperation-kazakhstan-russia", "time-still", "still"),
])
def test_time_words_are_data_not_comments(store, subject, qualifier, word):
    rows = select(store, f"""SELECT ?quote WHERE {{
        kzd:{subject} kz:temporalQualifier kz:{qualifier} ; kz:hasEvidence/oa:hasSelector/oa:exact ?quote }}""")
    assert rows and any(word in r["quote"] for r in rows)


def test_changes_of_tone_are_changes(store):
    rows = select(store, """SELECT ?q WHERE { ?t kz:toneChange kz:change-worsened ;
        kz:hasEvidence/oa:hasSelector/oa:exact ?q }""")
    quotes = " ".join(r["q"] for r in rows)
    for word in ("faltered", "frayed", "further strains", "increased tensions", "increased the tensions"):
        assert word in quotes, word


def test_strained_relations_mark_the_initial_tension_with_armenia_as_past(store):
    rows = select(store, _body("strained-relations"))
    armenia = {(r["toneLabel"], r["period"], r["sentence"]) for r in rows if r["partnerLabel"] == "Armenia"}
    assert armenia == {("tense", "past", "18"), ("mistrustful", "past", "19"), ("tense", "past", "19"),
                       ("tense", "current", "20")}
    periods = [r["period"] for r in rows if r["partnerLabel"] == "Armenia"]
    assert periods == sorted(periods, reverse=True), "past before current"
    assert all(r["period"] == "current" for r in rows if r["partnerLabel"] == "Russia")


def test_tones_come_from_the_whole_text(store):
    rows = select(store, """SELECT ?partner ?toneLabel ?quote WHERE {
        ?a a kz:ToneAssessment ; kz:modality kz:modality-asserted ; kz:tone ?tone ; kz:relation ?r ;
           kz:hasEvidence/oa:hasSelector/oa:exact ?quote .
        ?tone skos:broader* kz:tone-positive ; skos:prefLabel ?toneLabel .
        ?r kz:party kzd:kazakhstan , ?partner . FILTER (?partner != kzd:kazakhstan) }""")
    russia = {r["quote"] for r in rows if r["partner"].endswith("/russia")}
    # sentence 13 keeps the collaboration; sentence 14, the scope of a partnership, gives no tone
    assert russia == {"the countries still share economic, political, and cultural collaboration"}
    assert any(r["partner"].endswith("/european-union") for r in rows), "EU–Kazakhstan has a tone"
    assert all(r["quote"] in SOURCE_TEXT for r in rows)


def test_events_name_their_states_or_say_the_source_leaves_them_open(store):
    """No event is given a state the text does not name: each names its states (or people and offices
    acting for them), or says that the source leaves them open; inference adds only the chain's states."""
    from kzlod.reasoning.engines import compute
    from kzlod.store.rdfconv import graph_of

    events = {r["e"] for r in select(store, "SELECT ?e WHERE { ?e a/rdfs:subClassOf* kz:Event }")}
    by_path = {(r["e"], r["s"]) for r in select(store, """SELECT ?e ?s WHERE {
        ?e kz:participatingState|(kz:participant/(kz:actsFor|org:postIn)) ?s }""")}
    left_open = {r["e"] for r in select(store, "SELECT ?e WHERE { ?e kz:leftOpen kz:participatingState }")}
    assert {e for e, _ in by_path} | left_open == events
    assert not {e for e, _ in by_path} & left_open
    graph = None
    for path in graph_files():
        graph = graph_of(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE), graph)
    closure = compute(graph, "owlrl")
    inferred = {(t.subject.value, t.object.value) for t in closure.inferred
                if t.predicate.value == "https://w3id.org/kzlod/ontology#participatingState"}
    asserted = {(r["e"], r["s"]) for r in select(store, "SELECT ?e ?s WHERE { ?e kz:participatingState ?s }")}
    assert inferred | asserted == by_path


def test_the_eu_competes_with_its_rivals_not_a_three_way_contest(store):
    """The rivals are one side (an open set); the source does not say that China and Russia compete."""
    rows = select(store, """SELECT ?c (COUNT(?x) AS ?n) WHERE { ?c a kz:Competition ; kz:competitor ?x } GROUP BY ?c""")
    assert rows and all(r["n"] == "2" for r in rows)
    assert not ask(store, "ASK { ?c a kz:Competition ; kz:competitor kzd:china , kzd:russia }")


def test_the_epca_dates_cite_the_eur_lex_record_with_its_fields(store):
    rows = select(store, """SELECT ?claim ?id ?field WHERE {
        ?claim a kz:AgreementMilestone ; kz:hasEvidence ?e .
        ?e oa:hasSource ?src ; kz:sourceField ?field . ?src dcterms:identifier ?id } ORDER BY ?field""")
    assert [(r["id"], r["field"]) for r in rows] == [
        ("CELEX 22016A0204(01)", "Date of entry into force"), ("CELEX 22016A0204(01)", "Date of signature")]
    assert not ask(store, "ASK { ?e oa:hasSource kzsrc:oj-l-29-2016 }")


def test_the_claims_table_shows_modality_holder_and_time(store):
    rows = select(store, _body("claims"))
    def one(word):
        found = [r for r in rows if word in (r["quote"] or "")]
        assert found, word
        return found
    kz = "https://w3id.org/kzlod/ontology#"
    assert {(r["modality"], r["holder"]) for r in one("support of Azerbaijan") if r["kind"] == "Support"} == {
        (kz + "modality-feared", "Armenia")}
    assert {(r["modality"], r["holder"], r["statedAt"]) for r in one("Lukashenko emphasized")} == {
        (kz + "modality-reported", "Aleksandr Lukashenko",
         "Meeting of Murat Nurtleu and Aleksandr Lukashenko, June 2023")}
    assert ("once", "before the source's time") in {(r["qualifiers"], r["time"]) for r in one("once a vital partner")}
    assert ("former", "before the source's time") in {(r["qualifiers"], r["time"]) for r in one("former ruler")}
    assert {r["time"] for r in one("Historically linked")} == {"since before the source's time"}
    assert len({r["claim"] for r in rows}) == len(select(store, """SELECT DISTINCT ?c WHERE {
        { ?c a/rdfs:subClassOf* kz:Claim } UNION { ?c a/rdfs:subClassOf* kz:Event } ?c kz:hasEvidence ?e }"""))


def test_the_claims_table_gives_every_value_of_a_claim(store):
    """One row per claim, value and evidence: no value hidden behind an aggregate."""
    rows = select(store, _body("claims"))

    def values(claim, prop):
        return {r["valueLabel"] for r in rows if r["claim"].endswith("/" + claim) and r["property"].endswith(prop)}

    # "This led to initial tensions and mistrust."
    assert values("tone-armenia-kazakhstan-mistrustful", "#tone") == {"mistrustful", "tense"}
    # "their interactions have generally been friendly and cooperative"
    assert values("tone-armenia-kazakhstan-friendly", "#tone") == {"friendly", "cooperative"}
    # "tractors, combine harvesters, trucks and agricultural machinery"
    assert values("product-assembly-belarus-kazakhstan", "#product") == {
        "tractors", "combine harvesters", "trucks", "agricultural machinery"}
    # "Their strategic partnership spans energy, transportation, and defense"
    assert values("cooperation-kazakhstan-russia-strategic-partnership", "#sector") == {
        "energy", "transport", "defence"}
    mistrust = [r for r in rows if r["claim"].endswith("/tone-armenia-kazakhstan-mistrustful")]
    assert len(mistrust) == len({(r["property"], r["valueLabel"], r["quote"]) for r in mistrust})


def test_the_claims_table_lists_events_with_the_states_the_text_names(store):
    rows = select(store, _body("claims"))
    kz = "https://w3id.org/kzlod/ontology#"
    events = {r["claim"].rsplit("/", 1)[-1]: r for r in rows if r["kind"] in (
        "Armed Conflict", "Dispute", "Meeting", "Military Deployment", "Public Event")}
    assert set(events) == {"nagorno-karabakh-fighting", "ukraine-conflict", "dispute-kazakhstan-kyrgyzstan-2017",
                           "deployment-kazakhstan-border-2017", "meeting-nurtleu-lukashenko-2023-06",
                           "public-event-st-petersburg"}
    assert {r["modality"] for r in events.values()} == {kz + "modality-asserted"}

    def states(event):
        return {r["valueLabel"] for r in rows if r["claim"].endswith("/" + event)
                and r["property"] == kz + "participatingState"}

    # sentences 9 and 20 name no party; sentence 29 names Kazakhstan stationing troops
    assert states("nagorno-karabakh-fighting") == set() and states("ukraine-conflict") == set()
    assert states("deployment-kazakhstan-border-2017") == {"Kazakhstan"}
    assert {r["valueLabel"] for r in rows if r["claim"].endswith("/ukraine-conflict")
            and r["property"] == kz + "leftOpen"} == {"participating state"}


def test_the_claims_table_filters_by_modality():
    import kzlod

    root = ROOT
    feared = kzlod.query("claims", params={"modality": "kz:modality-feared"}, project=root).records()
    assert {(r["claim"].rsplit("/", 1)[-1], r["holder"]) for r in feared} == {
        ("support-kazakhstan-azerbaijan", "Armenia")}
    hedged = kzlod.query("claims", params={"modality": "kz:modality-hedged"}, project=root).records()
    assert sorted({r["claim"].rsplit("/", 1)[-1] for r in hedged}) == [
        "characterisation-kazakhstan-russia-limit-geography", "characterisation-kazakhstan-russia-limit-influence",
        "characterisation-kazakhstan-russia-limit-politics"]
