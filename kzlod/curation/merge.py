"""Adding new assertions to a project's data files.

``add`` validates the new files together with the project's graph, routes
each subject (with the blank nodes hanging from it) to the data file that
should hold it, and rewrites the touched files canonically, all at once
(:func:`kzlod.files.safewrite.write_many_atomic`). Nothing is written when the new
assertions do not validate.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import DataError, InputError
from kzlod.files.safewrite import project_lock, recover, write_many_atomic
from kzlod.files.turtle import is_isomorphic, parse_turtle, serialize
from kzlod.gate.parse import ParsedFile, parse_files
from kzlod.gate.reading import LIMITS
from kzlod.project import Project
from kzlod.validation import grounding
from kzlod.validation.report import problem_lines
from kzlod.validation.shacl import validate
from kzlod.vocab import KZ, KZSRC, NAMESPACES

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
HAS_EVIDENCE = ox.NamedNode(KZ + "hasEvidence")
SENTENCE = ox.NamedNode(KZ + "sentence")
IN_SECTION = ox.NamedNode(KZ + "inSection")
HAS_SOURCE = ox.NamedNode("http://www.w3.org/ns/oa#hasSource")
SOURCE_CLASSES = {KZ + "SourceDocument", KZ + "Section", KZ + "Sentence"}


@dataclass
class FileChange:
    path: Path
    rel: str
    old_text: str
    new_text: str
    added: dict = field(default_factory=dict)  # subject -> list of new triples


@dataclass
class Plan:
    changes: list[FileChange]
    dry_run: bool
    prefixes: dict
    warnings: list[str] = field(default_factory=list)  # the grounding check's, one line each

    @property
    def triples(self) -> int:
        return sum(len(ts) for c in self.changes for ts in c.added.values())

    def text(self) -> str:
        verb = "would add" if self.dry_run else "added"
        warned = [f"warning: {line}" for line in self.warnings]
        if not self.triples:
            return "\n".join(["nothing to add: every triple is already in the data", *warned]) + "\n"
        out = []
        for change in self.changes:
            n = sum(len(ts) for ts in change.added.values())
            out.append(f"{verb} {n} triple{'s' * (n != 1)} to {change.rel}")
            if not self.dry_run:
                continue
            for subject in sorted(change.added, key=str):
                body = serialize(change.added[subject], self.prefixes)
                body_lines = [ln for ln in body.splitlines() if ln and not ln.startswith("@prefix")]
                out.append(f"  {_show(subject, self.prefixes)}")
                out.extend("    + " + ln for ln in body_lines)
        return "\n".join(out + warned) + "\n"


def _show(term, prefixes: dict) -> str:
    if isinstance(term, ox.NamedNode):
        for p, ns in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
            if term.value.startswith(ns) and re.fullmatch(r"[\w.-]+", term.value[len(ns):]):
                return f"{p}:{term.value[len(ns):]}"
        return f"<{term.value}>"
    return str(term)


def _trees(triples) -> dict:
    """Named subject -> its triples plus those of the blank nodes reachable from it."""
    by_subject = defaultdict(list)
    for t in triples:
        by_subject[t.subject].append(t)
    trees, attached = {}, set()
    for subject in [s for s in by_subject if isinstance(s, ox.NamedNode)]:
        tree, stack, seen = [], [subject], {subject}
        while stack:
            node = stack.pop()
            for t in by_subject.get(node, ()):
                tree.append(t)
                if isinstance(t.object, ox.BlankNode) and t.object not in seen:
                    seen.add(t.object)
                    stack.append(t.object)
        attached |= seen
        trees[subject] = tree
    loose = [s for s in by_subject if isinstance(s, ox.BlankNode) and s not in attached]
    if loose:
        raise InputError(f"a blank node ({loose[0]}) is not attached to any named subject; give it an IRI "
                         "or nest it under the subject it describes")
    return trees


class Router:
    """Decide which data file holds a subject."""

    def __init__(self, project: Project, files: dict[Path, tuple[list, dict]]):
        self.data = project.data_dir
        self.subject_file: dict = {}
        self.sentence_section: dict = {}
        self.section_files: dict = defaultdict(lambda: defaultdict(int))
        self.source_file: dict = {}
        # Two passes: every sentence's section first (the source files may come last in
        # name order), then which file cites which section.
        for path, (triples, _) in sorted(files.items()):
            for t in triples:
                if isinstance(t.subject, ox.NamedNode):
                    self.subject_file.setdefault(t.subject, path)
                if t.predicate == IN_SECTION:
                    self.sentence_section[t.subject] = t.object
        for path, (triples, _) in sorted(files.items()):
            for t in triples:
                if t.predicate == SENTENCE and t.object in self.sentence_section:
                    self.section_files[self.sentence_section[t.object]][path] += 1
                if t.predicate == HAS_SOURCE:
                    self.source_file.setdefault(t.object, path)

    def target(self, subject, tree) -> Path:
        if subject in self.subject_file:
            return self.subject_file[subject]
        types = {t.object.value for t in tree if t.subject == subject and t.predicate == RDF_TYPE}
        if subject.value.startswith(KZSRC) and types & SOURCE_CLASSES:
            slug = subject.value[len(KZSRC):].split("/")[0]
            return self.data / "sources" / f"{slug}.ttl"
        sentences = [t.object for t in tree if t.predicate == SENTENCE]
        for sentence in sentences:
            section = self.sentence_section.get(sentence)
            if section is not None and self.section_files.get(section):
                counts = self.section_files[section]
                return max(sorted(counts), key=lambda p: counts[p])
            if section is not None:
                doc, _, rest = section.value[len(KZSRC):].partition("/")
                return self.data / doc / f"section-{rest.rsplit('/', 1)[-1]}.ttl"
        for t in tree:
            if t.predicate == HAS_SOURCE and t.object.value.startswith(KZSRC):
                if t.object in self.source_file:
                    return self.source_file[t.object]
                return self.data / f"{t.object.value[len(KZSRC):].split('/')[0]}.ttl"
        return self.data / "entities.ttl"


def add(project: Project, files: list[Path], *, dry_run: bool = False) -> Plan:
    """Validate and merge under the project lock, so that concurrent adds serialise."""

    parsed = parse_files(files, allow_empty=False, max_statements=LIMITS["statements"])
    if dry_run:
        return _add(parsed, project, dry_run=True)
    with project_lock(project.data_dir):
        recover(project.data_dir, lock=False)
        return _add(parsed, project, dry_run=False)


def _add(parsed, project: Project, *, dry_run: bool) -> Plan:
    existing = {p: parse_turtle(p.read_bytes(), path=p) for p in project.data_files()}
    router = Router(project, existing)
    new_prefixes: dict = {}
    plan_add: dict = defaultdict(lambda: defaultdict(list))
    news = []  # each file's assertions the data does not hold yet: all that is validated and written
    for pf in parsed:
        for name, iri in pf.prefixes.items():
            new_prefixes.setdefault(name, iri)
        triples = [q.triple for q in pf.quads]
        fresh_here: set = set()
        for subject, tree in _trees(triples).items():
            target = router.target(subject, tree)
            fresh = _not_yet_there(subject, tree, existing.get(target, ([], {}))[0])
            if fresh:
                plan_add[target][subject].extend(fresh)
                fresh_here.update(fresh)
        quads = [q for q in pf.quads if q.triple in fresh_here]
        if quads:
            news.append(ParsedFile(path=pf.path, quads=quads, prefixes=pf.prefixes, text=pf.text))

    # what the data already holds was checked when it was added: validating it again beside itself
    # would count a blank-node time or evidence twice (added twice: refused instead of nothing added)
    report = validate(project, parsed=news) if news else None
    if report is not None and not report.conforms:
        details = problem_lines(report)
        n = len(details)
        raise DataError(f"{n} problem{'s' * (n != 1)} in the new assertions; nothing was changed", details=details)
    if report is not None:
        # values not worded in their evidence: warnings for the curator to look at (they do not refuse);
        # the shapes' own warnings are not the new assertions' fault and are not shown
        report.findings = [f for f in report.findings if f.shape == grounding.GROUNDING]

    changes, all_prefixes = [], dict(NAMESPACES)
    writes = {}
    for target in sorted(plan_add):
        old_triples, prefixes = existing.get(target, ([], {}))
        prefixes = dict(prefixes) or _default_prefixes()
        added = [t for ts in plan_add[target].values() for t in ts]
        used = _namespaces_of(added)
        for name, iri in new_prefixes.items():  # only those the added triples use: no unused prefix is copied
            if name not in prefixes and iri not in prefixes.values() and iri in used:
                prefixes[name] = iri
        all_prefixes.update(prefixes)
        merged = list(old_triples) + [t for ts in plan_add[target].values() for t in ts]
        text = serialize(merged, prefixes)
        rel = project.display(target)
        if not is_isomorphic(parse_turtle(text)[0], merged):
            raise DataError(f"{rel}: the merged file would not read back as the intended graph; nothing was changed")
        old_text = target.read_text(encoding="utf-8") if target.exists() else ""
        changes.append(FileChange(target, rel, old_text, text, dict(plan_add[target])))
        writes[target] = text
    if writes and not dry_run:
        for target in writes:
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            write_many_atomic(writes, root=project.data_dir, lock=False)
        except OSError as exc:  # a full disk, a read-only folder: the old files stay as they were
            where = exc.filename or project.data_dir
            raise InputError(f"{where}: cannot write: {exc.strerror or exc}; nothing was changed") from None
    return Plan(changes, dry_run, all_prefixes, problem_lines(report, "Warning") if report is not None else [])


def _namespaces_of(triples) -> set[str]:
    """Every namespace an IRI of these triples could be written under: each of its beginnings
    that ends in ``#``, ``/`` or ``:``."""
    found: set[str] = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object, getattr(t.object, "datatype", None)):
            iri = getattr(term, "value", None) if isinstance(term, ox.NamedNode) else None
            if iri:
                found.update(iri[: i + 1] for i, c in enumerate(iri) if c in "#/:")
    return found


