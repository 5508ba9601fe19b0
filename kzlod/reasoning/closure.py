"""OWL 2 RL reasoning, kept apart from the asserted data.

Two engines compute the closure:

* ``owlrl`` (pure Python, on an rdflib graph) — the reference;
* ``reasonable`` (Rust, optional dependency) — tens of times faster, for
  large graphs. ``auto`` (the default) uses it above
  ``KZLOD_REASONABLE_ABOVE`` triples when it is installed (:mod:`kzlod.settings`).

Both give the same instance-level entailments on what the ontology uses
(see docs/performance.md for the few trivial differences). What reasoning
adds (the *inferred* triples) is returned on its own and cached on disk by
the content hash of its inputs, so repeated ``--inferred`` queries do not
re-run it. Two kinds of entailment are left out, and counted (see
:func:`left_out`): triples that are not RDF (owlrl and reasonable make
literals subjects, e.g. ``"1" owl:sameAs "1"``) and ``x owl:sameAs x``,
which OWL RL entails for every term and which says nothing. Inconsistencies (owlrl's error messages,
members of ``owl:Nothing``, individuals in two disjoint classes, …) are
explained, never written into any graph; the same SPARQL checks run over
either engine's closure, so clashes are found whichever engine ran.

For an Oxigraph store on disk, :func:`reason_store` writes the closure into
a sub-store beside the asserted data (see :mod:`kzlod.store.backends`), in the named
graph ``urn:kzlod:inferred``, keyed by the content hashes ``kzlod load``
recorded.
"""

from __future__ import annotations

import contextvars
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod import settings
from kzlod.errors import DataError, InputError, UsageError
from kzlod.files import cache
from kzlod.gate.parse import parse_trusted
from kzlod.gate.reading import GRAPH_FORMATS
from kzlod.project import Project
from kzlod.store.backends import INFERRED_DIR, INFERRED_GRAPH, content_key, read_meta, write_meta
from kzlod.store.bulk import store_lock
from kzlod.store.rdfconv import from_rdflib, graph_of, to_rdflib
from kzlod.vocab import NAMESPACES, OWL, RDF, RDF_TYPE, RDFS, RDFS_LABEL, XSD_STRING

ENGINES = ("owlrl", "reasonable", "auto")
#: The engine :func:`use_engine` chose for this context (None: the ``reasoner`` setting's).
_ENGINE: contextvars.ContextVar[str | None] = contextvars.ContextVar("kzlod_engine", default=None)


@dataclass
class Closure:
    inferred: list  # pyoxigraph Triples added by reasoning
    clashes: list[str] = field(default_factory=list)
    dropped: int = 0  # not RDF: a literal or a blank node where RDF allows neither
    trivial: int = 0  # x owl:sameAs x
    cached: bool = False
    key: str = ""
    engine: str = ""

    @property
    def consistent(self) -> bool:
        return not self.clashes


@contextmanager
def use_engine(name: str | None):
    """Run the enclosed reasoning with this engine (``owlrl``, ``reasonable`` or ``auto``)."""
    if name is None:
        yield
        return
    if name not in ENGINES:

        raise UsageError(f"unknown reasoning engine {name!r}: use {', '.join(ENGINES)}")
    token = _ENGINE.set(name)
    try:
        yield
    finally:
        _ENGINE.reset(token)


def current_engine() -> str:
    return _ENGINE.get() or settings.get("reasoner")


def reasonable_available() -> bool:
    """Whether the reasonable engine is installed (found, not imported: a cached closure's key needs no more)."""
    import importlib.util

    try:
        return importlib.util.find_spec("reasonable") is not None
    except (ImportError, ValueError):
        return False


