"""A realistic synthetic kzlod graph of any size, for benchmarks and scale tests.

States, organisations, people, offices, agreements, regions and cities; and
source documents whose generated text is split into sections and sentences
(with code-point offsets and the text's SHA-256, as ``kzlod.curation.sources`` writes
them), each sentence supporting one or two claims or an event — memberships,
bilateral relations and their tone, cooperation, trade figures, agreement
milestones, office holdings, support, competition, meetings — with evidence
quoting the sentence verbatim at the right offsets. Claims also mention the
bundled graph's Kazakhstan, EU and Russia, so the named queries have work to
do. Together with the bundled ontology the graph conforms to the shapes.

Seeded and deterministic: the same size and seed give the same bytes.

    python benchmarks/generate.py 100k -o /tmp/kzlod-100k.nt
    python benchmarks/generate.py 1M -o /tmp/kzlod-1m.ttl --seed 7
    python benchmarks/generate.py 10k -o base.nt --delta delta.ttl --delta-size 100

``--delta`` also writes a small file of new, valid claims about the generated
graph (citing its sentences), for validating a delta against a large store.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

KZ = "https://w3id.org/kzlod/ontology#"
KZD = "https://w3id.org/kzlod/id/"
KZSRC = "https://w3id.org/kzlod/id/source/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
OA = "http://www.w3.org/ns/oa#"
TIME = "http://www.w3.org/2006/time#"
DCT = "http://purl.org/dc/terms/"
WD = "http://www.wikidata.org/entity/"

PREFIXES = {"kz": KZ, "kzd": KZD, "kzsrc": KZSRC, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "skos": SKOS,
            "org": ORG, "oa": OA, "time": TIME, "dcterms": DCT, "wd": WD}

ROOT = Path(__file__).resolve().parent.parent


def N(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


TYPE = N(RDF + "type")
LABEL = N(RDFS + "label")


def en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def lit(value, datatype: str | None = None) -> ox.Literal:
    if datatype is None:
        return ox.Literal(str(value))
    return ox.Literal(str(value), datatype=N(XSD + datatype))


def parse_size(text: str) -> int:
    """``10k`` → 10000, ``1M`` → 1000000, ``2500`` → 2500."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not m:
        raise ValueError(f"not a size: {text!r} (e.g. 10k, 100k, 1M)")
    return int(float(m.group(1)) * {"": 1, "k": 1000, "m": 1_000_000}[m.group(2).lower()])


def concepts(root: Path = ROOT) -> dict[str, list[str]]:
    """The ontology's concepts by scheme name (ToneScheme → [kz:tone-…])."""
    store = ox.Store()
    store.load(path=str(root / "ontology" / "kzlod.ttl"), format=ox.RdfFormat.TURTLE)
    out: dict[str, list[str]] = {}
    for row in store.query(f"SELECT ?c ?s WHERE {{ ?c <{SKOS}inScheme> ?s }} ORDER BY ?c"):
        out.setdefault(row["s"].value.rsplit("#", 1)[1], []).append(row["c"].value)
    negative = {row["c"].value for row in store.query(
        f"SELECT ?c WHERE {{ ?c <{SKOS}broader>+ <{KZ}tone-negative> }}")}
    out["NegativeTones"] = sorted(negative)
    return out


SYLLABLES = ["ka", "ra", "to", "mi", "sa", "len", "dor", "vi", "na", "bek", "stan", "lu", "ar", "mo", "zé",
             "ri", "ta", "ko", "ven", "gal", "ö", "ma", "shi", "ul", "te", "bor", "ni", "ā", "ya", "el"]


