"""The two engines of the OWL 2 RL closure, over an rdflib graph, and the choice between them.

* ``owlrl`` (pure Python, on an rdflib graph) — the reference;
* ``reasonable`` (Rust, optional dependency) — tens of times faster, for
  large graphs. ``auto`` (the default) uses it above
  ``KZLOD_REASONABLE_ABOVE`` triples when it is installed (:mod:`kzlod.settings`).

Both give the same instance-level entailments on what the ontology uses
(see docs/performance.md for the few trivial differences). What reasoning
adds (the *inferred* triples) is returned on its own. Two kinds of entailment
are left out, and counted (see :func:`left_out`): triples that are not RDF
(owlrl and reasonable make literals subjects, e.g. ``"1" owl:sameAs "1"``) and
``x owl:sameAs x``, which OWL RL entails for every term and which says nothing.
reasonable does not apply property chains: :func:`chain_completions` adds them.
"""

from __future__ import annotations

import contextvars
import functools
from contextlib import contextmanager
from dataclasses import dataclass, field

import pyoxigraph as ox

from kzlod import settings
from kzlod.errors import DataError, UsageError
from kzlod.reasoning.clashes import find_clashes, store_clashes
from kzlod.store.rdfconv import from_rdflib, to_rdflib
from kzlod.text import LazyPattern
from kzlod.version import package_version
from kzlod.vocab import OWL, RDF, RDFS, XSD, XSD_STRING

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


def engine_versions(engine: str) -> str:
    """The versions of the engines a closure may come from (read without importing them)."""
    names = {"owlrl": ["owlrl"], "reasonable": ["reasonable"], "auto": ["owlrl", "reasonable"]}[engine]
    return " ".join(f"{name} {package_version(name)}" for name in names)



OWL_SAME_AS = OWL + "sameAs"


def left_out(s, p, o) -> str | None:
    """Why an entailed triple (rdflib terms) is left out of the closure, or None to keep it.

    ``"not-rdf"``: a literal subject or a non-IRI predicate (generalised RDF);
    ``"trivial"``: ``x owl:sameAs x``, true of every term.
    """
    if not isinstance(s, _resources()) or not isinstance(p, _resources()[0]):
        return "not-rdf"
    if s == o and str(p) == OWL_SAME_AS:
        return "trivial"
    return None


NT_SAME_AS = f"<{OWL_SAME_AS}>"


def left_out_nt(s: str, p: str, o: str) -> str | None:
    """:func:`left_out` of a triple whose terms are N-Triples text (``<iri>``, ``_:id``, ``"literal"…``)."""
    if not s.startswith(("<", "_:")) or not p.startswith("<"):
        return "not-rdf"
    if s == o and p == NT_SAME_AS:
        return "trivial"
    return None


@functools.cache
def _resources() -> tuple:
    """rdflib's IRI and blank-node classes, imported once (left_out runs for every entailed triple)."""
    from rdflib import BNode, URIRef

    return URIRef, BNode


def left_out_text(dropped: int, trivial: int) -> str:
    """What reasoning left out and why, said plainly ("" when nothing)."""
    parts = []
    if trivial:
        parts.append(f"{trivial} 'x owl:sameAs x' (true of every term)")
    if dropped:
        parts.append(f"{dropped} with a literal as subject (not RDF)")
    return ("; left out " + " and ".join(parts)) if parts else ""



def compute(graph, engine: str | None = None) -> Closure:
    """The OWL RL closure of an rdflib graph: only what reasoning added, and the clashes."""
    engine = choose_engine(engine, len(graph))
    closure = _compute_reasonable(graph) if engine == "reasonable" else compute_owlrl(graph)
    closure.engine = engine
    return closure


def clashes_of(triples, engine: str | None = None) -> list[str]:
    """The clashes of the OWL RL closure of ``triples`` (3-tuples of pyoxigraph terms),
    as :func:`compute` finds them over an rdflib graph of the same triples.

    With reasonable, no rdflib graph is built and rdflib need not be imported: the engine is given
    the triples as :func:`engine_term` makes them, writes its answer (the triples given and those entailed)
    as N-Triples text (:func:`run_reasonable`), which goes into a pyoxigraph store whole, less what
    :func:`left_out` leaves out of a closure unless it was given. Property chains are completed as
    :func:`compute` completes them: their triples go to the same engine, which derives what follows
    from them without reasoning over everything again, until they add nothing. On a delta's
    neighbourhood (some 5,000 triples) 0.2 s in place of 0.4 s, and rdflib's import."""
    triples = list(triples)
    engine = choose_engine(engine, len(triples))
    if engine != "reasonable":
        from rdflib import Graph

        graph = Graph()
        for s, p, o in triples:
            graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
        return compute(graph, engine=engine).clashes
    import reasonable

    term = functools.cache(engine_term)
    given = [(term(s), term(p), term(o)) for s, p, o in triples]
    trivial_given = {f"{s} {p} {o}" for s, p, o in triples if s == o and p.value == OWL_SAME_AS}
    reasoner, load = reasonable.PyReasoner(), given
    while True:
        out = run_reasonable(lambda r, load=load: r.from_graph(load), reasoner, ntriples=True)
        lines = []
        for t in out:
            s, p, o = (x if type(x) is str else str(from_rdflib(plain(x))) for x in t)
            why = left_out_nt(s, p, o)
            if why is None or (why == "trivial" and f"{s} {p} {o}" in trivial_given):
                lines.append(f"{s} {p} {o} .\n")
        store = ox.Store()
        store.extend(ox.parse(input="".join(lines), format=ox.RdfFormat.N_TRIPLES))
        # the triples given, as the engine read them, in case it did not give one back
        store.extend(ox.Quad(s, p, _as_read(o, given[i][2])) for i, (s, p, o) in enumerate(triples))
        added = chain_completions(store)
        if not added:
            return store_clashes(store)
        load = [(term(t.subject), term(t.predicate), term(t.object)) for t in added]