def choose_engine(engine: str | None, triples: int) -> str:
    """The engine that runs: ``auto`` is reasonable above the threshold (if installed), else owlrl."""

    engine = engine or current_engine()
    if engine == "auto":
        above = triples > settings.get("reasonable_above")
        return "reasonable" if above and reasonable_available() else "owlrl"
    if engine == "reasonable" and not reasonable_available():
        raise UsageError("the reasonable engine is not installed: pip install 'reasonable>=0.4'")
    if engine not in ENGINES:
        raise UsageError(f"unknown reasoning engine {engine!r}: use {', '.join(ENGINES)}")
    return engine


def _versions(engine: str) -> str:
    """The versions of the engines a closure may come from (read without importing them)."""
    names = {"owlrl": ["owlrl"], "reasonable": ["reasonable"], "auto": ["owlrl", "reasonable"]}[engine]
    return " ".join(f"{name} {cache.package_version(name)}" for name in names)


#: Bumped whenever what a closure keeps (in the cache, or beside a disk store) changes, so older
#: entries are not read.
CACHE_FORMAT = 3
OWL_SAME_AS = OWL + "sameAs"


def left_out(s, p, o) -> str | None:
    """Why an entailed triple (rdflib terms) is left out of the closure, or None to keep it.

    ``"not-rdf"``: a literal subject or a non-IRI predicate (generalised RDF);
    ``"trivial"``: ``x owl:sameAs x``, true of every term.
    """
    from rdflib import BNode, URIRef

    if not isinstance(s, (URIRef, BNode)) or not isinstance(p, URIRef):
        return "not-rdf"
    if s == o and str(p) == OWL_SAME_AS:
        return "trivial"
    return None


def left_out_text(dropped: int, trivial: int) -> str:
    """What reasoning left out and why, said plainly ("" when nothing)."""
    parts = []
    if trivial:
        parts.append(f"{trivial} 'x owl:sameAs x' (true of every term)")
    if dropped:
        parts.append(f"{dropped} with a literal as subject (not RDF)")
    return ("; left out " + " and ".join(parts)) if parts else ""


def input_key(inputs, engine: str | None = None) -> str:
    """The cache key of a closure (:func:`kzlod.files.cache.content_key`): its inputs by content
    (files, or their text or bytes), the engine and the versions."""
    engine = engine or current_engine()
    return cache.content_key("closure", inputs,
                             versions=f"format {CACHE_FORMAT} engine {engine} {_versions(engine)}")


# --- consistency ------------------------------------------------------------------------------

PAIRS = {
    "disjoint": """
        SELECT DISTINCT ?a ?b WHERE {
          { ?a owl:disjointWith ?b } UNION { ?b owl:disjointWith ?a } UNION {
            ?d a owl:AllDisjointClasses ; owl:members ?list .
            ?list rdf:rest*/rdf:first ?a . ?list rdf:rest*/rdf:first ?b .
          }
          FILTER (STR(?a) < STR(?b))
        }
    """,
    "complement": """
        SELECT DISTINCT ?a ?b WHERE {
          { ?a owl:complementOf ?b } UNION { ?b owl:complementOf ?a }
          FILTER (STR(?a) < STR(?b))
        }
    """,
    "property-disjoint": """
        SELECT DISTINCT ?a ?b WHERE {
          { ?a owl:propertyDisjointWith ?b } UNION { ?b owl:propertyDisjointWith ?a }
          FILTER (STR(?a) < STR(?b))
        }
    """,
}


def _label_of(store, node) -> str:
    """How a clash names a node: its label and IRI, or "a blank node"."""
    if isinstance(node, ox.BlankNode):
        return "a blank node"
    labels = sorted(q.object.value for q in store.quads_for_pattern(node, ox.NamedNode(RDFS_LABEL), None, None)
                    if isinstance(q.object, ox.Literal))
    return f"{labels[0]} <{node.value}>" if labels else f"<{node.value}>"


