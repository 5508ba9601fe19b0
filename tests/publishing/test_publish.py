"""kzlod publish: stable bytes, dumps that read back as the graph, VoID counts, checksums, safe pages."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
import subprocess
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kzlod.cli import cli
from kzlod.files.turtle import format_text, is_isomorphic
from kzlod.project import bundled

ROOT = Path(__file__).resolve().parents[2]
KZSRC = "https://w3id.org/kzlod/id/source/"
KZD = "https://w3id.org/kzlod/id/"
ONTOLOGY_GRAPH = "https://w3id.org/kzlod/ontology"
ENTITIES_GRAPH = "https://w3id.org/kzlod/graph/entities"
INFERRED_GRAPH = "https://w3id.org/kzlod/graph/inferred"
PREFIXES = """PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX spdx: <http://spdx.org/rdf/terms#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
           "jsonld": ox.RdfFormat.JSON_LD, "rdf": ox.RdfFormat.RDF_XML}

EVIL_LABEL = 'Free <script>alert("x")</script> & Co'
EVIL = f"""@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

kzd:test-free-state a kz:State ;
    rdfs:label "{EVIL_LABEL.replace('"', chr(92) + '"')}"@en ;
    skos:altLabel "<img src=x onerror=alert(1)>"@en ;
    kz:iso3166Alpha2 "ZZ" .
"""


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def input_files(extra: Path) -> list[tuple[str, Path]]:
    found = [(p.relative_to(ROOT).as_posix(), p) for p in sorted((ROOT / "ontology").glob("*.ttl"))]
    found += [(p.relative_to(ROOT).as_posix(), p) for p in sorted((ROOT / "data").rglob("*.ttl"))]
    return found + [("extra", extra)]


def expected_graph(rel: str) -> str:
    """The named graph of an input file, by the file layout of docs/model.md."""
    parts = rel.split("/")
    if parts[0] == "ontology":
        return ONTOLOGY_GRAPH
    if rel in ("extra", "data/entities.ttl"):
        return ENTITIES_GRAPH
    if parts[1] == "sources":  # data/sources/<slug>.ttl
        return KZSRC + Path(parts[2]).stem
    if len(parts) == 3:  # data/<slug>/<section>.ttl
        return KZSRC + parts[1]
    return KZSRC + Path(parts[1]).stem  # data/<slug>.ttl


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """The bundled graph plus a file with hostile labels, published twice (closure cold, then cached)."""
    base = tmp_path_factory.mktemp("publish")
    evil = base / "evil.ttl"
    evil.write_text(EVIL, encoding="utf-8")
    env = {"KZLOD_CACHE_DIR": str(base / "cache")}
    summaries = []
    for name in ("a", "b"):
        res = run("publish", str(base / name), "--data", str(evil), "--format", "json", env=env)
        assert res.exit_code == 0, res.output
        summaries.append(json.loads(res.stdout))
    return {"a": base / "a", "b": base / "b", "evil": evil, "summaries": summaries}


@pytest.fixture(scope="module")
def expected(release):
    """The graph, read independently of kzlod.publishing.release: each file parsed on its own,
    and its OWL RL closure."""
    from kzlod.reasoning.engines import compute
    from kzlod.store.rdfconv import graph_of

    per_file = {}
    for rel, path in input_files(release["evil"]):
        per_file[rel] = {q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE,
                                                    rename_blank_nodes=True)}
    asserted = set().union(*per_file.values())
    inferred = set(compute(graph_of(asserted)).inferred) - asserted
    return {"per_file": per_file, "asserted": asserted, "inferred": inferred, "closure": asserted | inferred}


# --- stability --------------------------------------------------------------------------

def test_two_runs_give_identical_bytes(release):
    a, b = files_of(release["a"]), files_of(release["b"])
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name] == b[name], f"{name} differs between two runs"
    first, second = release["summaries"]
    assert first["closure_cached"] is False and second["closure_cached"] is True