def _index(triples) -> dict:
    by_subject = defaultdict(list)
    for t in triples:
        by_subject[t.subject].append(t)
    return by_subject


def _bnode_key(node, index: dict) -> str:
    """The content of a blank-node tree, independent of blank-node names: a digest of its
    statements, child trees by their own digest (iterative: lists and chains of any length)."""
    keys: dict = {}
    stack = [(node, False)]
    on_path: set = set()
    while stack:
        current, expanded = stack.pop()
        if current in keys:
            continue
        if not expanded:
            on_path.add(current)
            stack.append((current, True))
            for t in index.get(current, ()):
                if isinstance(t.object, ox.BlankNode) and t.object not in keys and t.object not in on_path:
                    stack.append((t.object, False))
            continue
        on_path.discard(current)
        parts = sorted(f"{t.predicate} " + (keys.get(t.object, "(cycle)") if isinstance(t.object, ox.BlankNode)
                                           else str(t.object)) for t in index.get(current, ()))
        keys[current] = hashlib.sha256(" ; ".join(parts).encode()).hexdigest()
    return keys[node]


def subtree(node, index: dict) -> list:
    """The triples of ``node`` and of every blank node reachable from it."""
    out, stack, seen = [], [node], {node}
    while stack:
        for t in index.get(stack.pop(), ()):
            out.append(t)
            if isinstance(t.object, ox.BlankNode) and t.object not in seen:
                seen.add(t.object)
                stack.append(t.object)
    return out


def _not_yet_there(subject, tree: list, existing: list) -> list:
    """The triples of a subject's tree that the file lacks; a blank-node tree (evidence, a time)
    counts as present when the subject already has one with the same content."""
    have = set(existing)
    old, new = _index(existing), _index(tree)
    old_keys = {(str(t.predicate), _bnode_key(t.object, old)) for t in old.get(subject, ())
                if isinstance(t.object, ox.BlankNode)}
    fresh = []
    for t in new.get(subject, ()):
        if isinstance(t.object, ox.BlankNode):
            if (str(t.predicate), _bnode_key(t.object, new)) not in old_keys:
                fresh.append(t)
                fresh.extend(subtree(t.object, new))
        elif t not in have:
            fresh.append(t)
    return fresh



def _default_prefixes() -> dict:
    keep = ("kz", "kzd", "kzsrc", "rdf", "rdfs", "xsd", "skos", "org", "prov", "time", "oa", "dcterms")
    return {k: NAMESPACES[k] for k in keep}