def store_clashes(store) -> list[str]:
    """Explain every inconsistency of an OWL RL closure held in a pyoxigraph Store (union of its graphs).

    The OWL 2 RL rules that find inconsistencies: members of owl:Nothing
    (cls-nothing2), disjoint and complementary classes (cax-dw, cax-adc,
    cls-com), irreflexive, asymmetric and disjoint properties (prp-irp,
    prp-asyp, prp-pdw) and same-but-different individuals (eq-diff1). Pairs of
    classes come from the schema; their members are compared as sets, which
    stays fast on a million triples.
    """

    def select(q):
        return list(store.query(q, prefixes=NAMESPACES, use_default_graph_as_union=True))

    rdf_type = ox.NamedNode(RDF_TYPE)
    members: dict = {}

    def instances(c):
        if c not in members:
            members[c] = {q.subject for q in store.quads_for_pattern(None, rdf_type, c, None)}
        return members[c]

    out = [f"{_label_of(store, x)} is a member of owl:Nothing" for x in instances(ox.NamedNode(OWL + "Nothing"))]
    for kind, word in (("disjoint", "disjoint"), ("complement", "complements of each other")):
        for r in select(PAIRS[kind]):
            a, b = r["a"], r["b"]
            small, large = sorted((instances(a), instances(b)), key=len)
            for x in small & large:
                out.append(f"{_label_of(store, x)} is both a {_label_of(store, a)} and a {_label_of(store, b)}, "
                           f"which are {word}")
    for r in select(PAIRS["property-disjoint"]):
        p, q = r["a"], r["b"]
        for t in store.quads_for_pattern(None, p, None, None):
            if next(iter(store.quads_for_pattern(t.subject, q, t.object, None)), None) is not None:
                out.append(f"{_label_of(store, t.subject)} is related to the same value by <{p.value}> and "
                           f"<{q.value}>, which are disjoint")
    for p in instances(ox.NamedNode(OWL + "IrreflexiveProperty")):
        for t in store.quads_for_pattern(None, p, None, None):
            if t.subject == t.object:
                out.append(f"{_label_of(store, t.subject)} is related to itself by <{p.value}>, which is irreflexive")
    for p in instances(ox.NamedNode(OWL + "AsymmetricProperty")):
        for t in store.quads_for_pattern(None, p, None, None):
            if next(iter(store.quads_for_pattern(t.object, p, t.subject, None)), None) is not None:
                x, y = sorted((t.subject, t.object), key=str)
                out.append(f"{_label_of(store, x)} and {_label_of(store, y)} are related both ways by "
                           f"<{p.value}>, which is asymmetric")
    different = ox.NamedNode(OWL + "differentFrom")
    for t in store.quads_for_pattern(None, ox.NamedNode(OWL + "sameAs"), None, None):
        if t.subject != t.object and any(
                next(iter(store.quads_for_pattern(x, different, y, None)), None) is not None
                for x, y in ((t.subject, t.object), (t.object, t.subject))):
            x, y = sorted((t.subject, t.object), key=str)
            out.append(f"{_label_of(store, x)} and {_label_of(store, y)} are both the same and different")
    return sorted(set(out))