def test_summary_matches_what_was_written(release, expected):
    summary = release["summaries"][0]
    written = files_of(release["a"])
    assert summary["files"] == len(written)
    assert summary["bytes"] == sum(len(b) for b in written.values())
    assert summary["triples"] == len(expected["asserted"])
    assert summary["inferred"] == len(expected["inferred"])
    assert summary["entity_pages"] == len([n for n in written if n.startswith("id/")])
    assert summary["seconds"] > 0


def test_gzip_members_have_no_name_and_no_time(release):
    for path in sorted((release["a"] / "dumps").glob("*.gz")):
        raw = path.read_bytes()
        assert raw[4:8] == b"\0\0\0\0", f"{path.name}: gzip mtime is set"
        assert raw[3] & 0x08 == 0, f"{path.name}: gzip member carries a file name"
        assert gzip.decompress(raw) == path.with_suffix("").read_bytes()


# --- dumps --------------------------------------------------------------------------------

def dump_paths(folder: Path, closure: bool) -> dict[str, Path]:
    out = {}
    for path in sorted((folder / "dumps").iterdir()):
        m = re.match(r"kzlod-(.+?)(-closure)?\.(\w+)(\.gz)?$", path.name)
        assert m, path.name
        if bool(m.group(2)) == closure:
            out[m.group(3) + (m.group(4) or "")] = path
    return out


def read_dump(path: Path) -> list:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
        ext = path.with_suffix("").suffix[1:]
    else:
        ext = path.suffix[1:]
    return list(ox.parse(raw, format=FORMATS[ext]))


@pytest.mark.parametrize("closure", [False, True], ids=["asserted", "closure"])
def test_every_dump_reads_back_as_the_graph(release, expected, closure):
    want = expected["closure" if closure else "asserted"]
    paths = dump_paths(release["a"], closure)
    assert sorted(paths) == sorted([ext for ext in FORMATS] + [ext + ".gz" for ext in FORMATS])
    for name, path in paths.items():
        quads = read_dump(path)
        triples = {q.triple for q in quads}
        if not name.startswith("nq"):
            assert len(quads) == len(want), name
        assert len(triples) == len(want), name
        assert is_isomorphic(triples, want), f"{path.name} is not the published graph"


@pytest.mark.parametrize("closure", [False, True], ids=["asserted", "closure"])
def test_nquads_hold_one_graph_per_source(release, expected, closure):
    quads = read_dump(dump_paths(release["a"], closure)["nq"])
    by_graph: dict[str, set] = {}
    for q in quads:
        assert not isinstance(q.graph_name, ox.DefaultGraph), "every quad is in a named graph"
        by_graph.setdefault(q.graph_name.value, set()).add(q.triple)
    want: dict[str, set] = {}
    for rel, triples in expected["per_file"].items():
        want.setdefault(expected_graph(rel), set()).update(triples)
    if closure:
        want[INFERRED_GRAPH] = expected["inferred"]
    assert sorted(by_graph) == sorted(want)
    assert {ONTOLOGY_GRAPH, ENTITIES_GRAPH, KZSRC + "foreign-policy"} <= set(by_graph)
    for graph, triples in want.items():
        if graph == INFERRED_GRAPH:  # its blank nodes are those of the other graphs
            assert len(by_graph[graph]) == len(triples)
            ground = {t for t in triples if not any(isinstance(x, ox.BlankNode) for x in (t.subject, t.object))}
            assert ground <= by_graph[graph]
        else:
            assert is_isomorphic(by_graph[graph], triples), f"graph <{graph}> is not its files' triples"


def test_dump_lines_are_sorted_and_turtle_is_canonical(release):
    for closure in (False, True):
        paths = dump_paths(release["a"], closure)
        for ext in ("nt", "nq"):
            lines = paths[ext].read_text(encoding="utf-8").splitlines()
            assert lines == sorted(lines)
            assert not any("_:" in line and not re.search(r"_:c14n\d+", line) for line in lines)
        text = paths["ttl"].read_text(encoding="utf-8")
        assert format_text(text) == text


