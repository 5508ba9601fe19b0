"""The OWL RL closure of the triples a pyoxigraph store holds, written into its inferred graph.

reasonable reads only the triples its rules can use (:func:`relevant_predicates`), less those
that only type what is typed already (:func:`typing_only`), dumped as N-Triples; owlrl, for small
graphs, gets an rdflib copy. What either adds goes into the
graph ``urn:kzlod:inferred`` of the same store, so blank nodes stay the store's own.
reasonable does not apply property chains: kzlod adds their triples and hands them to the same
engine, which derives what follows from them without reasoning over the whole graph again.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod.reasoning.engines import (
    chain_completions,
    compute_owlrl,
    left_out_nt,
    property_chains,
    release_memory,
    run_reasonable,
)
from kzlod.store.backends import INFERRED_GRAPH
from kzlod.store.rdfconv import graph_of, to_rdflib
from kzlod.vocab import OWL, RDF, RDFS


@dataclass
class StoreClosure:
    """What :func:`kzlod.reasoning.disk.reason_store` or :func:`kzlod.reasoning.closure.closure_in_store`
    did: the closure lives in the store, not in memory."""

    store: Path
    inferred: int = 0
    asserted: int = 0
    clashes: list[str] = field(default_factory=list)
    dropped: int = 0
    trivial: int = 0
    cached: bool = False
    engine: str = ""
    seconds: float = 0.0
    prefiltered: bool = False

    @property
    def consistent(self) -> bool:
        return not self.clashes

    def as_dict(self) -> dict:
        return {"store": str(self.store), "engine": self.engine, "asserted": self.asserted,
                "inferred": self.inferred, "dropped": self.dropped, "trivial": self.trivial, "cached": self.cached,
                "clashes": self.clashes, "seconds": round(self.seconds, 3)}



#: The OWL/RDFS vocabulary of OWL 2 RL axioms (what rules read), and what may make two names one.
SCHEMA_PREDICATES = [RDFS + p for p in ("subClassOf", "subPropertyOf", "domain", "range")] + [
    OWL + p for p in ("equivalentClass", "equivalentProperty", "inverseOf", "disjointWith", "propertyDisjointWith",
                      "complementOf", "unionOf", "intersectionOf", "oneOf", "someValuesFrom", "allValuesFrom",
                      "hasValue", "onProperty", "onClass", "maxCardinality", "maxQualifiedCardinality",
                      "propertyChainAxiom", "hasKey", "members", "distinctMembers", "disjointUnionOf",
                      "sourceIndividual", "assertionProperty", "targetIndividual", "targetValue")
] + [RDF + "first", RDF + "rest"]
SAME_AS_MAKERS = [OWL + c for c in ("FunctionalProperty", "InverseFunctionalProperty")]
SAME_AS_AXIOMS = [OWL + p for p in ("sameAs", "hasKey", "maxCardinality", "maxQualifiedCardinality")]


def relevant_predicates(store) -> list[str] | None:
    """Predicates whose triples OWL 2 RL rules can read, or None when every triple may matter.

    A triple ``s p o`` takes part in a rule only if ``p`` is ``rdf:type``, part of
    the RDF/RDFS/OWL vocabulary, or named in an axiom (a domain, a range, a
    sub-property, a restriction's property …) — unless some ``owl:sameAs`` can
    hold between two names, which rewrites every triple (rules eq-rep-*).
    """
    makers = " ".join(f"<{c}>" for c in SAME_AS_MAKERS)
    axioms = " ".join(f"<{p}>" for p in SAME_AS_AXIOMS)
    q = f"ASK {{ VALUES ?c {{ {makers} }} ?x a ?c }}"
    q2 = f"ASK {{ VALUES ?p {{ {axioms} }} ?x ?p ?y }}"
    if store.query(q, use_default_graph_as_union=True) or store.query(q2, use_default_graph_as_union=True):
        return None
    named = set()
    predicates = " ".join(f"<{p}>" for p in SCHEMA_PREDICATES)
    schema = f"SELECT ?x ?y WHERE {{ VALUES ?p {{ {predicates} }} ?x ?p ?y }}"
    for r in store.query(schema, use_default_graph_as_union=True):
        for t in (r["x"], r["y"]):
            if isinstance(t, ox.NamedNode):
                named.add(t.value)
    characteristics = f"SELECT ?p WHERE {{ ?p a ?c FILTER(STRSTARTS(STR(?c), \"{OWL}\")) }}"
    for r in store.query(characteristics, use_default_graph_as_union=True):
        if isinstance(r["p"], ox.NamedNode):
            named.add(r["p"].value)
    used = [r["p"].value for r in store.query("SELECT DISTINCT ?p WHERE { ?s ?p ?o }", use_default_graph_as_union=True)]
    return sorted(p for p in used if p in named or p.startswith((RDF, RDFS, OWL)))


#: The types a property may have that no OWL 2 RL rule reads (a characteristic, e.g. transitive, is read).
PLAIN_PROPERTY_TYPES = {OWL + c for c in ("ObjectProperty", "DatatypeProperty", "AnnotationProperty",
                                          "DeprecatedProperty")} | {RDF + "Property"}


def typing_only(store, predicates: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """The predicates whose triples OWL 2 RL rules read only to type their subject and object
    (rules prp-dom and prp-rng), with their domains and ranges: ``{p: ([D, …], [R, …])}``.

    Such a predicate is named in the axioms only as the subject of ``rdfs:domain`` and ``rdfs:range``
    (classes named by IRI) or as the super-property of another; it has no characteristic (transitive,
    symmetric …), is not in a list (chains, keys), a restriction or another property axiom, and is not
    of the RDF, RDFS or OWL vocabulary. A triple ``s p o`` of it whose subject already has a type
    that is, or is under, each domain (and whose object, when not a literal, one under each range) adds
    nothing to the closure that the types and the class hierarchy do not add: :func:`_reasoner_input`
    leaves it out of what the reasoner reads. (reasonable writes no literal subjects, so a range on a
    literal adds nothing.)
    """
    roles: dict[str, set] = {}
    schema_predicates = " ".join(f"<{p}>" for p in SCHEMA_PREDICATES)
    schema = f"SELECT ?x ?p ?y WHERE {{ VALUES ?p {{ {schema_predicates} }} ?x ?p ?y }}"
    for r in store.query(schema, use_default_graph_as_union=True):
        for side, term in (("subject", r["x"]), ("object", r["y"])):
            if isinstance(term, ox.NamedNode):
                roles.setdefault(term.value, set()).add((side, r["p"].value))
    typed = f"SELECT ?p ?c WHERE {{ ?p a ?c FILTER(STRSTARTS(STR(?c), \"{OWL}\")) }}"
    for r in store.query(typed, use_default_graph_as_union=True):
        if isinstance(r["p"], ox.NamedNode) and r["c"].value not in PLAIN_PROPERTY_TYPES:
            roles.setdefault(r["p"].value, set()).add(("typed", r["c"].value))
    harmless = {("subject", RDFS + "domain"), ("subject", RDFS + "range"), ("object", RDFS + "subPropertyOf")}
    found = {}
    for p in predicates:
        if p.startswith((RDF, RDFS, OWL)) or not roles.get(p, set()) <= harmless:
            continue
        ends = {}
        for end in ("domain", "range"):
            ends[end] = [r["c"] for r in store.query(f"SELECT DISTINCT ?c WHERE {{ <{p}> <{RDFS}{end}> ?c }}",
                                                     use_default_graph_as_union=True)]
        if all(isinstance(c, ox.NamedNode) for c in ends["domain"] + ends["range"]):
            found[p] = ([c.value for c in ends["domain"]], [c.value for c in ends["range"]])
    return found


def _dump_triples(store, path: Path, predicates: list[str] | None) -> None:
    """Write the store's triples (all graphs, or only these predicates) as N-Triples, blank nodes by their ids."""
    with open(path, "wb") as fh:
        if predicates is None:
            store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                        use_default_graph_as_union=True).serialize(fh, format=ox.RdfFormat.N_TRIPLES)
            return
        for p in predicates:
            store.query(f"CONSTRUCT {{ ?s <{p}> ?o }} WHERE {{ ?s <{p}> ?o }}",
                        use_default_graph_as_union=True).serialize(fh, format=ox.RdfFormat.N_TRIPLES)


