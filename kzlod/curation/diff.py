"""``kzlod diff``: the facts added, removed and changed between two versions of the data.

Each side is a file, a folder (every ``*.ttl`` under it; a project folder
stands for its ``data/``) or a git revision of the project's ``data/``
(``HEAD~1``, or ``git:REV`` to say so explicitly), whose files are read with
``git show REV:path``.

A *fact* is a triple of a named subject; a blank node hanging from it (a
piece of evidence with its selectors, a time instant) is one value, compared
by its canonical Turtle (:func:`kzlod.files.turtle.serialize`), so blank-node
names never show up as changes. Blank-node trees that hang from no named
subject are compared whole. Facts are grouped by subject, shown with the
subject's label; a property whose values were both removed and added is
reported as changed. Counts of subjects per class are compared too.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod.curation.merge import subtree
from kzlod.errors import InputError, UsageError
from kzlod.files.turtle import serialize
from kzlod.gate.parse import parse_files
from kzlod.project import Project
from kzlod.vocab import NAMESPACES, compact

NS = NAMESPACES
RDF_TYPE = NS["rdf"] + "type"
LABELS = (NS["rdfs"] + "label", NS["skos"] + "prefLabel", NS["dcterms"] + "title")
_ANCHOR = ox.NamedNode("urn:kzlod:diff:anchor")
BARE = {"integer": re.compile(r"[+-]?[0-9]+"), "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
        "boolean": re.compile(r"true|false")}
#: Longest value shown by the text and Markdown renderings (JSON has them whole).
SHOW_CHARS = 160


@dataclass
class Side:
    ref: str
    kind: str  # file, folder or git
    files: list[str] = field(default_factory=list)
    triples: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"ref": self.ref, "kind": self.kind, "files": self.files, "triples": len(set(self.triples))}


# --------------------------------------------------------------------------- reading a side


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, timeout=60)
    except FileNotFoundError:
        raise UsageError("git is not installed, so a revision cannot be read") from None


def _is_revision(repo: Path, rev: str) -> bool:
    if rev.startswith("-"):
        return False
    proc = _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    return proc.returncode == 0


def _git_side(ref: str, rev: str, repo: Path) -> Side:
    if not _is_revision(repo, rev):
        raise UsageError(f"{ref}: not a git revision of {repo}")
    listing = _git(repo, "ls-tree", "-r", "--name-only", rev, "--", "data")
    if listing.returncode != 0:
        raise InputError(f"{ref}: cannot list data/ at {rev}: {listing.stderr.decode('utf-8', 'replace').strip()}")
    names = sorted(n for n in listing.stdout.decode("utf-8").splitlines() if n.endswith(".ttl"))
    side = Side(ref, "git")
    for name in names:
        blob = _git(repo, "show", f"{rev}:./{name}")
        if blob.returncode != 0:
            raise InputError(f"{rev}:{name}: cannot read: {blob.stderr.decode('utf-8', 'replace').strip()}")
        try:
            quads = list(ox.parse(blob.stdout, format=ox.RdfFormat.TURTLE, rename_blank_nodes=True))
        except SyntaxError as exc:
            raise InputError(f"{rev}:{name}: syntax error: {exc}") from None
        side.files.append(f"{rev}:{name}")
        side.triples.extend(q.triple for q in quads)
    return side


def _path_side(ref: str, path: Path) -> Side:
    if path.is_dir():
        folder = path / "data" if (path / "data").is_dir() else path
        files = sorted(p for p in folder.rglob("*.ttl")
                       if not any(part.startswith(".") for part in p.relative_to(folder).parts))
        kind = "folder"
    else:
        files, kind = [path], "file"
    side = Side(ref, kind)
    for pf in parse_files(files):
        side.files.append(str(pf.path))
        side.triples.extend(q.triple for q in pf.quads)
    return side


def load_side(ref: str, repo: Path) -> Side:
    """One side of the comparison: ``git:REV``, an existing file or folder, or a git revision."""
    if ref.startswith("git:"):
        return _git_side(ref, ref[4:], repo)
    path = Path(ref)
    if path.exists():
        return _path_side(ref, path)
    try:
        revision = _is_revision(repo, ref)
    except UsageError:  # no git here: the argument can only have been a path
        revision = False
    if revision:
        return _git_side(ref, ref, repo)
    raise UsageError(f"{ref}: no such file or folder, and not a git revision of {repo}")


# --------------------------------------------------------------------------- facts


def _tree_text(node, out_edges: dict) -> str:
    """The canonical Turtle of the blank-node tree below ``node``, as an object: ``[ … ]``."""

    triples = [ox.Triple(_ANCHOR, _ANCHOR, node)] + subtree(node, out_edges)
    body = serialize(triples, NS).split("\n\n")
    block = next(b for b in body if b.startswith(f"<{_ANCHOR.value}>"))
    lines = block[len(f"<{_ANCHOR.value}> <{_ANCHOR.value}> "):].removesuffix(" .").split("\n")
    return "\n".join([lines[0]] + [ln[4:] if ln.startswith("    ") else ln for ln in lines[1:]])


def _value_key(term, out_edges: dict, cache: dict) -> tuple:
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.Literal):
        return ("lit", term.value, term.datatype.value if not term.language else "", term.language or "")
    if term not in cache:
        cache[term] = ("tree", _tree_text(term, out_edges))
    return cache[term]


@dataclass
class Facts:
    by_subject: dict  # subject key -> set of (predicate IRI, value key)
    labels: dict  # subject IRI -> label
    types: dict  # subject key -> set of class IRIs


def facts(triples) -> Facts:
    triples = set(triples)
    out_edges: dict = defaultdict(list)
    has_parent = set()
    for t in triples:
        out_edges[t.subject].append(t)
        if isinstance(t.object, ox.BlankNode):
            has_parent.add(t.object)
    cache: dict = {}
    by_subject: dict = defaultdict(set)
    labels: dict = {}
    types: dict = defaultdict(set)
    for t in triples:
        s = t.subject
        if isinstance(s, ox.NamedNode):
            key = ("iri", s.value)
            by_subject[key].add((t.predicate.value, _value_key(t.object, out_edges, cache)))
            if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode):
                types[key].add(t.object.value)
            if t.predicate.value in LABELS and isinstance(t.object, ox.Literal) and t.object.language in (None, "en"):
                old = labels.get(s.value)
                rank = LABELS.index(t.predicate.value)
                if old is None or (rank, t.object.value) < old:
                    labels[s.value] = (rank, t.object.value)
    for node in [n for n in out_edges if isinstance(n, ox.BlankNode) and n not in has_parent]:
        by_subject[("tree", _tree_text(node, out_edges))].add(("", ("tree", "")))
    return Facts(dict(by_subject), {k: v[1] for k, v in labels.items()}, dict(types))


# --------------------------------------------------------------------------- comparing


def show_value(key: tuple) -> str:
    kind = key[0]
    if kind == "iri":
        c = compact(key[1])
        return c if c != key[1] else f"<{key[1]}>"
    if kind == "lit":
        _, value, dtype, lang = key
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if lang:
            return f"{text}@{lang}"
        bare = BARE.get(dtype.removeprefix(NS["xsd"])) if dtype.startswith(NS["xsd"]) else None
        if bare is not None and bare.fullmatch(value):
            return value  # as Turtle writes it: 42, 1.5, true
        if dtype and dtype != NS["xsd"] + "string":
            return f"{text}^^{compact(dtype)}"
        return text
    return key[1]


def show_property(iri: str) -> str:
    return "a" if iri == RDF_TYPE else compact(iri)


def diff(project: Project, old: str, new: str) -> dict:
    """Compare two versions of the data (files, folders or git revisions of ``project``'s data/;
    outside a project, of the git repository here)."""
    repo = Path.cwd() if project.bundled else project.root
    a, b = load_side(old, repo), load_side(new, repo)
    fa, fb = facts(a.triples), facts(b.triples)
    labels = {**fa.labels, **fb.labels}
    subjects = []
    totals = {"added": 0, "removed": 0}
    for key in sorted(set(fa.by_subject) | set(fb.by_subject), key=lambda k: (k[0] != "iri", compact(k[1]))):
        before, after = fa.by_subject.get(key, set()), fb.by_subject.get(key, set())
        if before == after:
            continue
        removed, added = before - after, after - before
        if key[0] == "tree":  # a whole statement about a blank node
            status = "added" if added else "removed"
            subjects.append({"subject": None, "id": key[1], "label": "", "status": status, "types": [],
                             "added": [], "removed": [], "changed": []})
            totals[status] += 1
            continue
        totals["added"] += len(added)
        totals["removed"] += len(removed)
        by_p_old: dict = defaultdict(list)
        by_p_new: dict = defaultdict(list)
        for p, v in removed:
            by_p_old[p].append(v)
        for p, v in added:
            by_p_new[p].append(v)
        entry = {"subject": key[1], "id": compact(key[1]), "label": labels.get(key[1], ""),
                 "status": "added" if not before else "removed" if not after else "changed",
                 "types": sorted(compact(t) for t in (fb.types.get(key) or fa.types.get(key) or ())),
                 "added": [], "removed": [], "changed": []}
        for p in sorted(set(by_p_old) | set(by_p_new), key=lambda p: (p != RDF_TYPE, show_property(p))):
            olds = sorted(show_value(v) for v in by_p_old.get(p, ()))
            news = sorted(show_value(v) for v in by_p_new.get(p, ()))
            if olds and news:
                entry["changed"].append({"property": show_property(p), "old": olds, "new": news})
            elif news:
                entry["added"].extend({"property": show_property(p), "value": v} for v in news)
            else:
                entry["removed"].extend({"property": show_property(p), "value": v} for v in olds)
        subjects.append(entry)
    count_a, count_b = _class_counts(fa), _class_counts(fb)
    classes = [{"class": compact(c), "old": count_a.get(c, 0), "new": count_b.get(c, 0),
                "change": count_b.get(c, 0) - count_a.get(c, 0)}
               for c in sorted(set(count_a) | set(count_b), key=compact)]
    summary = {status: sum(1 for s in subjects if s["status"] == status) for status in ("added", "removed", "changed")}
    return {"old": a.as_dict(), "new": b.as_dict(), "classes": classes, "subjects": subjects,
            "summary": {"subjectsAdded": summary["added"], "subjectsRemoved": summary["removed"],
                        "subjectsChanged": summary["changed"], "factsAdded": totals["added"],
                        "factsRemoved": totals["removed"]}}


def _class_counts(f: Facts) -> dict:
    counts: dict = defaultdict(int)
    for types in f.types.values():
        for t in types:
            counts[t] += 1
    return counts


# --------------------------------------------------------------------------- rendering


def _summary_line(d: dict) -> str:
    s = d["summary"]
    return (f"{s['subjectsAdded']} subjects added, {s['subjectsRemoved']} removed, {s['subjectsChanged']} changed; "
            f"{s['factsAdded']} facts added, {s['factsRemoved']} removed")


def _title(entry: dict) -> str:
    if entry["subject"] is None:
        return "[] (a statement about a blank node)"
    extra = entry["label"] or ", ".join(entry["types"])
    return entry["id"] + (f" ({extra})" if extra else "")


def _clip(value: str) -> str:
    if len(value) <= SHOW_CHARS or "\n" in value:
        return value
    return value[: SHOW_CHARS - 1] + f"… ({len(value)} characters)"


def _lines(entry: dict) -> list[tuple[str, str]]:
    """(sign, text) lines of one subject's changes; multi-line values stay multi-line."""
    if entry["subject"] is None:
        return [("+" if entry["status"] == "added" else "-", entry["id"] + " .")]
    out = []
    for f in entry["removed"]:
        out.append(("-", f"{f['property']} {_clip(f['value'])}"))
    for c in entry["changed"]:
        out.extend(("-", f"{c['property']} {_clip(v)}") for v in c["old"])
        out.extend(("+", f"{c['property']} {_clip(v)}") for v in c["new"])
    for f in entry["added"]:
        out.append(("+", f"{f['property']} {_clip(f['value'])}"))
    return out