class _Term:
    """Stand-ins for rdflib's terms as reasonable reads them (by their class's name, a literal's
    ``language`` and ``datatype``): triples for it without importing rdflib."""

    class URIRef(str):
        pass

    class BNode(str):
        pass

    class Literal(str):
        def __new__(cls, value: str, language: str | None = None, datatype=None):
            self = str.__new__(cls, value)
            self.language, self.datatype = language, datatype
            return self


#: Lexical forms that rdflib's literals keep as they are (its own canonical form), by datatype.
_CANONICAL = {XSD + "integer": LazyPattern(r"0|-?[1-9][0-9]*"), XSD + "boolean": LazyPattern(r"true|false"),
              XSD + "date": LazyPattern(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")}


def engine_term(term):
    """A pyoxigraph term as reasonable is given it: the term :func:`to_rdflib` makes, spelt the same.
    A literal whose lexical form rdflib would write another way (``"01"^^xsd:integer`` is ``"1"``
    there) is rdflib's own term, so that the engine reads what it read from an rdflib graph."""
    if isinstance(term, ox.NamedNode):
        return _Term.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return _Term.BNode(term.value)
    if term.language:
        if term.language == term.language.lower():
            return _Term.Literal(term.value, language=term.language)
    else:
        dt = term.datatype.value
        if dt == XSD_STRING:
            return _Term.Literal(term.value)
        if dt in _CANONICAL and _CANONICAL[dt].fullmatch(term.value):
            return _Term.Literal(term.value, datatype=_Term.URIRef(dt))
    return to_rdflib(term)


def _as_read(term, given):
    """``term`` as the engine was given it (``given``: :func:`engine_term`'s)."""
    return from_rdflib(given) if isinstance(term, ox.Literal) and not isinstance(given, _Term.Literal) else term


def compute_owlrl(graph) -> Closure:
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


def plain(term):
    """reasonable writes plain literals as xsd:string; RDF 1.1 says they are the same term."""
    from rdflib import Literal

    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype) == XSD_STRING:
        return Literal(str(term))
    return term


@contextmanager
def _ntriples_terms():
    """While reasonable writes its answer, have it write each term as its N-Triples text, once.

    reasonable 0.4 turns every triple of its answer into Python objects by calling ``URIRef``,
    ``Literal`` and ``BNode`` looked up on the ``rdflib`` module at each call (a literal as
    ``Literal(value, language, datatype)``). Given, for that one call, functions that return the
    term's N-Triples text as pyoxigraph writes it (behind a cache: a term named a thousand times is
    one string), it returns triples of plain ``str``: no rdflib term is built and validated per
    mention. If a later version builds its terms another way, its answer is rdflib terms again
    (``URIRef`` and ``Literal`` are subclasses of ``str``, never ``str`` itself); callers accept both.
    """
    import sys
    import types

    @functools.cache
    def iri(value):
        return str(ox.NamedNode(value))

    @functools.cache
    def literal(value, language=None, datatype=None):
        if language is not None:
            return str(ox.Literal(value, language=language))
        return str(ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype is not None else ox.Literal(value))

    @functools.cache
    def blank(value):
        return str(ox.BlankNode(value))

    if "rdflib" not in sys.modules:  # the engine imports it for the three names only: a stand-in will do
        stand_in = types.ModuleType("rdflib")
        stand_in.URIRef, stand_in.Literal, stand_in.BNode = iri, literal, blank
        sys.modules["rdflib"] = stand_in
        try:
            yield
        finally:
            if sys.modules.get("rdflib") is stand_in:
                del sys.modules["rdflib"]
        return
    import rdflib

    saved = rdflib.URIRef, rdflib.Literal, rdflib.BNode
    rdflib.URIRef, rdflib.Literal, rdflib.BNode = iri, literal, blank
    try:
        yield
    finally:
        rdflib.URIRef, rdflib.Literal, rdflib.BNode = saved


def release_memory() -> None:
    """Give the memory the process has freed back to the system (glibc's ``malloc_trim``; elsewhere nothing).

    reasonable frees most of what it builds to read a file (some 400 MB for a million triples), but
    the C allocator keeps it, so the process's peak would hold it and what comes after together."""
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc
            pass


def run_reasonable(load, reasoner=None, ntriples: bool = False) -> list:
    """Run reasonable (a new engine, or ``reasoner`` again: it then adds what ``load`` gave it to what
    it had derived, without starting over); its panics (it is a Rust library) become clean errors.

    The answer is every triple of the closure as rdflib terms, or with ``ntriples`` each term as its
    N-Triples text where the engine allows it (:func:`_ntriples_terms`; rdflib terms otherwise)."""
    import reasonable

    reasoner = reasonable.PyReasoner() if reasoner is None else reasoner
    try:
        load(reasoner)
        release_memory()  # reading a file, the engine builds a graph of it that it then drops
        if ntriples:
            with _ntriples_terms():
                return reasoner.reason()
        return reasoner.reason()
    except BaseException as exc:  # pyo3 panics derive from BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        first = str(exc).splitlines()[0][:300] if str(exc) else repr(exc)
        raise DataError(f"the reasonable engine failed: {first}") from None


def property_chains(store) -> list[tuple[str, list[str]]]:
    """The ``owl:propertyChainAxiom``s of a store: (property, [p1, …, pn])."""
    chains = []
    rows = store.query(f"SELECT ?p ?list WHERE {{ ?p <{OWL}propertyChainAxiom> ?list }}",
                       use_default_graph_as_union=True)
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


def chain_completions(store, sub_properties: bool = False) -> list:
    """Triples OWL 2 RL's rule prp-spo2 (property chains) adds to what the store holds, over every graph.

    The reasonable engine does not apply property chains; kzlod applies them to its
    closure and runs it again until nothing is added, so both engines agree. With
    ``sub_properties``, a link of a chain is also made by a triple of one of its sub-properties
    (``rdfs:subPropertyOf*``, rules prp-spo1 and scm-spo): what the closure would hold, found before
    it is computed, so that the engine is given these triples with the others and need not run again.
    """
    found = []
    for prop, steps in property_chains(store):
        if sub_properties:
            links = [_sub_properties(store, p) for p in steps]
            hops = " . ".join(f"VALUES ?p{i} {{ {links[i]} }} ?v{i} ?p{i} ?v{i + 1}" for i in range(len(steps)))
        else:
            hops = " . ".join(f"?v{i} <{p}> ?v{i + 1}" for i, p in enumerate(steps))
        query = (f"SELECT DISTINCT ?v0 ?v{len(steps)} WHERE {{ {hops} "
                 f"FILTER NOT EXISTS {{ ?v0 <{prop}> ?v{len(steps)} }} }}")
        for row in store.query(query, use_default_graph_as_union=True):
            s, o = row["v0"], row[f"v{len(steps)}"]
            if isinstance(s, (ox.NamedNode, ox.BlankNode)):
                found.append(ox.Triple(s, ox.NamedNode(prop), o))
    return found


def _sub_properties(store, prop: str) -> str:
    """A property and its sub-properties named by IRI, at any depth, as SPARQL terms."""
    rows = store.query(f"SELECT DISTINCT ?q WHERE {{ ?q <{RDFS}subPropertyOf>+ <{prop}> }}",
                       use_default_graph_as_union=True)
    return " ".join(sorted({f"<{prop}>"} | {str(r["q"]) for r in rows if isinstance(r["q"], ox.NamedNode)}))


def _compute_reasonable(graph) -> Closure:
    """reasonable's closure of an rdflib graph (never changed), with property chains applied: the
    chains' triples go to the same engine, which derives what follows from them without reasoning
    over everything again (as :func:`kzlod.reasoning.instore.reason_with_reasonable` does)."""
    import reasonable
    from rdflib import Literal

    source = set(graph)  # looked up once for every triple of the answer: a set, not the graph's store
    inferred, seen, omitted = [], set(), {"not-rdf": 0, "trivial": 0}
    store = ox.Store()  # the graph and what is inferred, for the chains and the clashes
    store.extend(ox.Quad(*(from_rdflib(x) for x in t)) for t in source if not isinstance(t[0], Literal))
    engine, load = reasonable.PyReasoner(), graph
    while True:
        out = run_reasonable(lambda r, load=load: r.from_graph(load), engine)
        fresh = []
        for s, p, o in out:
            o = plain(o)
            if (s, p, o) in source or (s, p, o) in seen:
                continue
            seen.add((s, p, o))
            why = left_out(s, p, o)
            if why:
                omitted[why] += 1
                continue
            fresh.append(ox.Triple(from_rdflib(s), from_rdflib(p), from_rdflib(o)))
        inferred += fresh
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in fresh)
        added = chain_completions(store)
        if not added:
            return Closure(inferred=inferred, clashes=store_clashes(store), dropped=omitted["not-rdf"],
                           trivial=omitted["trivial"])
        load = [(to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)) for t in added]
        seen.update(load)
        inferred += added
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in added)
