"""The SPARQL under pySHACL: Oxigraph's engine for the data graph, rdflib's (parsed once) elsewhere.

pySHACL evaluates SHACL-SPARQL constraints (and a few core constraints it words as SPARQL) by
handing the data graph's ``query`` a text and pre-bound variables (``$this``, ``$currentShape``).
rdflib's engine parses every text again and evaluates it in Python: on the bundled graph the
source texts' checks were half of pySHACL's time. Inside :func:`sparql_by_oxigraph`, a query on the
registered rdflib graph runs instead on a pyoxigraph store holding the same triples: the pre-bound
values written into the text as constants where that means the same, else given as substitutions
(SEP-0007, the pre-binding SHACL-SPARQL asks for; Oxigraph plans a query before it looks at its
substitutions), and its solutions come back as rdflib terms in the shape rdflib's ``SPARQLResult``
reads. The store is the caller's (the project's memory store: its union of graphs is the data
graph) or is made from the rdflib graph when the first query comes. A query Oxigraph refuses, one
whose OPTIONAL filters on a variable bound outside it when only some targets are validated and
the variable's triple patterns cannot be copied into the OPTIONAL (Oxigraph evaluates it over the
whole graph: slower than rdflib then), and any query on another
graph (the shapes graph, say) go to rdflib, each text parsed once per run. Tests compare both
engines' reports.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pyoxigraph as ox

from kzlod.sparqltext import inline_constants, mask_sparql, without_comments
from kzlod.store.rdfconv import from_rdflib, to_rdflib


@contextmanager
def sparql_by_oxigraph(data=None, store: ox.Store | None = None, *, some_targets: bool = False):
    """While inside, SPARQL on the rdflib graph ``data`` runs on Oxigraph (``store``, whose union of
    graphs holds the same triples, else a store made from ``data`` when first needed); every other
    query on rdflib, each text parsed once.

    ``some_targets``: pySHACL validates only some targets of ``data`` (an incremental check), and
    ``store`` holds each triple once (in its default graph, say). A query whose OPTIONAL filters on a
    variable bound outside it is then given to Oxigraph with the triple patterns that bind that
    variable copied into the OPTIONAL (:func:`_bound_inside`: the same solutions), else to rdflib:
    as written, Oxigraph evaluates such an OPTIONAL over the whole graph and filters every pair with
    the rows outside it, rdflib once for each row of the few targets (a delta's neighbourhood in a
    million-triple store: 1 s with Oxigraph, 0.4 s less with rdflib, some 10 ms rewritten). Over
    every target (the project's graph, whose union of graphs may hold a triple twice) the text goes
    to Oxigraph as written: the bundled graph's quote-sentence check takes it milliseconds, rdflib 0.3 s."""
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query
    prepared: dict = {}
    stores: list = [store]
    texts: dict[str, str | None] = {}  # each text as Oxigraph gets it (None: rdflib's), once (pySHACL asks per target)

    def the_store() -> ox.Store:
        if stores[0] is None:
            made = ox.Store()
            made.bulk_extend(ox.Quad(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in data)
            stores[0] = made
        return stores[0]

    def for_oxigraph(text: str) -> str | None:
        if text not in texts:
            texts[text] = _bound_inside(text) if some_targets and _filters_outer_variables(text) else text
        return texts[text]

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803 - rdflib's names
        text = for_oxigraph(strOrQuery) if data is not None and self.graph is data and isinstance(strOrQuery, str) \
            else None
        if text is not None:
            answered = _on_oxigraph(the_store(), text, initBindings, initNs, base)
            if answered is not None:
                return answered
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items(), key=lambda kv: str(kv[0]))))
            if key not in prepared:
                prepared[key] = processor.prepareQuery(strOrQuery, initNs, base)
            strOrQuery = prepared[key]
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original


def _on_oxigraph(store, text: str, bindings, namespaces, base):
    """What rdflib's evaluation gives for a SELECT, evaluated by Oxigraph; None for what Oxigraph does not answer so
    (another form, a substitution it cannot make, a text it does not parse): rdflib answers it."""
    from rdflib import Variable

    values = {str(k): from_rdflib(v) for k, v in (bindings or {}).items()}
    options = {"base_iri": str(base) if base else None, "use_default_graph_as_union": True,
               "prefixes": {k: str(v) for k, v in (namespaces or {}).items()} or None}
    # the values written into the text where that means the same (SHACL's pre-binding is a substitution):
    # Oxigraph plans a query before it looks at its substitutions, and started from every evidence of
    # the copied neighbourhood, not from the document's own
    inlined = None if any(isinstance(v, ox.BlankNode) for v in values.values()) else \
        inline_constants(text, {k: str(v) for k, v in values.items()})
    try:
        try:
            solutions = store.query(inlined, **options) if inlined else None
        except SyntaxError:
            solutions = None
        if solutions is None:
            solutions = store.query(text, substitutions={ox.Variable(k): v for k, v in values.items()} or None,
                                    **options)
    except (SyntaxError, RuntimeError, ValueError, TypeError, OSError):
        return None
    if not isinstance(solutions, ox.QuerySolutions):
        return None
    names = [v.value for v in solutions.variables]
    rows = [{Variable(n): to_rdflib(solution[i]) for i, n in enumerate(names) if solution[i] is not None}
            for solution in solutions]
    return {"type_": "SELECT", "vars_": [Variable(n) for n in names], "bindings": rows}  # as rdflib's evalQuery