def find_clashes(g) -> list[str]:
    """Explain every inconsistency in an OWL RL closure (an rdflib graph)."""
    from owlrl.Namespaces import ERRNS
    from rdflib import RDF as RDFNS
    from rdflib import Literal

    clashes = []
    for msg in g.subjects(RDFNS.type, ERRNS.ErrorMessage):
        for text in g.objects(msg, ERRNS.error):
            clashes.append(" ".join(str(text).split()))
    errors = str(ERRNS)
    store = ox.Store()
    store.extend(ox.Quad(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in g
                 if not isinstance(s, Literal) and not str(p).startswith(errors))
    clashes.extend(store_clashes(store))
    return sorted(set(clashes))


# --- the engines ------------------------------------------------------------------------------

def compute(graph, engine: str | None = None) -> Closure:
    """The OWL RL closure of an rdflib graph: only what reasoning added, and the clashes."""
    engine = choose_engine(engine, len(graph))
    closure = _compute_reasonable(graph) if engine == "reasonable" else _compute_owlrl(graph)
    closure.engine = engine
    return closure


def _compute_owlrl(graph) -> Closure:
    import owlrl
    from owlrl.Namespaces import ERRNS
    from rdflib import Graph

    work = Graph()
    for t in graph:
        work.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False,
                           datatype_axioms=False).expand(work)
    clashes = find_clashes(work)
    inferred, omitted = [], {"not-rdf": 0, "trivial": 0}
    for s, p, o in work:
        if (s, p, o) in graph:
            continue
        if str(p).startswith(str(ERRNS)) or o == ERRNS.ErrorMessage:
            continue
        why = left_out(s, p, o)
        if why:
            omitted[why] += 1
            continue
        inferred.append(ox.Triple(from_rdflib(s), from_rdflib(p), from_rdflib(o)))
    return Closure(inferred=inferred, clashes=clashes, dropped=omitted["not-rdf"], trivial=omitted["trivial"])


def _plain(term):
    """reasonable writes plain literals as xsd:string; RDF 1.1 says they are the same term."""
    from rdflib import Literal

    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype) == XSD_STRING:
        return Literal(str(term))
    return term


def _run_reasonable(load) -> list:
    """Run reasonable; its panics (it is a Rust library) become clean errors."""
    import reasonable

    reasoner = reasonable.PyReasoner()
    try:
        load(reasoner)
        return reasoner.reason()
    except BaseException as exc:  # pyo3 panics derive from BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise DataError(f"the reasonable engine failed: {str(exc).splitlines()[0][:300] if str(exc) else exc!r}") from None


def property_chains(store) -> list[tuple[str, list[str]]]:
    """The ``owl:propertyChainAxiom``s of a store: (property, [p1, …, pn])."""
    chains = []
    rows = store.query(f"SELECT ?p ?list WHERE {{ ?p <{OWL}propertyChainAxiom> ?list }}", use_default_graph_as_union=True)
    for row in rows:
        steps, node = [], row["list"]
        while isinstance(node, (ox.BlankNode, ox.NamedNode)) and node.value != RDF + "nil":
            first = next(iter(store.quads_for_pattern(node, ox.NamedNode(RDF + "first"), None, None)), None)
            rest = next(iter(store.quads_for_pattern(node, ox.NamedNode(RDF + "rest"), None, None)), None)
            if first is None or rest is None or not isinstance(first.object, ox.NamedNode):
                steps = []
                break
            steps.append(first.object.value)
            node = rest.object
        if len(steps) >= 2 and isinstance(row["p"], ox.NamedNode):
            chains.append((row["p"].value, steps))
    return chains


def chain_completions(store) -> list:
    """Triples OWL 2 RL's rule prp-spo2 (property chains) adds to what the store holds, over every graph.

    The reasonable engine does not apply property chains; kzlod applies them to its
    closure and runs it again until nothing is added, so both engines agree.
    """
    found = []
    for prop, steps in property_chains(store):
        hops = " . ".join(f"?v{i} <{p}> ?v{i + 1}" for i, p in enumerate(steps))
        query = (f"SELECT DISTINCT ?v0 ?v{len(steps)} WHERE {{ {hops} "
                 f"FILTER NOT EXISTS {{ ?v0 <{prop}> ?v{len(steps)} }} }}")
        for row in store.query(query, use_default_graph_as_union=True):
            s, o = row["v0"], row[f"v{len(steps)}"]
            if isinstance(s, (ox.NamedNode, ox.BlankNode)):
                found.append(ox.Triple(s, ox.NamedNode(prop), o))
    return found