RDF_TYPE = f"{RDF}type"
#: Inferred quads written into the store at a time: bulk loading 440k at once took 300 MB beside the engine.
WRITE_CHUNK = 100_000


def _triples(dump: Path):
    """The triples of an N-Triples file pyoxigraph wrote, as text: (line without " .", subject, predicate,
    object). A line is ``s p o .``, its terms as pyoxigraph prints them (``str`` of a Triple is the line
    without " ."); an IRI or blank node holds no space, so the first two spaces end the subject and predicate."""
    with open(dump, encoding="utf-8") as fh:
        for line in fh:
            text = line[:-3]
            yield (text, *text.split(" ", 2))


def _classes_under(store, classes: set[str]) -> dict[str, list[str]]:
    """For every class that is one of these classes (N-Triples text) or under one by rdfs:subClassOf*,
    the ones it is under: what SPARQL's ``?x a/rdfs:subClassOf* C`` follows, read from the store once."""
    below: dict[str, list[str]] = {}
    for r in store.query(f"SELECT ?c ?d WHERE {{ ?c <{RDFS}subClassOf> ?d }}", use_default_graph_as_union=True):
        below.setdefault(str(r["d"]), []).append(str(r["c"]))
    above: dict[str, list[str]] = {}
    for c in classes:
        seen, todo = {c}, [c]
        while todo:
            for sub in below.get(todo.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        for sub in seen:
            above.setdefault(sub, []).append(c)
    return above


def _reasoner_input(store, types: Path, rest: Path, read: Path, typing: dict, digest) -> set[bytes]:
    """Write to ``read`` what the reasoner reads of the dump (its rdf:type triples in ``types``, the others
    in ``rest``): every triple but those of :func:`typing_only` predicates whose subject is typed under
    each domain and whose object is a literal or typed under each range (by the dump's rdf:type triples
    and the store's class hierarchy). Return the digests of every triple of the dump."""
    ends = {f"<{p}>": ([f"<{d}>" for d in domains], [f"<{r}>" for r in ranges])
            for p, (domains, ranges) in typing.items()}
    classes = {c for domains, ranges in ends.values() for c in domains + ranges}
    above = _classes_under(store, classes) if classes else {}
    members: dict[str, set[str]] = {c: set() for c in classes}  # instances of each, by their types
    held = set()
    with open(read, "w", encoding="utf-8") as fh:
        for text, s, _, o in _triples(types):
            held.add(digest(text))
            for c in above.get(o, ()):
                members[c].add(s)
            fh.write(text)
            fh.write(" .\n")
        for text, s, p, o in _triples(rest):
            held.add(digest(text))
            if p in ends:
                domains, ranges = ends[p]
                if all(s in members[d] for d in domains) and \
                        (o.startswith('"') or all(o in members[r] for r in ranges)):
                    continue  # its typing is there already
            fh.write(text)
            fh.write(" .\n")
    return held


def reason_with_reasonable(store, work: Path, result: StoreClosure) -> None:
    """The closure of the store's triples by reasonable, into its inferred graph; property chains
    completed (reasonable does not apply them) and the closure computed again until none is added."""
    predicates = relevant_predicates(store)
    result.prefiltered = predicates is not None
    types, dump = work / "types.nt", work / "asserted.nt"  # the rdf:type triples first: they type the others
    _dump_triples(store, types, [p for p in predicates if p == RDF_TYPE] if predicates is not None else [])
    _dump_triples(store, dump, [p for p in predicates if p != RDF_TYPE] if predicates is not None else None)
    # What the store holds, of what rules can write: every triple of the dump (of every predicate a
    # rule can write), by a keyed 128-bit digest of its N-Triples (56 bytes a triple, not 400 for a
    # Triple), so nothing the engine returns is looked up in the store one by one.
    key = os.urandom(16)
    blake2b = hashlib.blake2b

    def digest(text: str) -> bytes:
        return blake2b(text.encode(), digest_size=16, key=key).digest()

    typing = typing_only(store, predicates) if predicates is not None else {}
    # the reasoner reads less: not the triples that only type what is typed already
    read = work / "asserted.ttl"  # N-Triples, but reasonable picks its parser by the extension
    held = _reasoner_input(store, types, dump, read, typing, digest)
    dump.unlink()
    types.unlink()
    import reasonable

    engine = reasonable.PyReasoner() if property_chains(store) else None  # kept only if chains may add
    out = run_reasonable(lambda r: r.load_file(str(read)), engine, ntriples=True)
    read.unlink()
    counts = {"inferred": 0, "not-rdf": 0, "trivial": 0}
    fresh = work / "inferred.nq"
    graph = f" {INFERRED_GRAPH} .\n"

    def write_fresh() -> None:
        """What the engine's answer adds to the store, as N-Quads in the inferred graph, to ``fresh``.

        Its terms are N-Triples text (:func:`run_reasonable`), so a triple's digest is that of the
        text the dump's triples had; only what is new is ever made into pyoxigraph terms, by the parser.
        """
        counts["not-rdf"] = counts["trivial"] = 0  # of the engine's last answer, which holds every triple
        with open(fresh, "w", encoding="utf-8") as fh:
            while out:  # taken from the engine's list one by one, so its memory goes as the file grows
                s, p, o = out.pop()
                if type(s) is not str or type(p) is not str or type(o) is not str:
                    s, p, o = _ntriples(s), _ntriples(p), _ntriples(o)  # rdflib terms, from another version
                why = left_out_nt(s, p, o)
                if why:
                    counts[why] += 1
                    continue
                text = f"{s} {p} {o}"
                d = digest(text)
                if d in held:
                    continue
                held.add(d)
                counts["inferred"] += 1
                fh.write(text)
                fh.write(graph)

    while True:
        write_fresh()
        release_memory()  # the engine's answer, now in the file
        quads = ox.parse(path=str(fresh), format=ox.RdfFormat.N_QUADS)  # blank nodes keep their ids
        while chunk := list(itertools.islice(quads, WRITE_CHUNK)):  # the loader's buffers stay small
            store.bulk_extend(chunk)
        fresh.unlink()
        # reasonable does not apply property chains: add them, and hand them to the same engine, which
        # derives what follows from them without reasoning over everything again
        added = chain_completions(store) if engine is not None else []
        if not added:
            break
        store.extend(ox.Quad(t.subject, t.predicate, t.object, INFERRED_GRAPH) for t in added)
        held.update(digest(str(t)) for t in added)
        counts["inferred"] += len(added)
        triples = [tuple(to_rdflib(x) for x in (t.subject, t.predicate, t.object)) for t in added]
        out = run_reasonable(lambda r, triples=triples: r.from_graph(triples), engine,  # called at once
                             ntriples=True)
    out = held = engine = None
    result.inferred, result.dropped, result.trivial = counts["inferred"], counts["not-rdf"], counts["trivial"]


def _ntriples(t) -> str:
    """A term of reasonable's answer (an rdflib term) as N-Triples text, as pyoxigraph writes it."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(t, URIRef):
        return str(ox.NamedNode(str(t)))
    if isinstance(t, BNode):
        return str(ox.BlankNode(str(t)))
    if not isinstance(t, Literal):
        return str(t)
    if t.language:
        return str(ox.Literal(str(t), language=t.language))
    return str(ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype))) if t.datatype is not None
               else ox.Literal(str(t)))


def reason_with_owlrl(store, result: StoreClosure) -> None:
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    graph = graph_of(triples)  # blank nodes keep their store ids
    closure = compute_owlrl(graph)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, INFERRED_GRAPH) for t in closure.inferred)
    result.inferred, result.dropped, result.clashes = len(closure.inferred), closure.dropped, closure.clashes
    result.trivial = closure.trivial