# --- void.ttl -------------------------------------------------------------------------------

def void_store(folder: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(folder / "void.ttl"), format=ox.RdfFormat.TURTLE, base_iri=(folder / "void.ttl").as_uri())
    return store


def local_file(url: str) -> Path:
    parsed = urllib.parse.urlparse(url)
    assert parsed.scheme == "file", f"download URL {url} is not relative to void.ttl"
    return Path(urllib.parse.unquote(parsed.path))


def ask_one(store, sparql: str):
    rows = list(store.query(PREFIXES + sparql))
    assert len(rows) == 1, sparql
    return rows[0]


def count(store, sparql: str) -> int:
    return int(ask_one(store, sparql)[0].value)


def test_void_counts_equal_sparql_counts_on_the_dumps(release):
    folder = release["a"]
    void = void_store(folder)
    datasets = [row["d"] for row in void.query(PREFIXES + "SELECT ?d WHERE { ?d a void:Dataset } ORDER BY ?d")]
    assert len(datasets) == 2
    primary = ask_one(void, "SELECT ?d WHERE { ?desc a void:DatasetDescription ; foaf:primaryTopic ?d }")["d"]
    assert primary in datasets
    for d in datasets:
        dump = ask_one(void, f'SELECT ?u WHERE {{ {d} void:dataDump ?u FILTER(STRENDS(STR(?u), ".nt")) }}')["u"]
        data = ox.Store()
        data.load(path=str(local_file(dump.value)), format=ox.RdfFormat.N_TRIPLES)
        space = ask_one(void, f"SELECT ?s WHERE {{ {d} void:uriSpace ?s }}")["s"].value
        real = {
            "triples": count(data, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
            "entities": count(data, f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o '
                                    f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{space}")) }}'),
            "distinctSubjects": count(data, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
            "distinctObjects": count(data, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
            "properties": count(data, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
            "classes": count(data, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"),
        }
        for key, value in real.items():
            assert count(void, f"SELECT ?n WHERE {{ {d} void:{key} ?n }}") == value, (d, key)
        classes = {r["c"].value: int(r["n"].value) for r in data.query(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")}
        said = {r["c"].value: int(r["n"].value) for r in void.query(
            PREFIXES + f"SELECT ?c ?n WHERE {{ {d} void:classPartition [ void:class ?c ; void:entities ?n ] }}")}
        assert said == classes
        props = {r["p"].value: int(r["n"].value) for r in data.query(
            "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")}
        said = {r["p"].value: int(r["n"].value) for r in void.query(
            PREFIXES + f"SELECT ?p ?n WHERE {{ {d} void:propertyPartition [ void:property ?p ; void:triples ?n ] }}")}
        assert said == props
        vocabularies = [r["v"].value for r in void.query(PREFIXES + f"SELECT ?v WHERE {{ {d} void:vocabulary ?v }}")]
        assert vocabularies and all(any(p.startswith(v) for p in list(props) + list(classes)) for v in vocabularies)
        sources = {r["s"].value for r in data.query(
            "SELECT DISTINCT ?s WHERE { ?e <http://www.w3.org/ns/oa#hasSource> ?s }")}
        said = {r["s"].value for r in void.query(PREFIXES + f"SELECT ?s WHERE {{ {d} dcterms:source ?s }}")}
        assert sources and sources <= said


def content_hash(extra: Path) -> str:
    """The default version's suffix, computed independently: the input files' SHA-256s, sorted, hashed."""
    h = hashlib.sha256()
    for digest in sorted(hashlib.sha256(p.read_bytes()).digest() for _, p in input_files(extra)):
        h.update(digest)
    return h.hexdigest()[:8]


def newest_change(extra: Path) -> str:
    import datetime

    newest = max(p.stat().st_mtime for _, p in input_files(extra))
    return datetime.datetime.fromtimestamp(newest, datetime.UTC).date().isoformat()


def test_void_names_the_release(release):
    void = void_store(release["a"])
    ontology = ox.Store()
    ontology.load(path=str(ROOT / "ontology" / "kzlod.ttl"), format=ox.RdfFormat.TURTLE)
    meta = ask_one(ontology, "SELECT ?v ?m ?lic WHERE { ?o a owl:Ontology ; owl:versionInfo ?v ; "
                             "dcterms:modified ?m ; dcterms:license ?lic }")
    for d in [row["d"] for row in void.query(PREFIXES + "SELECT ?d WHERE { ?d a void:Dataset }")]:
        row = ask_one(void, f"SELECT ?t ?desc ?lic ?v ?issued ?creator WHERE {{ {d} dcterms:title ?t ; "
                            f"dcterms:description ?desc ; dcterms:license ?lic ; dcat:version ?v ; "
                            f"dcterms:issued ?issued ; dcterms:creator ?creator }}")
        assert row["v"].value == f"{meta['v'].value}+{content_hash(release['evil'])}"
        assert row["issued"].value == max(meta["m"].value, newest_change(release["evil"]))
        assert row["lic"] == meta["lic"]
        assert row["t"].value and row["desc"].value
        rights = ask_one(void, f"SELECT ?r WHERE {{ {d} dcterms:rights [ a dcterms:RightsStatement ; "
                               "rdfs:label ?r ] }")
        assert "works of their authors" in rights["r"].value
        licences = [r["lic"] for r in void.query(PREFIXES + f"SELECT ?lic WHERE {{ {d} dcat:distribution ?dist . "
                                                             "OPTIONAL { ?dist dcterms:license ?lic } }")]
        assert licences and set(licences) == {meta["lic"]}, "every distribution has the ontology's licence"


def test_distributions_and_sha256sums_verify(release):
    folder = release["a"]
    void = void_store(folder)
    rows = list(void.query(PREFIXES + """SELECT ?u ?size ?sum ?mt WHERE {
        ?d dcat:distribution ?dist .
        ?dist a dcat:Distribution ; dcat:downloadURL ?u ; dcat:byteSize ?size ; dcat:mediaType ?mt ;
              spdx:checksum [ spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue ?sum ] }"""))
    dumps = {p.relative_to(folder).as_posix() for p in (folder / "dumps").iterdir()}
    seen = set()
    for row in rows:
        path = local_file(row["u"].value)
        data = path.read_bytes()
        assert int(row["size"].value) == len(data), path.name
        assert row["sum"].value == hashlib.sha256(data).hexdigest(), path.name
        assert row["mt"].value.startswith("https://www.iana.org/assignments/media-types/")
        seen.add(path.relative_to(folder).as_posix())
    assert seen == dumps and len(rows) == len(dumps)

    listed = {}
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    on_disk = set(files_of(folder)) - {"SHA256SUMS"}
    assert set(listed) == on_disk
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    if shutil.which("sha256sum"):
        proc = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=folder, capture_output=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


# --- HTML -------------------------------------------------------------------------------------

class Page(HTMLParser):
    """Tags, attributes, ids and text of one HTML page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self.h1 = ""
        self._in_h1 = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        self._in_h1 = tag == "h1"

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_h1:
            self.h1 += data

    def links(self) -> list[str]:
        return [a["href"] for tag, a in self.tags if tag == "a" and "href" in a]


def html_pages(folder: Path) -> dict[str, Page]:
    return {p.relative_to(folder).as_posix(): Page(p.read_text(encoding="utf-8")) for p in folder.rglob("*.html")}


def test_every_labelled_entity_has_a_page_named_by_its_label(release):
    from kzlod import api

    store = api.load(data=[release["evil"]])
    rows = api.run_query(
        store, f'SELECT DISTINCT ?e ?l WHERE {{ ?e rdfs:label ?l FILTER(STRSTARTS(STR(?e), "{KZD}")) }}').rows
    labels: dict[str, set] = {}
    for e, label in rows:
        labels.setdefault(e.value, set()).add(label.value)
    folder = release["a"]
    index = Page((folder / "index.html").read_text(encoding="utf-8"))
    pages = {p.relative_to(folder).as_posix() for p in (folder / "id").glob("*.html")}
    assert len(pages) == len(labels)
    found = set()
    for name in pages:
        page = Page((folder / name).read_text(encoding="utf-8"))
        iris = [e for e in labels if e in "".join(page.text)]
        owner = [e for e in iris if page.h1 in labels[e]]
        assert owner, f"{name}: its heading {page.h1!r} is no entity's label"
        assert name in index.links(), f"the index does not link {name}"
        found.update(owner)
    assert found == set(labels)


def test_pages_escape_values_and_load_nothing(release):
    folder = release["a"]
    pages = html_pages(folder)
    evil_pages = [name for name, page in pages.items() if page.h1 == EVIL_LABEL]
    assert len(evil_pages) == 1
    raw = (folder / evil_pages[0]).read_text(encoding="utf-8")
    assert "&lt;script&gt;" in raw and "&lt;img src=x" in raw
    for name, page in pages.items():
        text = (folder / name).read_text(encoding="utf-8")
        assert "<script" not in text.lower(), name
        assert "<img" not in text.lower(), name
        csp = [a.get("content", "") for tag, a in page.tags
               if tag == "meta" and a.get("http-equiv", "").lower() == "content-security-policy"]
        assert csp and "default-src 'none'" in csp[0] and "script-src" not in csp[0], name
        for tag, attrs in page.tags:
            assert tag not in ("script", "link", "iframe", "object", "embed"), (name, tag)
            for attr, value in attrs.items():
                assert not attr.startswith("on"), (name, tag, attr)
                if attr in ("src", "srcset", "data", "poster", "background", "action", "formaction"):
                    raise AssertionError(f"{name}: <{tag} {attr}={value!r}> loads something")
                if attr == "style":
                    assert "url(" not in value, name
        assert not re.search(r"url\(\s*['\"]?https?:", text), f"{name}: CSS loads a remote asset"
        outbound = [h for h in page.links() if re.match(r"^[a-z][a-z0-9+.-]*:", h, re.I)]
        if name.startswith("id/"):
            assert all(h.startswith("https://www.wikidata.org/wiki/Q") for h in outbound), (name, outbound)
        assert not [h for h in outbound if h.lower().startswith(("javascript:", "data:"))], name


def test_relative_links_resolve_to_files_and_anchors(release):
    folder = release["a"]
    pages = html_pages(folder)
    index = pages["index.html"]
    targets = {urllib.parse.urldefrag(h)[0] for h in index.links()}
    for required in ("ontology.html", "void.ttl", "SHA256SUMS"):
        assert required in targets
    assert any(t.startswith("dumps/") for t in targets) and any(t.startswith("id/") for t in targets)
    for name, page in pages.items():
        for href in page.links():
            if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I):
                continue
            path, fragment = urllib.parse.urldefrag(href)
            target = (folder / name).parent / urllib.parse.unquote(path) if path else folder / name
            assert target.resolve().is_file(), f"{name}: link {href} goes nowhere"
            assert folder.resolve() in target.resolve().parents
            if fragment and target.suffix == ".html":
                other = pages[target.resolve().relative_to(folder.resolve()).as_posix()]
                assert fragment in other.ids, f"{name}: link {href} has no anchor"


def test_entity_page_shows_claims_with_their_source_sentences(release):
    from kzlod import api

    store = api.load()
    rows = api.run_query(store, """SELECT ?text ?exact WHERE {
        ?claim kz:tone ?tone ; kz:relation/kz:party kzd:russia ; kz:hasEvidence ?ev .
        ?ev kz:sentence/rdf:value ?text ; oa:hasSelector/oa:exact ?exact }""").rows
    assert rows
    russia = [p for p in html_pages(release["a"]).values() if p.h1 == "Russia"]
    assert len(russia) == 1
    text = "".join(russia[0].text)
    for sentence, exact in rows:
        assert sentence.value in text and exact.value in text
    matches = api.run_query(store, "SELECT ?w WHERE { kzd:russia skos:exactMatch ?w }").rows
    items = [w.value.rsplit("/", 1)[-1] for (w,) in matches]
    assert items
    for item in items:
        assert "https://www.wikidata.org/wiki/" + item in russia[0].links()


def test_ontology_page_documents_every_class_property_and_concept(release):
    store = ox.Store()
    store.load(path=str(ROOT / "ontology" / "kzlod.ttl"), format=ox.RdfFormat.TURTLE)
    rows = list(store.query(PREFIXES + """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?t ?label WHERE {
          VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty skos:Concept skos:ConceptScheme }
          ?t a ?kind ; rdfs:label ?label .
          FILTER(STRSTARTS(STR(?t), "https://w3id.org/kzlod/ontology#")) }"""))
    assert len(rows) > 50
    page = Page((release["a"] / "ontology.html").read_text(encoding="utf-8"))
    text = "".join(page.text)
    for row in rows:
        assert row["t"].value.split("#")[1] in page.ids, row["t"].value
        assert row["label"].value in text


# --- refusals -----------------------------------------------------------------------------------

def test_refuses_a_folder_that_is_not_a_release(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    res = run("publish", str(tmp_path), "--force")
    assert res.exit_code == 2
    assert "not an earlier kzlod release" in res.stderr
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    res = run("publish", str(tmp_path))
    assert res.exit_code == 2 and "--force" in res.stderr


@pytest.mark.parametrize("args, code, message", [
    (["--date", "2026-02-30"], 2, "--date"),
    (["--date", "yesterday"], 2, "--date"),
    (["--version", "1.0/../x"], 2, "--version"),
    (["--sparql-endpoint", "ftp://x"], 2, "--sparql-endpoint"),
    (["--data", "no-such-file.ttl"], 3, "no-such-file.ttl: no such file"),
])
def test_usage_and_input_errors(tmp_path, args, code, message):
    res = run("publish", str(tmp_path / "out"), *args)
    assert res.exit_code == code, res.output
    assert message in res.stderr and "Traceback" not in res.output
    assert not (tmp_path / "out").exists()


def test_syntax_error_in_data_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix kzd: <https://w3id.org/kzlod/id/> .\nkzd:x kzd:y .\n", encoding="utf-8")
    res = run("publish", str(tmp_path / "out"), "--data", str(bad))
    assert res.exit_code == 3
    assert re.search(r"bad\.ttl:2:\d+: ", res.stderr)


def test_force_replaces_an_earlier_release(release, tmp_path):
    target = tmp_path / "rel"
    shutil.copytree(release["a"], target)
    (target / "id" / "mine.html").write_text("a page of the publisher's", encoding="utf-8")
    res = run("publish", str(target), "--force", "--date", "2026-12-01", "--version", "9.9.9")
    assert res.exit_code == 0, res.output
    assert "published release 9.9.9 (2026-12-01)" in res.stdout
    assert (target / "id" / "mine.html").read_text(encoding="utf-8") == "a page of the publisher's"  # not the release's
    names = {p.name for p in (target / "dumps").iterdir()}
    assert "kzlod-9.9.9.nt" in names and not any("0.1.0" in n for n in names)
    assert '"2026-12-01"^^xsd:date' in (target / "void.ttl").read_text(encoding="utf-8")


# --- the path for big graphs -------------------------------------------------------------------

@pytest.mark.slow
def test_big_graph_path_is_stable_and_says_the_same(tmp_path, monkeypatch, release):
    """Above the thresholds blank nodes keep their per-file labels and Turtle is pyoxigraph's:
    the dumps must still be identical from run to run, and mean what the small-graph dumps mean."""
    from kzlod.publishing import release as publishing

    monkeypatch.setattr(publishing, "RDFC_MAX", 10)
    monkeypatch.setattr(publishing, "TURTLE_HUMAN_MAX", 10)
    monkeypatch.setenv("KZLOD_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("x", "y"):
        publishing.publish(bundled(), tmp_path / name, data=[release["evil"]])
    x, y = files_of(tmp_path / "x"), files_of(tmp_path / "y")
    assert x == y
    small = files_of(release["a"])
    for name in sorted(n for n in x if n.startswith("dumps/") and not n.endswith(".gz")):
        fmt = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
               "jsonld": ox.RdfFormat.JSON_LD, "rdf": ox.RdfFormat.RDF_XML}[name.rsplit(".", 1)[1]]
        big, reference = (ox.Dataset(ox.parse(data[name], format=fmt)) for data in (x, small))
        for ds in (big, reference):
            ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        assert big == reference, f"{name}: the big-graph dump says something else"
    nt = x[next(n for n in x if n.endswith("-closure.nt"))].decode()
    assert re.search(r"_:f\d+h[0-9a-f]{10}n\d+ ", nt), "blank nodes should keep their per-file labels"
    assert nt.splitlines() == sorted(set(nt.splitlines()))


# --- versions name contents -------------------------------------------------------------------

MONGOLIA = """@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en .
"""


def published_version(res) -> tuple[str, str]:
    m = re.search(r"published release (\S+) \((\d{4}-\d\d-\d\d)\)", res.stdout)
    assert m, res.output
    return m.group(1), m.group(2)


def test_a_changed_graph_gets_a_new_default_version_and_date(tmp_path):
    from conftest import copy_project

    project = copy_project(tmp_path / "project")
    env = {"SOURCE_DATE_EPOCH": None}
    before, before_date = published_version(run("--project", str(project), "publish", str(tmp_path / "a"), env=env))
    assert re.fullmatch(r"0\.1\.0\+[0-9a-f]{8}", before)
    (project / "data" / "mongolia.ttl").write_text(MONGOLIA, encoding="utf-8")
    after, after_date = published_version(run("--project", str(project), "publish", str(tmp_path / "b"), env=env))
    assert after != before and after.startswith("0.1.0+")
    # the date is the day the newest input file changed: mongolia.ttl, written just now
    import datetime

    assert after_date == datetime.datetime.now(datetime.UTC).date().isoformat() >= before_date
    epoch = run("--project", str(project), "publish", str(tmp_path / "c"), env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert published_version(epoch) == (after, "2023-11-14")


def test_publish_refuses_a_release_of_the_same_version_with_other_content(tmp_path):
    from conftest import copy_project

    project = copy_project(tmp_path / "project")
    out = tmp_path / "release"
    first = run("--project", str(project), "publish", str(out), "--version", "2.0")
    assert first.exit_code == 0, first.output
    same = run("--project", str(project), "publish", str(out), "--version", "2.0", "--force")
    assert same.exit_code == 0, same.output  # the same content may be published again
    before = files_of(out)
    (project / "data" / "mongolia.ttl").write_text(MONGOLIA, encoding="utf-8")
    res = run("--project", str(project), "publish", str(out), "--version", "2.0", "--force")
    assert res.exit_code == 2
    assert res.stderr.strip() == (f"Error: {out}: holds release 2.0 with other content (dumps/kzlod-2.0.nq differs); "
                                  "a version names one content: give another --version, or publish into another folder")
    assert files_of(out) == before
    assert not list(out.glob(".kzlod-staging-*"))
    assert run("--project", str(project), "publish", str(out), "--version", "2.1", "--force").exit_code == 0