class Names:
    """Unique, pronounceable, deterministic names."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self, parts=(2, 3)) -> str:
        while True:
            n = self.rng.randint(*parts)
            name = "".join(self.rng.choice(SYLLABLES) for _ in range(n)).capitalize()
            if name not in self.used:
                self.used.add(name)
                return name


@dataclass
class Entity:
    iri: str
    label: str
    kind: str
    abbr: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Sentence:
    iri: str
    doc: str
    start: int
    end: int
    text: str


class Generator:
    """Emits triples for a graph of about ``target`` triples."""

    BUNDLED = {  # entities of the bundled graph the generated claims also mention
        "state": [(KZD + "kazakhstan", "Kazakhstan"), (KZD + "russia", "Russia")],
        "org": [(KZD + "european-union", "the European Union", "EU")],
    }

    def __init__(self, target: int, seed: int = 1, root: Path = ROOT, faults: bool = False):
        self.target = target
        self.faults = faults  # inject known violations (see FAULTS) for validation tests
        self.rng = random.Random(seed)
        self.names = Names(self.rng)
        self.schemes = concepts(root)
        self.count = 0
        self.bnodes = 0
        self.sentences: list[Sentence] = []
        self.relations: dict[tuple[str, str], str] = {}
        self.entities: dict[str, list[Entity]] = {}
        self.docs = 0

    # -- plumbing --------------------------------------------------------------------------------

    def bnode(self, prefix: str) -> ox.BlankNode:
        self.bnodes += 1
        return ox.BlankNode(f"{prefix}{self.bnodes}")

    def t(self, s, p: str, o) -> ox.Triple:
        self.count += 1
        return ox.Triple(N(s) if isinstance(s, str) else s, N(p), N(o) if isinstance(o, str) else o)

    def pick(self, kind: str) -> Entity:
        return self.rng.choice(self.entities[kind])

    # -- entities --------------------------------------------------------------------------------

    def make_entities(self):
        n = self.target
        sizes = {
            "state": min(600, max(12, n // 2500)),
            "org": min(200, max(4, n // 10000)),
            "person": min(3000, max(10, n // 1000)),
            "agreement": min(500, max(4, n // 5000)),
            "region": min(200, max(4, n // 10000)),
            "city": min(500, max(4, n // 5000)),
        }
        codes2 = [a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
        self.rng.shuffle(codes2)
        wikidata = iter(self.rng.sample(range(10_000_000, 99_999_999), sum(sizes.values()) * 2))
        for kind, count in sizes.items():
            for i in range(count):
                name = self.names()
                slug = f"gen-{kind}-{i + 1}"
                e = Entity(KZD + slug, name, kind)
                if kind == "state":
                    e.extra["a2"] = codes2[i]
                    e.extra["a3"] = codes2[i] + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i % 26]
                elif kind == "org":
                    e.label = f"{name} Cooperation Council"
                    e.abbr = (name[:2] + "CC").upper()
                elif kind == "person":
                    e.label = f"{self.names()} {name}"
                elif kind == "agreement":
                    e.label = f"Treaty of {name}"
                    e.abbr = "T" + name[:3].upper()
                elif kind == "region":
                    e.label = f"{name} Basin"
                e.extra["wd"] = next(wikidata)
                self.entities.setdefault(kind, []).append(e)
        # One office per state: its foreign minister.
        for i, state in enumerate(self.entities["state"]):
            self.entities.setdefault("office", []).append(
                Entity(KZD + f"gen-office-{i + 1}", f"Foreign Minister of {state.label}", "office",
                       extra={"postIn": state.iri}))
        for iri, label in self.BUNDLED["state"]:
            self.entities["state"].append(Entity(iri, label, "state", extra={"bundled": True}))
        for iri, label, abbr in self.BUNDLED["org"]:
            self.entities["org"].append(Entity(iri, label, "org", abbr=abbr, extra={"bundled": True}))

    def entity_triples(self):
        cls = {"state": "State", "org": "InternationalOrganisation", "person": "Person", "agreement": "Agreement",
               "region": "Region", "city": "City", "office": "Office"}
        for kind, items in self.entities.items():
            for e in items:
                if e.extra.get("bundled"):
                    continue
                yield self.t(e.iri, RDF + "type", KZ + cls[kind])
                yield self.t(e.iri, RDFS + "label", en(e.label))
                if e.abbr:
                    yield self.t(e.iri, SKOS + "altLabel", en(e.abbr))
                if "wd" in e.extra:
                    yield self.t(e.iri, SKOS + "exactMatch", WD + f"Q{e.extra['wd']}")
                if kind == "state" and not (self.faults and e.iri == KZD + "gen-state-1"):
                    yield self.t(e.iri, KZ + "iso3166Alpha2", lit(e.extra["a2"]))
                    yield self.t(e.iri, KZ + "iso3166Alpha3", lit(e.extra["a3"]))
                if kind == "office":
                    yield self.t(e.iri, ORG + "postIn", e.extra["postIn"])

    # -- statements: a sentence and the claims it supports --------------------------------------------

    def statement(self, claim_id: str):
        """(sentence text, quote, [(claim builder, …)]) for one sentence."""
        r = self.rng
        year = r.randint(1992, 2024)
        kind = r.choices(
            ["membership", "relation", "cooperation", "trade", "milestone", "office", "meeting", "support",
             "competition"], weights=[3, 3, 2, 2, 2, 1, 2, 1, 1])[0]
        if kind == "membership":
            a, o = self.pick("state"), self.pick("org")
            quote = f"{a.label} is a member of {o.label}"
            text = f"Since {year}, {quote} ({o.abbr})."
            return text, quote, [lambda ev: self.membership(claim_id, a, o, ev)]
        if kind in ("relation", "cooperation"):
            a, b = self.two("state")
            rel_known = (a.iri, b.iri) in self.relations
            if kind == "relation" or not rel_known:
                tone = r.choice(self.schemes["ToneScheme"])
                word = tone.rsplit("-", 1)[1]
                quote = f"relations between {a.label} and {b.label} have been {word}"
                text = f"In {year}, {quote} for a range of reasons."
                return text, quote, [lambda ev: self.relation(a, b, ev),
                                     lambda ev: self.tone(claim_id, a, b, tone, year, ev)]
            sector = r.choice(self.schemes["SectorScheme"])
            quote = f"{a.label} and {b.label} cooperate on {sector.rsplit('-', 1)[1]}"
            text = f"Today {quote}, as both governments confirmed."
            return text, quote, [lambda ev: self.cooperation(claim_id, a, b, sector, ev)]
        if kind == "trade":
            a, b = self.two("state")
            share = f"{r.randint(1, 60)}.{r.randint(0, 9)}"
            rank = r.randint(1, 10)
            quote = f"{b.label} accounts for about {share}% of {a.label}'s total trade"
            text = f"In {year} {quote}, ranking {rank} among its partners."
            return text, quote, [lambda ev: self.trade(claim_id, a, b, share, rank, ev)]
        if kind == "milestone":
            ag = self.pick("agreement")
            a, b = self.two("state")
            if r.random() < 0.3:
                a, b = self.entities["state"][-2], self.entities["org"][-1]  # Kazakhstan and the EU
            milestone = r.choice(self.schemes["MilestoneScheme"])
            verb = "was signed" if milestone.endswith("signed") else "entered into force"
            quote = f"the {ag.label} {verb} in {year}"
            text = f"According to {a.label} and {b.label}, {quote}."
            return text, quote, [lambda ev: self.milestone(claim_id, ag, milestone, year, (a, b), ev)]
        if kind == "office":
            p, off = self.pick("person"), self.pick("office")
            quote = f"{p.label} became {off.label} in {year}"
            text = f"{quote}, after a long career."
            text = text[0].upper() + text[1:]
            quote = text[:len(quote)]
            return text, quote, [lambda ev: self.office_holding(claim_id, p, off, year, ev)]
        if kind == "meeting":
            p1, p2 = self.two("person")
            city = self.pick("city")
            state = self.entities["state"][-2] if r.random() < 0.3 else self.pick("state")
            month = f"{year}-{r.randint(1, 12):02d}"
            quote = f"{p1.label} met {p2.label} and officials of {state.label} in {city.label}"
            text = f"In {month[:4]}, {quote}."
            return text, quote, [lambda ev: self.meeting(claim_id, (p1, p2, state), city, month, ev)]
        if kind == "support":
            a, b = self.two("state")
            k = r.choice(self.schemes["SupportKindScheme"])
            quote = f"{a.label} gave {k.rsplit('-', 1)[1]} support to {b.label}"
            text = f"During {year}, {quote}."
            return text, quote, [lambda ev: self.support(claim_id, a, b, k, ev)]
        a = self.pick("state")
        eu = self.entities["org"][-1]
        region = self.pick("region")
        quote = f"{eu.label} competes with {a.label} for influence in the {region.label}"
        text = f"Observers note that {quote}."
        return text, quote, [lambda ev: self.competition(claim_id, eu, a, region, ev)]

    def two(self, kind: str) -> tuple[Entity, Entity]:
        a, b = self.rng.sample(self.entities[kind], 2)
        return a, b

    def evidence(self, claim: str, sentence: Sentence, quote_at: int, quote: str):
        ev, qs, ps = self.bnode("ev"), self.bnode("qs"), self.bnode("ps")
        start = sentence.start + quote_at
        yield self.t(claim, KZ + "hasEvidence", ev)
        yield self.t(ev, RDF + "type", KZ + "Evidence")
        yield self.t(ev, OA + "hasSource", sentence.doc)
        yield self.t(ev, KZ + "sentence", sentence.iri)
        yield self.t(ev, OA + "hasSelector", qs)
        yield self.t(ev, OA + "hasSelector", ps)
        yield self.t(qs, RDF + "type", OA + "TextQuoteSelector")
        yield self.t(qs, OA + "exact", lit(quote))
        yield self.t(ps, RDF + "type", OA + "TextPositionSelector")
        yield self.t(ps, OA + "start", lit(start, "integer"))
        yield self.t(ps, OA + "end", lit(start + len(quote), "integer"))

    def instant(self, claim: str, value: str, datatype: str):
        t = self.bnode("t")
        prop = {"gYear": "inXSDgYear", "gYearMonth": "inXSDgYearMonth", "date": "inXSDDate"}[datatype]
        yield self.t(claim, TIME + "hasTime", t)
        yield self.t(t, RDF + "type", TIME + "Instant")
        yield self.t(t, TIME + prop, lit(value, datatype))

    def membership(self, cid, a, o, ev):
        c = KZD + f"gen-membership-{cid}"
        yield self.t(c, RDF + "type", KZ + "Membership")
        yield self.t(c, KZ + "modality", KZ + "modality-asserted")
        yield self.t(c, ORG + "member", a.iri)
        yield self.t(c, ORG + "organization", o.iri)
        yield from ev(c)

    def relation(self, a, b, ev):
        key = (a.iri, b.iri)
        if key in self.relations:
            return
        c = KZD + f"gen-relation-{len(self.relations) + 1}"
        self.relations[key] = self.relations[(b.iri, a.iri)] = c
        yield self.t(c, RDF + "type", KZ + "BilateralRelation")
        yield self.t(c, KZ + "modality", KZ + "modality-asserted")
        yield self.t(c, KZ + "party", a.iri)
        yield self.t(c, KZ + "party", b.iri)
        yield self.t(c, KZ + "relationType", self.rng.choice(self.schemes["RelationTypeScheme"]))
        yield from ev(c)

    def tone(self, cid, a, b, tone, year, ev):
        c = KZD + f"gen-tone-{cid}"
        yield self.t(c, RDF + "type", KZ + "ToneAssessment")
        yield self.t(c, KZ + "modality", KZ + "modality-asserted")
        yield self.t(c, KZ + "relation", self.relations[(a.iri, b.iri)])
        yield self.t(c, KZ + "tone", tone)
        yield self.t(c, KZ + "reason", en("A range of reasons."))
        yield from self.instant(c, str(year), "gYear")
        yield from ev(c)

    def cooperation(self, cid, a, b, sector, ev):
        c = KZD + f"gen-cooperation-{cid}"
        yield self.t(c, RDF + "type", KZ + "Cooperation")
        yield self.t(c, KZ + "modality", KZ + "modality-asserted")
        yield self.t(c, KZ + "relation", self.relations[(a.iri, b.iri)])
        yield self.t(c, KZ + "sector", sector)
        yield from ev(c)

    def trade(self, cid, a, b, share, rank, ev):
        c = KZD + f"gen-trade-{cid}"
        yield self.t(c, RDF + "type", KZ + "TradeFigure")
        yield self.t(c, KZ + "modality", KZ + "modality-asserted")
        yield self.t(c, KZ + "reporter", a.iri)
        yield self.t(c, KZ + "partner", b.iri)
        yield self.t(c, KZ + "shareOfTotalTrade", lit(share, "decimal"))
        yield self.t(c, KZ + "approximate", lit("true", "boolean"))
        yield self.t(c, KZ + "rank", lit(rank, "integer"))
        yield from ev(c)

    def milestone(self, cid, ag, milestone, year, signatories, ev):
        c = KZD + f"gen-milestone-{cid}"
        yield self.t(c, RDF + "type", KZ + "AgreementMilestone")
        yield self.t(c, KZ + "modality", KZ + "modality-asserted")
        yield self.t(c, KZ + "agreement", ag.iri)
        yield self.t(c, KZ + "milestone", milestone)
        for s in signatories:
            yield self.t(c, KZ + "signatory", s.iri)
        yield from self.instant(c, str(year), "gYear")
        yield from ev(c)

    def office_holding(self, cid, p, off, year, ev):
        c = KZD + f"gen-holding-{cid}"
        yield self.t(c, RDF + "type", KZ + "OfficeHolding")
        yield self.t(c, KZ + "modality", KZ + "modality-asserted")
        yield self.t(c, KZ + "holder", p.iri)
        yield self.t(c, KZ + "office", off.iri)
        yield from self.instant(c, str(year), "gYear")
        yield from ev(c)

    def meeting(self, cid, participants, city, month, ev):
        c = KZD + f"gen-meeting-{cid}"
        yield self.t(c, RDF + "type", KZ + "Meeting")
        yield self.t(c, RDFS + "label", en(f"Meeting of {participants[0].label} and {participants[1].label}"))
        for p in participants:
            yield self.t(c, KZ + "participant", p.iri)
        yield self.t(c, KZ + "place", city.iri)
        yield from self.instant(c, month, "gYearMonth")
        yield from ev(c)

    def support(self, cid, a, b, kind, ev):
        c = KZD + f"gen-support-{cid}"
        yield self.t(c, RDF + "type", KZ + "Support")
        yield self.t(c, KZ + "modality", KZ + "modality-asserted")
        yield self.t(c, KZ + "provider", a.iri)
        yield self.t(c, KZ + "recipient", b.iri)
        yield self.t(c, KZ + "supportKind", kind)
        yield from ev(c)

    def competition(self, cid, eu, a, region, ev):
        c = KZD + f"gen-competition-{cid}"
        yield self.t(c, RDF + "type", KZ + "Competition")
        yield self.t(c, KZ + "modality", KZ + "modality-asserted")
        yield self.t(c, KZ + "competitor", eu.iri)
        yield self.t(c, KZ + "competitor", a.iri)
        yield self.t(c, KZ + "advantagedCompetitor", a.iri)
        yield self.t(c, KZ + "advantage", self.rng.choice(self.schemes["AdvantageScheme"]))
        yield self.t(c, KZ + "region", region.iri)
        yield from ev(c)

    # -- documents -------------------------------------------------------------------------------

    def document(self):
        """One source document: its text, sections, sentences and the claims each sentence supports."""
        self.docs += 1
        slug = f"gen-{self.docs}"
        doc = KZSRC + slug
        r = self.rng
        title = f"Report {self.docs}: {self.names()} and its neighbours"
        author = f"{self.names()} {self.names()}"
        parts = [title, "\n", f"by {author}", "\n"]
        pos = len(title) + 1 + len(f"by {author}") + 1
        sections, sentences, builders = [], [], []
        for _s in range(r.randint(2, 5)):
            heading = f"Relationship with {self.pick('state').label}:"
            sec_start = pos
            parts += ["\n", heading, "\n"]
            sec_start = pos + 1
            pos += 1 + len(heading) + 1
            body = []
            for _ in range(r.randint(4, 10)):
                cid = f"{self.docs}-{len(sentences) + 1}"
                text, quote, claims = self.statement(cid)
                if body:
                    body.append(" ")
                    pos += 1
                at = text.index(quote)
                sent = Sentence(f"{doc}/sentence/{len(sentences) + 1}", doc, pos, pos + len(text), text)
                sentences.append((sent, len(sections) + 1))
                builders.append((sent, at, quote, claims))
                body.append(text)
                pos += len(text)
            parts += body + ["\n"]
            sections.append((heading[:-1], sec_start, pos))
            pos += 1
        text = "".join(parts)
        for sent, _ in sentences:
            assert text[sent.start:sent.end] == sent.text
        yield self.t(doc, RDF + "type", KZ + "SourceDocument")
        yield self.t(doc, DCT + "title", en(title))
        yield self.t(doc, DCT + "creator", lit(author))
        yield self.t(doc, KZ + "sourceFile", lit(f"sources/{slug}.txt"))
        yield self.t(doc, KZ + "sha256", lit(hashlib.sha256(text.encode("utf-8")).hexdigest()))
        yield self.t(doc, KZ + "text", lit(text))
        for i, (name, start, end) in enumerate(sections, 1):
            sec = f"{doc}/section/{i}"
            yield self.t(sec, RDF + "type", KZ + "Section")
            yield self.t(sec, DCT + "isPartOf", doc)
            yield self.t(sec, DCT + "title", en(name))
            yield self.t(sec, KZ + "index", lit(i, "integer"))
            yield self.t(sec, KZ + "start", lit(start, "integer"))
            yield self.t(sec, KZ + "end", lit(end, "integer"))
        for i, (sent, section) in enumerate(sentences, 1):
            value = sent.text
            if self.faults and self.docs == 2 and i == 3:
                value = sent.text.replace(" ", "  ", 1)  # not the document's text at these offsets
            yield self.t(sent.iri, RDF + "type", KZ + "Sentence")
            yield self.t(sent.iri, DCT + "isPartOf", doc)
            yield self.t(sent.iri, KZ + "inSection", f"{doc}/section/{section}")
            yield self.t(sent.iri, KZ + "index", lit(i, "integer"))
            yield self.t(sent.iri, KZ + "start", lit(sent.start, "integer"))
            yield self.t(sent.iri, KZ + "end", lit(sent.end, "integer"))
            yield self.t(sent.iri, RDF + "value", lit(value))
            self.sentences.append(sent)
        for sent, at, quote, claims in builders:
            for build in claims:
                yield from build(lambda c, sent=sent, at=at, quote=quote: self.evidence(c, sent, at, quote))

    def triples(self):
        """Every triple of the graph, in a deterministic order."""
        self.make_entities()
        yield from self.entity_triples()
        while self.count < self.target:
            yield from self.document()

    # -- a delta of new claims ------------------------------------------------------------------

    def delta(self, size: int = 100, seed: int = 2):
        """New valid claims about the generated graph: memberships quoting existing sentences."""
        r = random.Random(seed)
        out, n = [], 0
        candidates = [s for s in self.sentences if " is a member of " in s.text]
        while len(out) < size and candidates:
            sent = r.choice(candidates)
            m = re.search(r"Since \d+, (.*) is a member of (.*) \(", sent.text)
            state = next(e for e in self.entities["state"] if e.label == m.group(1))
            org = next(e for e in self.entities["org"] if e.label == m.group(2))
            n += 1
            quote = f"{m.group(1)} is a member of {m.group(2)}"
            c = KZD + f"delta-membership-{n}"
            before = self.count
            out.append(self.t(c, RDF + "type", KZ + "Membership"))
            out.append(self.t(c, KZ + "modality", KZ + "modality-asserted"))
            out.append(self.t(c, ORG + "member", state.iri))
            out.append(self.t(c, ORG + "organization", org.iri))
            out.extend(self.evidence(c, sent, sent.text.index(quote), quote))
            self.count = before
        return out


    def faulty_delta(self, seed: int = 3):
        """New assertions with one fault of each kind the shapes catch, as Turtle text.

        Also touches the faults injected into the base graph (``faults=True``): a
        state without its ISO code and a document whose sentence 3 is altered.
        """
        r = random.Random(seed)
        docs = list(dict.fromkeys(s.doc for s in self.sentences))
        by_doc: dict = {}
        for s in self.sentences:
            by_doc.setdefault(s.doc, []).append(s)
        d1, d2 = by_doc[docs[0]], by_doc[docs[min(1, len(docs) - 1)]]
        s1, s2, s3 = d1[0], d1[1], d2[0]
        state1, state2 = self.entities["state"][0], self.entities["state"][1]
        org = self.entities["org"][0]
        tone_wrong = self.schemes["SectorScheme"][0]
        rel = next(iter(self.relations.values()))

        def ev(sent, exact=None, start=None, end=None, source=None, sentence=None, selectors=True):
            exact = sent.text[:20] if exact is None else exact
            start = sent.start if start is None else start
            end = start + len(exact) if end is None else end
            sel = (f' ; oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{exact}" ] , '
                   f'[ a oa:TextPositionSelector ; oa:start {start} ; oa:end {end} ]') if selectors else ""
            return (f'kz:hasEvidence [ a kz:Evidence ; oa:hasSource <{source or sent.doc}> ; '
                    f'kz:sentence <{sentence or sent.iri}>{sel} ]')

        n = r.randint(1000, 9999)
        lines = [f"@prefix {k}: <{v}> ." for k, v in sorted(PREFIXES.items())] + [""]
        lines += [
            # valid, and touching the base's state without an ISO code
            f"kzd:fault-{n}-ok a kz:Membership ; kz:modality kz:modality-asserted ; "
            f"org:member <{state1.iri}> ; org:organization <{org.iri}> ; {ev(s1)} .",
            # the quote is not in the text
            f"kzd:fault-{n}-quote a kz:Membership ; kz:modality kz:modality-asserted ; "
            f"org:member <{state2.iri}> ; org:organization <{org.iri}> ; "
            f"{ev(s1, exact=s1.text[:15] + ' (not verbatim)')} .",
            # offsets point elsewhere
            f"kzd:fault-{n}-offsets a kz:Membership ; kz:modality kz:modality-asserted ; "
            f"org:member <{state2.iri}> ; org:organization <{org.iri}> ; "
            f"{ev(s2, start=s2.start + 1, end=s2.start + 21, exact=s2.text[:20])} .",
            # the sentence belongs to another document
            f"kzd:fault-{n}-sentence a kz:Membership ; kz:modality kz:modality-asserted ; "
            f"org:member <{state2.iri}> ; org:organization <{org.iri}> ; "
            f"{ev(s1, sentence=s3.iri)} .",
            # a state where an organisation belongs
            f"kzd:fault-{n}-class a kz:Membership ; kz:modality kz:modality-asserted ; "
            f"org:member <{state2.iri}> ; org:organization <{state1.iri}> ; {ev(s2)} .",
            # one party only
            f"kzd:fault-{n}-party a kz:BilateralRelation ; kz:modality kz:modality-asserted ; "
            f"kz:party <{state2.iri}> ; {ev(s2)} .",
            # a sector as a tone
            f"kzd:fault-{n}-tone a kz:ToneAssessment ; kz:modality kz:modality-asserted ; "
            f"kz:relation <{rel}> ; kz:tone <{tone_wrong}> ; {ev(s2)} .",
            # evidence without selectors from a source with text
            f"kzd:fault-{n}-selectors a kz:Membership ; kz:modality kz:modality-asserted ; "
            f"org:member <{state2.iri}> ; org:organization <{org.iri}> ; "
            f"{ev(s2, selectors=False)} .",
            # a year where a date belongs
            f"kzd:fault-{n}-time a kz:OfficeHolding ; kz:modality kz:modality-asserted ; "
            f"kz:holder <{self.entities['person'][0].iri}> ; "
            f"kz:office <{self.entities['office'][0].iri}> ; "
            f'time:hasTime [ a time:Instant ; time:inXSDDate "2017"^^xsd:gYear ] ; {ev(s2)} .',
            # conflicts with something that is no claim
            f"kzd:fault-{n}-conflict a kz:Membership ; kz:modality kz:modality-asserted ; "
            f"org:member <{state2.iri}> ; org:organization <{org.iri}> ; "
            f"kz:conflictsWith <{state2.iri}> ; {ev(s2)} .",
            # a meeting of one, without a label
            f"kzd:fault-{n}-meeting a kz:Meeting ; kz:participant <{state2.iri}> ; {ev(s3)} .",
            # cites the base's document with an altered sentence
            f"kzd:fault-{n}-doc2 a kz:Membership ; kz:modality kz:modality-asserted ; "
            f"org:member <{state2.iri}> ; org:organization <{org.iri}> ; "
            f"{ev(by_doc[docs[min(1, len(docs) - 1)]][2])} .",
        ]
        return "\n".join(lines) + "\n"


def write(triples, path: Path, fmt: str | None = None) -> None:
    fmt = fmt or ("ttl" if path.suffix in (".ttl", ".turtle") else "nt")
    format_ = ox.RdfFormat.TURTLE if fmt == "ttl" else ox.RdfFormat.N_TRIPLES
    with open(path, "wb") as fh:
        ox.serialize(triples, fh, format=format_, prefixes=PREFIXES if fmt == "ttl" else None)


def generate(size: int, path: Path, *, seed: int = 1, fmt: str | None = None, faults: bool = False) -> Generator:
    """Write a graph of about ``size`` triples to ``path``; return the generator (for deltas)."""
    gen = Generator(size, seed=seed, faults=faults)
    write(gen.triples(), Path(path), fmt)
    return gen


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("size", help="about how many triples: 10k, 100k, 1M …")
    ap.add_argument("-o", "--out", type=Path, required=True, help="output file (.nt or .ttl)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--delta", type=Path, help="also write new valid claims about the graph here (.ttl/.nt)")
    ap.add_argument("--delta-size", type=int, default=100, help="triples in the delta (about)")
    args = ap.parse_args(argv)
    gen = generate(parse_size(args.size), args.out, seed=args.seed)
    print(f"{args.out}: {gen.count} triples, {gen.docs} source documents, {len(gen.sentences)} sentences",
          file=sys.stderr)
    if args.delta:
        delta = gen.delta(args.delta_size)
        write(delta, args.delta)
        print(f"{args.delta}: {len(delta)} triples", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