def _compute_reasonable(graph) -> Closure:
    from rdflib import Graph, Literal

    source = graph  # the caller's graph is never changed; chains go into a copy
    inferred, seen, omitted = [], set(), {"not-rdf": 0, "trivial": 0}
    while True:
        out = _run_reasonable(lambda r: r.from_graph(graph))
        for s, p, o in out:
            o = _plain(o)
            if (s, p, o) in source or (s, p, o) in seen:
                continue
            seen.add((s, p, o))
            why = left_out(s, p, o)
            if why:
                omitted[why] += 1
                continue
            inferred.append(ox.Triple(from_rdflib(s), from_rdflib(p), from_rdflib(o)))
        store = ox.Store()
        store.extend(ox.Quad(*(from_rdflib(x) for x in t)) for t in source if not isinstance(t[0], Literal))
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in inferred)
        added = chain_completions(store)
        if not added:
            return Closure(inferred=inferred, clashes=store_clashes(store), dropped=omitted["not-rdf"],
                           trivial=omitted["trivial"])
        if graph is source:
            graph = Graph()
            graph += source
        for t in added:
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
            seen.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
            inferred.append(t)


#: The first line of a closure's cache entry, before its JSON (what was left out, the clashes).
ENTRY_HEADER = b"# kzlod closure "


def _read_entry(key: str) -> tuple[Path, dict] | None:
    """A closure's cache entry: its file (N-Triples after the header) and its header; None if none."""
    path = cache.get("closure", key)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            first = fh.readline()
        head = json.loads(first[len(ENTRY_HEADER):]) if first.startswith(ENTRY_HEADER) else None
        if not isinstance(head, dict):
            return None
        return path, {"dropped": int(head["dropped"]), "trivial": int(head["trivial"]),
                      "clashes": [str(c) for c in head["clashes"]]}
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged entry is built again


def _write_entry(key: str, write_nt, dropped: int, trivial: int, clashes: list[str]) -> None:
    """Keep a closure in the cache: the header line, then ``write_nt(file)`` writes the triples."""
    head = ENTRY_HEADER + json.dumps({"dropped": dropped, "trivial": trivial, "clashes": clashes}).encode() + b"\n"

    def fill(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fh.write(head)
            write_nt(fh)

    cache.put("closure", key, fill)


def cached_closure(key: str, build) -> Closure:
    """The closure for these inputs from the cache, or build it and store it."""
    found = _read_entry(key)
    if found is not None:
        path, head = found
        try:
            inferred = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)]
            return Closure(inferred=inferred, clashes=head["clashes"], dropped=head["dropped"],
                           trivial=head["trivial"], cached=True, key=key)
        except (OSError, ValueError, SyntaxError):
            pass  # a damaged cache entry is rebuilt
    closure = build()
    closure.key = key
    data = ox.serialize(sorted(closure.inferred, key=str), format=ox.RdfFormat.N_TRIPLES)
    _write_entry(key, lambda fh: fh.write(data), closure.dropped, closure.trivial, closure.clashes)
    return closure


def cached_clashes(key: str, build) -> list[str]:
    """The clashes of the closure for these inputs: from its cache entry's header line, its triples
    left unread (a cached ``kzlod validate`` needs no more), else :func:`cached_closure`'s."""
    found = _read_entry(key)
    return found[1]["clashes"] if found is not None else cached_closure(key, build).clashes


def project_closure(project: Project, parsed=()) -> Closure:
    """The cached OWL RL closure of a project's ontology and data plus parsed extra files.
    Keyed by their content, so an edit is seen at once."""
    paths = project.graph_files()

    def build():
        g = None
        for p in paths:
            g = graph_of(parse_trusted(p), g)
        for pf in parsed:
            g = graph_of(pf.quads, g, fresh_bnodes=True)
        return compute(g)

    return cached_closure(input_key([*paths, *(pf.text for pf in parsed)]), build)