def diff_text(d: dict) -> str:
    lines = [f"--- {d['old']['ref']}  ({d['old']['triples']} triples in {len(d['old']['files'])} files)",
             f"+++ {d['new']['ref']}  ({d['new']['triples']} triples in {len(d['new']['files'])} files)", ""]
    if not d["subjects"]:
        return "\n".join(lines + ["no differences"]) + "\n"
    changed = [c for c in d["classes"] if c["change"]]
    if changed:
        lines.append("subjects per class:")
        width = max(len(c["class"]) for c in changed)
        for c in changed:
            lines.append(f"  {c['class']:<{width}}  {c['old']:>5} → {c['new']:<5} ({c['change']:+d})")
        lines.append("")
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for entry in d["subjects"]:
        lines.append(f"{marks[entry['status']]} {_title(entry)}  [{entry['status']}]")
        for sign, text in _lines(entry):
            first, *rest = text.split("\n")
            lines.append(f"    {sign} {first}")
            lines.extend(f"      {r}" for r in rest)
    lines += ["", _summary_line(d)]
    return "\n".join(lines) + "\n"


def diff_markdown(d: dict) -> str:
    lines = [f"# Changes from `{d['old']['ref']}` to `{d['new']['ref']}`", "", _summary_line(d) + ".", ""]
    if not d["subjects"]:
        return "\n".join(lines + ["No differences."]) + "\n"
    changed = [c for c in d["classes"] if c["change"]]
    if changed:
        lines += ["## Subjects per class", "", f"| class | `{d['old']['ref']}` | `{d['new']['ref']}` | change |",
                  "|---|---:|---:|---:|"]
        lines += [f"| `{c['class']}` | {c['old']} | {c['new']} | {c['change']:+d} |" for c in changed]
        lines.append("")
    lines += ["## Subjects", ""]
    for entry in d["subjects"]:
        lines += [f"### `{entry['id'] if entry['subject'] else '[]'}`"
                  + (f" {entry['label']}" if entry["label"] else "") + f" ({entry['status']})", "", "```diff"]
        for sign, text in _lines(entry):
            first, *rest = text.split("\n")
            lines.append(f"{sign} {first}")
            lines.extend(f"{sign}   {r}" for r in rest)
        lines += ["```", ""]
    return "\n".join(lines)


def diff_json(d: dict) -> str:
    return json.dumps(d, indent=2, ensure_ascii=False) + "\n"
