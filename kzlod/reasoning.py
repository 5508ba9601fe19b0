"""OWL 2 RL reasoning with owlrl, kept apart from the asserted data.

The closure is computed on a copy of ontology + data; what it adds (the
*inferred* triples) is returned on its own and cached on disk by the content
hash of its inputs, so repeated ``--inferred`` queries do not re-run owlrl.
owlrl can produce triples that are not RDF (literals as subjects); those are
dropped and counted. Inconsistencies (owlrl's error messages, members of
``owl:Nothing``, individuals in two disjoint classes) are explained, never
written into any graph.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod import __version__

OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@dataclass
class Closure:
    inferred: list  # pyoxigraph Triples added by reasoning
    clashes: list[str] = field(default_factory=list)
    dropped: int = 0
    cached: bool = False
    key: str = ""

    @property
    def consistent(self) -> bool:
        return not self.clashes


def cache_dir() -> Path:
    base = os.environ.get("KZLOD_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "kzlod"
    )
    return Path(base)


def input_key(chunks: list[bytes]) -> str:
    import owlrl

    h = hashlib.sha256(f"kzlod {__version__} owlrl {getattr(owlrl, '__version__', '?')}\n".encode())
    for chunk in chunks:
        h.update(hashlib.sha256(chunk).digest())
    return h.hexdigest()


def _label(g, node) -> str:
    from rdflib import URIRef

    for lab in g.objects(node, URIRef(RDFS_LABEL)):
        return f"{lab} <{node}>"
    return f"<{node}>" if isinstance(node, URIRef) else "a blank node"


def find_clashes(g) -> list[str]:
    """Explain every inconsistency in an OWL RL closure (an rdflib graph)."""
    from owlrl.Namespaces import ERRNS
    from rdflib import RDF, URIRef
    from rdflib.namespace import OWL as OWLNS

    clashes = []
    for msg in g.subjects(RDF.type, ERRNS.ErrorMessage):
        for text in g.objects(msg, ERRNS.error):
            clashes.append(" ".join(str(text).split()))
    for node in g.subjects(RDF.type, OWLNS.Nothing):
        clashes.append(f"{_label(g, node)} is a member of owl:Nothing")
    disjoint_pairs = set()
    for a, b in g.subject_objects(OWLNS.disjointWith):
        disjoint_pairs.add((a, b))
    for group in g.subjects(RDF.type, OWLNS.AllDisjointClasses):
        from rdflib.collection import Collection

        for lst in g.objects(group, OWLNS.members):
            members = list(Collection(g, lst))
            disjoint_pairs.update((x, y) for i, x in enumerate(members) for y in members[i + 1:])
    for a, b in sorted(disjoint_pairs):
        both = set(g.subjects(RDF.type, a)) & set(g.subjects(RDF.type, b))
        for node in sorted(both):
            clashes.append(f"{_label(g, node)} is both a {_label(g, a)} and a {_label(g, b)}, which are disjoint")
    return sorted(set(clashes))


def compute(graph) -> Closure:
    """Run owlrl on a copy of an rdflib graph; return only what it added."""
    import owlrl
    from rdflib import BNode, Graph, Literal, URIRef

    from kzlod.rdfconv import from_rdflib

    work = Graph()
    for t in graph:
        work.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False,
                           datatype_axioms=False).expand(work)
    clashes = find_clashes(work)
    from owlrl.Namespaces import ERRNS

    inferred, dropped = [], 0
    for s, p, o in work:
        if (s, p, o) in graph:
            continue
        if str(p).startswith(str(ERRNS)) or o == ERRNS.ErrorMessage:
            continue
        if isinstance(s, Literal) or not isinstance(p, URIRef):
            dropped += 1
            continue
        if not isinstance(s, (URIRef, BNode)):
            dropped += 1
            continue
        inferred.append(ox.Triple(from_rdflib(s), from_rdflib(p), from_rdflib(o)))
    return Closure(inferred=inferred, clashes=clashes, dropped=dropped)


def cached_closure(key: str, build) -> Closure:
    """The closure for these inputs from the cache, or build it and store it."""
    folder = cache_dir()
    nt, meta = folder / f"closure-{key}.nt", folder / f"closure-{key}.meta"
    if nt.is_file() and meta.is_file():
        try:
            lines = meta.read_text(encoding="utf-8").splitlines()
            dropped = int(lines[0])
            inferred = [q.triple for q in ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES)]
            return Closure(inferred=inferred, clashes=lines[1:], dropped=dropped, cached=True, key=key)
        except (OSError, ValueError, SyntaxError, IndexError):
            pass  # a damaged cache entry is rebuilt
    closure = build()
    closure.key = key
    try:
        folder.mkdir(parents=True, exist_ok=True)
        data = ox.serialize(sorted(closure.inferred, key=str), format=ox.RdfFormat.N_TRIPLES)
        for target, payload in ((nt, data), (meta, "\n".join([str(closure.dropped), *closure.clashes]).encode())):
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            os.replace(tmp, target)
    except OSError:
        pass  # no cache is no error
    return closure