def closure_in_store(store, key: str, engine: str | None = None) -> StoreClosure:
    """Add the OWL RL closure of an in-memory store's triples to its graph ``urn:kzlod:inferred``.

    Cached like :func:`cached_closure`, under ``key``: a cache hit is streamed
    into the store with its blank-node labels. reasonable reads only the triples its
    rules can use (:func:`_reason_reasonable`); owlrl, for small graphs, gets
    an rdflib copy.
    """

    result = StoreClosure(store=Path(), asserted=len(store))
    result.engine = choose_engine(engine, result.asserted)
    found = _read_entry(key)
    if found is not None:
        path, head = found
        try:
            result.dropped, result.trivial, result.clashes = head["dropped"], head["trivial"], head["clashes"]
            # parsed, not loaded: a store load would rename the blank nodes the closure shares with the data
            store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, INFERRED_GRAPH)
                              for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))
            count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{INFERRED_GRAPH.value}> {{ ?s ?p ?o }} }}"
            result.inferred, result.cached = int(next(iter(store.query(count)))["n"].value), True
            return result
        except (OSError, ValueError, SyntaxError):
            store.clear_graph(INFERRED_GRAPH)  # a damaged cache entry is rebuilt
            result.clashes, result.dropped, result.trivial = [], 0, 0
    if result.engine == "reasonable":
        import tempfile  # here: only reasoning over a store on disk needs it

        work = Path(tempfile.mkdtemp(prefix="kzlod-reason-"))
        try:
            _reason_reasonable(store, work, result)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        result.clashes = store_clashes(store)
    else:
        _reason_owlrl(store, result)
    _write_entry(key, lambda fh: store.dump(output=fh, format=ox.RdfFormat.N_TRIPLES, from_graph=INFERRED_GRAPH),
                 result.dropped, result.trivial, result.clashes)
    return result


# --- a store on disk --------------------------------------------------------------------------

@dataclass
class StoreClosure:
    """What :func:`reason_store` did: the closure lives in the store, not in memory."""

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
    q = "ASK { VALUES ?c { %s } ?x a ?c }" % " ".join(f"<{c}>" for c in SAME_AS_MAKERS)
    q2 = "ASK { VALUES ?p { %s } ?x ?p ?y }" % " ".join(f"<{p}>" for p in SAME_AS_AXIOMS)
    if store.query(q, use_default_graph_as_union=True) or store.query(q2, use_default_graph_as_union=True):
        return None
    named = set()
    schema = "SELECT ?x ?y WHERE { VALUES ?p { %s } ?x ?p ?y }" % " ".join(f"<{p}>" for p in SCHEMA_PREDICATES)
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


def _asserted(store, s, p, o) -> bool:
    return next(iter(store.quads_for_pattern(s, p, o, None)), None) is not None