def _filters_outer_variables(text: str) -> bool:
    """Whether an OPTIONAL of the query has a FILTER on a variable that nothing else in the OPTIONAL
    binds (one bound outside it): Oxigraph evaluates such an OPTIONAL over the whole graph and
    filters its pairs with every row outside (the quote-sentence check: 0.4 s a document), rdflib
    once for each row."""
    masked = mask_sparql(text)
    for m in re.finditer(r"\bOPTIONAL\s*\{", masked, re.I):
        if _outer_filter_variables(masked[m.end():_closing(masked, m.end() - 1, "{", "}")]):
            return True
    return False


#: What a plain basic graph pattern is made of, once strings, IRIs and comments are masked: variables,
#: prefixed names, ``a``, numbers and the separators (no blank node, property path, literal suffix or group).
_PLAIN_BGP = re.compile(r"(?:\s+|[?$]\w+|[A-Za-z][\w-]*:(?:[\w-]+(?:\.[\w-]+)*)?|:[\w-]+|\ba\b|[;,.]"
                        r"|[-+]?\d+(?:\.\d+)?)*")
_GROUPS = re.compile(r"\bOPTIONAL\s*\{|[{}]", re.I)
_AFTER_BGP = re.compile(r"\b(?:OPTIONAL|FILTER|BIND|VALUES|MINUS|GRAPH|SERVICE)\b|[{}]", re.I)


def _bound_inside(text: str) -> str | None:
    """The query with the plain triple patterns that open its WHERE group (``B``) copied into each
    top-level OPTIONAL whose FILTER reads a variable bound outside it, when ``B`` binds every such
    variable; None when the query is not of that form.

    It means the same: every row the OPTIONAL extends holds one solution of ``B`` (``B`` is a basic
    graph pattern of variables and constants: one solution per binding of its variables), and the
    one solution of ``B`` inside the OPTIONAL compatible with that row is that same one, so each row
    is extended by the same solutions, each once, and the FILTER sees the same values. Oxigraph then
    evaluates the OPTIONAL from the focus node (the quote-sentence check over a delta's
    neighbourhood: 1 s for its documents with the FILTER reading ?text from outside, 10 ms so)."""
    masked = mask_sparql(text)
    where = re.search(r"\bWHERE\s*\{", masked, re.I) or re.search(r"\{", masked)
    if where is None:
        return None
    start = where.end()
    stop = _AFTER_BGP.search(masked, start)
    if stop is None or not _PLAIN_BGP.fullmatch(masked[start:stop.start()]):
        return None
    bgp = without_comments(text[start:stop.start()]).strip().rstrip(".").strip()
    bound = set(re.findall(r"[?$](\w+)", masked[start:stop.start()]))
    if not bgp:
        return None
    out, pos, depth, changed = [], 0, 1, False
    found = _GROUPS.search(masked, start)
    while found is not None and depth > 0:
        if found.group() in "{}":
            depth += 1 if found.group() == "{" else -1
            found = _GROUPS.search(masked, found.end())
            continue
        end = _closing(masked, found.end() - 1, "{", "}")
        block = masked[found.end():end - 1]
        outer = _outer_filter_variables(block)
        if outer and (depth != 1 or "{" in block or not outer <= bound):
            return None
        if outer:
            out.append(text[pos:found.end()] + " " + bgp + " . ")
            pos, changed = found.end(), True
        found = _GROUPS.search(masked, end)
    out.append(text[pos:])
    return "".join(out) if changed and not _filters_outer_variables("".join(out)) else None


def _outer_filter_variables(block: str) -> set[str]:
    """The variables the FILTERs of a group (masked text, without its braces) read that nothing else
    in the group binds."""
    filters, rest, pos = [], [], 0
    for f in re.finditer(r"\bFILTER\s*\(", block, re.I):
        if f.start() < pos:
            continue
        end = _closing(block, f.end() - 1, "(", ")")
        rest.append(block[pos:f.start()])
        filters.append(block[f.start():end])
        pos = end
    rest.append(block[pos:])
    own = set(re.findall(r"[?$](\w+)", "".join(rest)))
    return {v for f in filters for v in re.findall(r"[?$](\w+)", f)} - own


def _closing(text: str, start: int, opening: str, closing: str) -> int:
    """The offset just past the bracket that closes the one at ``start`` (the text's end if none)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == opening:
            depth += 1
        elif text[i] == closing:
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)
