"""The OWL RL closure of the triples a pyoxigraph store holds, written into its inferred graph.

reasonable reads only the triples its rules can use (:func:`relevant_predicates`), less those
that only type what is typed already (:func:`typing_only`), dumped as N-Triples; owlrl, for small
graphs, gets an rdflib copy. What either adds goes into the
graph ``urn:kzlod:inferred`` of the same store, so blank nodes stay the store's own.
reasonable does not apply property chains: kzlod adds their triples and hands them to the same
engine, which derives what follows from them without reasoning over the whole graph again.
"""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod.reasoning.engines import (
    NT_SAME_AS,
    chain_completions,
    compute_owlrl,
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


def type_classes(store) -> list:
    """The distinct objects of ``rdf:type`` triples (a scan that reads no term's text but theirs)."""
    return [r["c"] for r in store.query("SELECT DISTINCT ?c WHERE { ?x a ?c }", use_default_graph_as_union=True)]


def owl_typed(store, found: list | None = None) -> list[tuple]:
    """(subject, class) of every ``rdf:type`` triple whose class's text is in the OWL namespace, as
    pyoxigraph terms: what ``?p a ?c FILTER(STRSTARTS(STR(?c), owl:))`` gives. The distinct classes
    are found first (:func:`type_classes`, or ``found``), then only the triples of the OWL ones."""
    found = type_classes(store) if found is None else found
    classes = [c for c in found if isinstance(c, (ox.NamedNode, ox.Literal)) and c.value.startswith(OWL)]
    if not classes:
        return []
    values = " ".join(str(c) for c in classes)  # N-Triples terms are SPARQL terms
    return [(r["p"], r["c"]) for r in store.query(f"SELECT ?p ?c WHERE {{ VALUES ?c {{ {values} }} ?p a ?c }}",
                                                  use_default_graph_as_union=True)]


def relevant_predicates(store, typed: list | None = None) -> list[str] | None:
    """Predicates whose triples OWL 2 RL rules can read, or None when every triple may matter.

    A triple ``s p o`` takes part in a rule only if ``p`` is ``rdf:type``, part of
    the RDF/RDFS/OWL vocabulary, or named in an axiom (a domain, a range, a
    sub-property, a restriction's property …) — unless some ``owl:sameAs`` can
    hold between two names, which rewrites every triple (rules eq-rep-*). ``typed``: :func:`owl_typed`'s
    answer, if in hand.
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
    for p, _ in owl_typed(store) if typed is None else typed:
        if isinstance(p, ox.NamedNode):
            named.add(p.value)
    used = [r["p"].value for r in store.query("SELECT DISTINCT ?p WHERE { ?s ?p ?o }", use_default_graph_as_union=True)]
    return sorted(p for p in used if p in named or p.startswith((RDF, RDFS, OWL)))


#: The types a property may have that no OWL 2 RL rule reads (a characteristic, e.g. transitive, is read).
PLAIN_PROPERTY_TYPES = {OWL + c for c in ("ObjectProperty", "DatatypeProperty", "AnnotationProperty",
                                          "DeprecatedProperty")} | {RDF + "Property"}


def typing_only(store, predicates: list[str], typed: list | None = None) -> dict[str, tuple[list[str], list[str]]]:
    """The predicates whose triples OWL 2 RL rules read only to type their subject and object
    (rules prp-dom and prp-rng), with their domains and ranges: ``{p: ([D, …], [R, …])}``.

    Such a predicate is named in the axioms only as the subject of ``rdfs:domain`` and ``rdfs:range``
    (classes named by IRI) or as the super-property of another; it has no characteristic (transitive,
    symmetric …), is not in a list (chains, keys), a restriction or another property axiom, and is not
    of the RDF, RDFS or OWL vocabulary. A triple ``s p o`` of it whose subject already has a type
    that is, or is under, each domain (and whose object, when not a literal, one under each range) adds
    nothing to the closure that the types and the class hierarchy do not add: :func:`_reasoner_input`
    leaves it out of what the reasoner reads. (reasonable writes no literal subjects, so a range on a
    literal adds nothing.) ``typed``: :func:`owl_typed`'s answer, if in hand.
    """
    roles: dict[str, set] = {}
    schema_predicates = " ".join(f"<{p}>" for p in SCHEMA_PREDICATES)
    schema = f"SELECT ?x ?p ?y WHERE {{ VALUES ?p {{ {schema_predicates} }} ?x ?p ?y }}"
    for r in store.query(schema, use_default_graph_as_union=True):
        for side, term in (("subject", r["x"]), ("object", r["y"])):
            if isinstance(term, ox.NamedNode):
                roles.setdefault(term.value, set()).add((side, r["p"].value))
    for p, c in owl_typed(store) if typed is None else typed:
        if isinstance(p, ox.NamedNode) and c.value not in PLAIN_PROPERTY_TYPES:
            roles.setdefault(p.value, set()).add(("typed", c.value))
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


#: A predicate with at most so many distinct objects is dumped object by object (:func:`_dump_triples`).
FEW_OBJECTS = 64


def _dump_triples(store, path: Path, predicates: list[str] | None) -> None:
    """Write the store's triples (all graphs, or only these predicates) as N-Triples, blank nodes by their ids.

    A predicate with few distinct objects (IRIs or literals: a status, a tone, a flag) is dumped
    object by object: a constant object is read from the store once, not at each triple (0.6 of
    3.6 CPU s at 1M; finding them stops at the first ``FEW_OBJECTS + 1``)."""
    with open(path, "wb") as fh:
        if predicates is None:
            store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                        use_default_graph_as_union=True).serialize(fh, format=ox.RdfFormat.N_TRIPLES)
            return
        for p in predicates:
            objects = [r[0] for r in store.query(f"SELECT DISTINCT ?o WHERE {{ ?s <{p}> ?o }} LIMIT {FEW_OBJECTS + 1}",
                                                 use_default_graph_as_union=True)]
            if len(objects) > FEW_OBJECTS or not all(isinstance(o, (ox.NamedNode, ox.Literal)) for o in objects):
                objects = ["?o"]
            for o in objects:  # N-Triples terms are SPARQL terms
                store.query(f"CONSTRUCT {{ ?s <{p}> {o} }} WHERE {{ ?s <{p}> {o} }}",
                            use_default_graph_as_union=True).serialize(fh, format=ox.RdfFormat.N_TRIPLES)


def _dump_types(store, path: Path, classes: list) -> None:
    """Write the store's ``rdf:type`` triples as N-Triples, class by class (``classes``:
    :func:`type_classes`): a constant object is read from the store once, not at each triple (half
    the time of one query at 1M). With a blank node or a quoted triple as a class, by one query."""
    if not all(isinstance(c, (ox.NamedNode, ox.Literal)) for c in classes):
        _dump_triples(store, path, [RDF_TYPE])
        return
    with open(path, "wb") as fh:
        for c in classes:  # N-Triples terms are SPARQL terms
            store.query(f"CONSTRUCT {{ ?s <{RDF_TYPE}> {c} }} WHERE {{ ?s <{RDF_TYPE}> {c} }}",
                        use_default_graph_as_union=True).serialize(fh, format=ox.RdfFormat.N_TRIPLES)


RDF_TYPE = f"{RDF}type"
#: Inferred quads written into the store at a time: bulk loading 440k at once took 300 MB beside the engine;
#: once the engine is freed, a larger chunk (fewer, larger files for the store to take in: 1 s less at 1M).
WRITE_CHUNK, WRITE_CHUNK_ALONE = 100_000, 500_000


def _key(text: str, line: str) -> int:
    """What the store holds is remembered by a 128-bit key of each triple's N-Triples text (``text``,
    ``s p o``) and line (``line``, ``s p o .\\n``): the two 64-bit keyed hashes Python keeps for strings
    (SipHash, its key drawn at each start), computed in C and from strings in hand: 48 bytes a triple,
    not 400 for a Triple, and no Python call per triple beyond the two ``hash``."""
    return hash(text) ^ (hash(line) << 64)


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


def _reasoner_input(store, types: Path, rest: Path, read: Path, typing: dict) -> None:
    """Write to ``read`` what the reasoner reads of the dump (its rdf:type triples in ``types``, the others
    in ``rest``): every triple but those of :func:`typing_only` predicates whose subject is typed under
    each domain and whose object is a literal or typed under each range (by the dump's rdf:type triples
    and the store's class hierarchy).

    A line of the dump is ``s p o .``, its terms as pyoxigraph prints them (``str`` of a Triple is the
    line without " ."); an IRI or blank node holds no space, so the first two spaces end the subject
    and predicate."""
    ends = {f"<{p}>": ([f"<{d}>" for d in domains], [f"<{r}>" for r in ranges])
            for p, (domains, ranges) in typing.items()}
    classes = {c for domains, ranges in ends.values() for c in domains + ranges}
    above = _classes_under(store, classes) if classes else {}
    members: dict[str, set[str]] = {c: set() for c in classes}  # instances of each, by their types
    with open(read, "w", encoding="utf-8") as out:
        if above:
            with open(types, encoding="utf-8") as fh:
                for line in fh:
                    s, _, o = line[:-3].split(" ", 2)
                    for c in above.get(o, ()):
                        members[c].add(s)
        with open(types, encoding="utf-8") as fh:
            shutil.copyfileobj(fh, out)
        write = out.write
        with open(rest, encoding="utf-8") as fh:
            for line in fh:
                if ends:
                    s, p, o = line[:-3].split(" ", 2)
                    if p in ends:
                        domains, ranges = ends[p]
                        if all(s in members[d] for d in domains) and \
                                (o.startswith('"') or all(o in members[r] for r in ranges)):
                            continue  # its typing is there already
                write(line)


def _held(*dumps: Path) -> set[int]:
    """The keys (:func:`_key`) of every triple of these N-Triples files."""
    held = set()
    add = held.add
    for dump in dumps:
        with open(dump, encoding="utf-8") as fh:
            for line in fh:
                add(hash(line[:-3]) ^ (hash(line) << 64))  # _key, inlined
    return held


def reason_with_reasonable(store, work: Path, result: StoreClosure) -> None:
    """The closure of the store's triples by reasonable, into its inferred graph; property chains
    completed (reasonable does not apply them) and the closure computed again until none is added.

    The chains' triples over the asserted triples are handed to the engine with them, so that when
    the closure adds none (the common case) the engine runs once."""
    classes = type_classes(store)
    typed = owl_typed(store, classes)
    predicates = relevant_predicates(store, typed)
    result.prefiltered = predicates is not None
    types, dump = work / "types.nt", work / "asserted.nt"  # the rdf:type triples first: they type the others
    _dump_types(store, types, classes if predicates is not None and RDF_TYPE in predicates else [])
    _dump_triples(store, dump, [p for p in predicates if p != RDF_TYPE] if predicates is not None else None)
    typing = typing_only(store, predicates, typed) if predicates is not None else {}
    # the reasoner reads less: not the triples that only type what is typed already
    read = work / "asserted.ttl"  # N-Triples, but reasonable picks its parser by the extension
    _reasoner_input(store, types, dump, read, typing)
    import reasonable

    chains = property_chains(store)
    engine = reasonable.PyReasoner() if chains else None  # kept only if chains may add
    if engine is not None:
        # what chains add over the asserted triples and those of sub-properties (not held: the engine's
        # answer has them, so they are written): most often all they add, and the engine runs once
        chained = chain_completions(store, sub_properties=True)
        if chained:
            with open(read, "a", encoding="utf-8") as fh:
                fh.writelines(f"{t} .\n" for t in chained)
    out = run_reasonable(lambda r: r.load_file(str(read)), engine, ntriples=True)
    read.unlink()
    # What the store holds, of what rules can write: every triple of the dump (of every predicate a
    # rule can write), by a 128-bit key (:func:`_key`), so nothing the engine returns is looked up in
    # the store one by one; read once the engine has answered, so that its peak is not above them.
    held = _held(types, dump)
    dump.unlink()
    types.unlink()
    counts = {"inferred": 0, "not-rdf": 0, "trivial": 0}
    fresh = work / "inferred.nq"
    graph = f" {INFERRED_GRAPH} .\n"
    # a chain's links, as N-Triples text: their triples in the engine's answer are those the store holds
    # once the answer is written (a link is never a typing_only predicate: it is in a list)
    links = {f"<{p}>": [] for _, steps in chains for p in steps}

    def write_fresh() -> list:
        """What the engine's answer adds to the store, as N-Quads in the inferred graph, to ``fresh``;
        return what chains add to the store and it (:func:`_chained`).

        Its terms are N-Triples text (:func:`run_reasonable`), so a triple's key is that of the
        text the dump's triples had; only what is new is ever made into pyoxigraph terms, by the parser.
        What :func:`kzlod.reasoning.engines.left_out` leaves out is told here from the N-Triples text,
        inlined: this runs for every triple.
        """
        not_rdf = trivial = inferred = 0  # of the engine's last answer, which holds every triple
        add = held.add
        for pairs in links.values():
            pairs.clear()
        with open(fresh, "w", encoding="utf-8") as fh:
            write = fh.write
            while out:  # taken from the engine's list one by one, so its memory goes as the file grows
                s, p, o = out.pop()
                if type(s) is not str or type(p) is not str or type(o) is not str:
                    s, p, o = _ntriples(s), _ntriples(p), _ntriples(o)  # rdflib terms, from another version
                if not s.startswith(("<", "_:")) or not p.startswith("<"):
                    not_rdf += 1
                    continue
                if s == o and p == NT_SAME_AS:
                    trivial += 1
                    continue
                if p in links:
                    links[p].append((s, o))
                text = f"{s} {p} {o}"
                key = hash(text) ^ (hash(text + " .\n") << 64)  # _key, inlined
                if key in held:
                    continue
                add(key)
                inferred += 1
                write(text)
                write(graph)
        counts["not-rdf"], counts["trivial"] = not_rdf, trivial
        counts["inferred"] += inferred
        return _chained(chains, links, held)

    while True:
        added = write_fresh()
        if not added:
            out = held = engine = None  # before the store's writes: the engine is done
        release_memory()  # the engine's answer, now in the file
        quads = ox.parse(path=str(fresh), format=ox.RdfFormat.N_QUADS, lenient=True)  # blank nodes keep their ids
        size = WRITE_CHUNK if engine is not None else WRITE_CHUNK_ALONE
        while chunk := list(itertools.islice(quads, size)):  # the loader's buffers stay small
            store.bulk_extend(chunk)
        del chunk, quads
        fresh.unlink()
        if not added:
            break
        # reasonable does not apply property chains: add them, and hand them to the same engine, which
        # derives what follows from them without reasoning over everything again
        store.extend(ox.Quad(t.subject, t.predicate, t.object, INFERRED_GRAPH) for t in added)
        held.update(_key(str(t), f"{t} .\n") for t in added)
        counts["inferred"] += len(added)
        triples = [tuple(to_rdflib(x) for x in (t.subject, t.predicate, t.object)) for t in added]
        out = run_reasonable(lambda r, triples=triples: r.from_graph(triples), engine,  # called at once
                             ntriples=True)
    result.inferred, result.dropped, result.trivial = counts["inferred"], counts["not-rdf"], counts["trivial"]


def _chained(chains: list, links: dict[str, list], held: set) -> list:
    """What :func:`kzlod.reasoning.engines.chain_completions` finds in the store once an answer of the
    engine is written, found in the answer: the chains joined over their links' triples (``links``:
    ``{"<p>": [(s, o), …]}``, N-Triples text), without those the store holds (``held``)."""
    found = set()
    for prop, steps in chains:
        pairs = links[f"<{steps[0]}>"]
        for step in steps[1:]:
            after: dict[str, list[str]] = {}
            for s, o in links[f"<{step}>"]:
                after.setdefault(s, []).append(o)
            pairs = [(s, o2) for s, o in pairs for o2 in after.get(o, ())]
        for s, o in pairs:
            if s.startswith(("<", "_:")):
                text = f"{s} <{prop}> {o}"
                if _key(text, f"{text} .\n") not in held:
                    found.add(f"{text} .\n")
    if not found:
        return []
    return [q.triple for q in ox.parse("".join(sorted(found)).encode(), format=ox.RdfFormat.N_TRIPLES)]


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