def reason_store(path: Path, *, engine: str | None = None, force: bool = False, progress=None) -> StoreClosure:
    """Compute the closure of a disk store into its ``kzlod-inferred`` sub-store (cached by content)."""

    started = time.perf_counter()
    progress = progress or (lambda *a, **k: None)
    path = Path(path)
    result = StoreClosure(store=path)
    with store_lock(path):
        meta = read_meta(path)
        content = content_key(meta)
        done = meta.get("inferred") or {}
        sub = path / INFERRED_DIR
        wanted = engine or current_engine()
        if (not force and content is not None and done.get("content") == content and sub.is_dir()
                and done.get("format") == CACHE_FORMAT and wanted in ("auto", done.get("engine"))):
            result.inferred, result.asserted = done.get("triples", 0), done.get("asserted", 0)
            result.clashes, result.dropped = list(done.get("clashes", [])), done.get("dropped", 0)
            result.trivial = done.get("trivial", 0)
            result.engine, result.cached = done.get("engine", ""), True
            result.seconds = time.perf_counter() - started
            return result
        try:
            main = ox.Store.read_only(str(path))
        except OSError as exc:
            raise InputError(f"{path}: cannot open Oxigraph store: {str(exc).splitlines()[0][:300]}") from None
        result.asserted = len(main)
        result.engine = choose_engine(wanted, result.asserted)
        staging = path / f".{INFERRED_DIR}.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        import tempfile  # here: only reasoning over a store on disk needs it

        work = Path(tempfile.mkdtemp(prefix="kzlod-reason-"))
        ok = False
        try:
            main.backup(str(staging))
            del main
            closure_store = ox.Store(str(staging))
            progress("reasoning", engine=result.engine, triples=result.asserted)
            if result.engine == "reasonable":
                _reason_reasonable(closure_store, work, result)
            else:
                _reason_owlrl(closure_store, result)
            progress("checking consistency")
            if not result.clashes:
                result.clashes = store_clashes(closure_store)
            else:
                result.clashes = sorted(set(result.clashes) | set(store_clashes(closure_store)))
            closure_store.flush()
            del closure_store
            import gc

            gc.collect()
            shutil.rmtree(sub, ignore_errors=True)
            os.rename(staging, sub)
            meta["inferred"] = {"content": content, "format": CACHE_FORMAT, "engine": result.engine,
                                "triples": result.inferred, "asserted": result.asserted,
                                "dropped": result.dropped, "trivial": result.trivial, "clashes": result.clashes,
                                "graph": INFERRED_GRAPH.value}
            write_meta(path, meta)
            ok = True
        finally:
            shutil.rmtree(work, ignore_errors=True)
            if not ok:
                shutil.rmtree(staging, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def _reason_reasonable(store, work: Path, result: StoreClosure) -> None:
    from rdflib import BNode, URIRef

    predicates = relevant_predicates(store)
    result.prefiltered = predicates is not None
    dump = work / "asserted.ttl"  # N-Triples, but reasonable picks its parser by the extension
    _dump_triples(store, dump, predicates)
    out = _run_reasonable(lambda r: r.load_file(str(dump)))
    dump.unlink()

    def term(t):
        if isinstance(t, URIRef):
            return ox.NamedNode(str(t))
        if isinstance(t, BNode):
            return ox.BlankNode(str(t))
        if t.language:
            return ox.Literal(str(t), language=t.language)
        return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype))) if t.datatype is not None \
            else ox.Literal(str(t))

    counts = {"inferred": 0, "not-rdf": 0, "trivial": 0}

    def fresh():
        for s, p, o in out:
            why = left_out(s, p, o)
            if why:
                counts[why] += 1
                continue
            s2, p2, o2 = term(s), term(p), term(_plain(o))
            if _asserted(store, s2, p2, o2):
                continue
            counts["inferred"] += 1
            yield ox.Quad(s2, p2, o2, INFERRED_GRAPH)

    store.bulk_extend(fresh())
    out = None  # the engine's list, freed before the chains are completed
    result.inferred, result.dropped, result.trivial = counts["inferred"], counts["not-rdf"], counts["trivial"]
    added = chain_completions(store)  # reasonable does not apply property chains: add them, then again
    if added:
        store.extend(ox.Quad(t.subject, t.predicate, t.object, INFERRED_GRAPH) for t in added)
        inferred_before = result.inferred + len(added)
        _reason_reasonable(store, work, result)
        result.inferred += inferred_before


def _reason_owlrl(store, result: StoreClosure) -> None:
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    graph = graph_of(triples)  # blank nodes keep their store ids
    closure = _compute_owlrl(graph)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, INFERRED_GRAPH) for t in closure.inferred)
    result.inferred, result.dropped, result.clashes = len(closure.inferred), closure.dropped, closure.clashes
    result.trivial = closure.trivial


def dump_inferred(path: Path, output, fmt: str = "ttl") -> None:
    """Write a store's inferred triples (made by :func:`reason_store`) to a file or binary stream."""

    sub = ox.Store.read_only(str(Path(path) / INFERRED_DIR))
    sub.dump(output=output, format=GRAPH_FORMATS[fmt], from_graph=INFERRED_GRAPH,
             prefixes=NAMESPACES if fmt == "ttl" else None)
