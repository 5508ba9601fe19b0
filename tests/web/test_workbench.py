"""The query page's server side: vendored YASGUI, its policy, examples bound as ``kzlod query`` binds, completion.

The browser side (the editor, runs, history, completion as a user meets it) is in
test_browser.py. Expected answers come from the local store through the library
(``kzlod query NAME --param`` is ``bind_params`` then ``resolve_params``), or from
the vendored files themselves.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kzlod.project import bundled, read
from kzlod.querying.entities import FIND, resolve_params
from kzlod.querying.run import bind_params, named_queries, run_query
from kzlod.store.backends import bind_values, memory_store
from kzlod.vocab import NAMESPACES, compact
from kzlod.web import workbench
from kzlod.web.app import create_app
from kzlod.web.server import ServeConfig
from kzlod.web.workers import WorkerPool

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "kzlod" / "web" / "static" / "vendor" / "yasgui"
KZD = "https://w3id.org/kzlod/id/"


@pytest.fixture(scope="module")
def client():
    with WorkerPool(ServeConfig(project=bundled(), workers=1, timeout=20)) as pool, TestClient(create_app(pool)) as c:
        yield c


@pytest.fixture(scope="module")
def small_pool():
    """A pool whose requests may hold no more than 100 characters."""
    with WorkerPool(ServeConfig(project=bundled(), workers=1, timeout=20, max_body=100)) as pool:
        yield pool


@pytest.fixture(scope="module")
def store():
    return memory_store(bundled())


def editor_text(page: str) -> str:
    return html.unescape(re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', page, re.DOTALL).group(1))


def runs_at_once(page: str) -> bool:
    return re.search(r'<div id="workbench" data-run="(true|false)"', page).group(1) == "true"


def shown_error(page: str) -> str:
    m = re.search(r'<div id="error" class="error" role="alert"( hidden)?>(.*?)</div>', page, re.DOTALL)
    return "" if m.group(1) else html.unescape(m.group(2))


# --- the vendored YASGUI -------------------------------------------------------------------

def test_vendored_yasgui_is_what_its_manifest_records():
    manifest = json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["package"] == "@zazuko/yasgui" and re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["license"] == "MIT"
    files = manifest["files"]
    assert {"yasgui.min.js", "yasgui.min.css", "LICENSE", "THIRD-PARTY-LICENSES.txt"} <= set(files)
    for name, meta in files.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == meta["sha256"], name
    on_disk = {p.name for p in VENDOR.iterdir()} - {"manifest.json"}
    assert on_disk == set(files), "every vendored file is recorded, and only those"
    licence = (VENDOR / "LICENSE").read_text(encoding="utf-8")
    assert "The MIT License" in licence and "Permission is hereby granted, free of charge" in licence
    notices = (VENDOR / "THIRD-PARTY-LICENSES.txt").read_text(encoding="utf-8")
    for package in manifest["bundled_packages"]:
        assert re.search(rf"^{re.escape(package)} \S+: ", notices, re.MULTILINE), f"no licence recorded for {package}"
    assert {"codemirror", "jquery", "datatables.net", "dompurify"} <= set(manifest["bundled_packages"])


def test_the_vendoring_script_checks_the_same_without_network():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "vendor_yasgui.py"), "--check"], check=False,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    version = json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))["version"]
    assert f"@zazuko/yasgui {version}: every vendored file matches" in proc.stdout


def test_the_vendoring_script_finds_a_changed_file(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import vendor_yasgui
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    copy = tmp_path / "yasgui"
    shutil.copytree(VENDOR, copy)
    assert vendor_yasgui.check(copy) == []
    (copy / "yasgui.min.css").write_bytes((copy / "yasgui.min.css").read_bytes() + b"\n")
    (copy / "extra.js").write_text("//", encoding="utf-8")
    problems = vendor_yasgui.check(copy)
    assert any(p.startswith("yasgui.min.css: SHA-256") for p in problems)
    assert "extra.js: not recorded in manifest.json" in problems
    (copy / "LICENSE").unlink()
    assert "LICENSE: missing" in vendor_yasgui.check(copy)


def test_the_vendored_files_are_package_data(client):
    # hatch builds the wheel from the package folder, less what .gitignore ignores
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'\[tool\.hatch\.build\.targets\.wheel\]\s*packages = \["kzlod"\]', pyproject)
    if shutil.which("git") and (ROOT / ".git").exists():
        names = [str(p.relative_to(ROOT)) for p in VENDOR.iterdir()]
        ignored = subprocess.run(["git", "check-ignore", *names], check=False, cwd=ROOT, capture_output=True, text=True)
        assert ignored.stdout == "", f"ignored by .gitignore, so left out of the wheel: {ignored.stdout}"
    for name in ("yasgui.min.js", "yasgui.min.css"):
        res = client.get(f"/static/vendor/yasgui/{name}")
        assert res.status_code == 200 and res.content == (VENDOR / name).read_bytes()
    assert client.get("/static/vendor/yasgui/manifest.json").status_code == 404  # served: scripts and styles only


def test_the_page_policy_allows_only_the_resizer_stylesheets(client):
    csp = client.get("/").headers["content-security-policy"]
    assert csp == workbench.PAGE_CSP
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["connect-src"] == "'self'"
    assert "unsafe" not in csp and "http" not in csp and "data:" not in csp
    # the hashes are those of the two stylesheets the bundle's column resizer writes, and only those
    bundle = (VENDOR / "yasgui.min.js").read_text(encoding="utf-8")
    texts = re.findall(r"createStyle\([a-z],`( \.grip-resizable\{[^`$]*)`\)", bundle)
    cursor = re.search(r"dragCursor:`([^`]+)`", bundle).group(1)
    texts.append(f"*{{cursor:{cursor}!important}}")
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(t.encode()).digest()).decode() + "'" for t in texts}
    assert len(texts) == 2 and hashes == set(directives["style-src"].split()) - {"'self'"}


# --- examples, bound as the command line binds them ----------------------------------------

@pytest.mark.parametrize("value", ["kzd:russia", "Russia", f"<{KZD}russia>"])
def test_an_example_link_is_bound_as_kzlod_query_binds_it(client, store, value):
    res = client.get("/", params={"example": "entity", "entity": value})
    assert res.status_code == 200 and runs_at_once(res.text) and not shown_error(res.text)
    named = named_queries()["entity"]
    bound = resolve_params(store, bind_params([("entity", value)], named), named)
    assert editor_text(res.text) == bind_values(named.text, bound)
    rows = run_query(store, editor_text(res.text)).rows
    assert rows == run_query(store, named.text, bound).rows and rows  # the page's text gives kzlod query's rows
    assert f'value="{html.escape(value, quote=True)}"' in res.text  # the form keeps what was asked
    href = re.search(r'<a data-format="csv" href="([^"]+)"', res.text).group(1)
    assert "russia" in html.unescape(href)  # the downloads are of the bound query


def test_an_example_without_parameters_runs_as_it_is(client):
    res = client.get("/", params={"example": "memberships"})
    assert runs_at_once(res.text) and editor_text(res.text) == named_queries()["memberships"].text
    plain = client.get("/")
    assert not runs_at_once(plain.text), "the bare page shows an example, and waits"


def test_an_example_waits_for_a_required_parameter(client):
    res = client.get("/", params={"example": "entity"})
    assert res.status_code == 200 and not runs_at_once(res.text)
    assert editor_text(res.text) == named_queries()["entity"].text
    assert shown_error(res.text) == "Give entity to run this example."
    assert re.search(r'<input id="param-entity" name="entity" value=""[^>]* data-kind="entity" required', res.text)
    optional = client.get("/", params={"example": "conflicts", "state": ""})
    assert runs_at_once(optional.text) and editor_text(optional.text) == named_queries()["conflicts"].text


@pytest.mark.parametrize(("params", "status", "message"), [
    ({"example": "entity", "entity": "Atlantis"}, 400, "entity: no entity named 'Atlantis'."),
    ({"example": "entity", "entity": "kzd:atlantis"}, 400, "entity: no entity 'kzd:atlantis' in the graph."),
    ({"example": "memberships", "colour": "red"}, 400, "query 'memberships' has no parameter 'colour'"),
    ({"example": "no-such-example"}, 404, "no example query named 'no-such-example'"),
])
def test_a_bad_example_link_says_what_is_wrong(client, params, status, message):
    res = client.get("/", params=params)
    assert res.status_code == status and not runs_at_once(res.text)
    assert shown_error(res.text).startswith(message)
    assert "--param" not in shown_error(res.text)


def test_a_query_link_runs_its_text(client):
    text = "SELECT ?s WHERE { ?s a kz:State } ORDER BY ?s"
    res = client.get("/", params={"query": text})
    assert runs_at_once(res.text) and editor_text(res.text) == text
    assert '<option value="" selected>(your query)</option>' in res.text


# --- completion ------------------------------------------------------------------------------

def test_completion_finds_entities_by_label(client, store):
    res = client.get("/complete", params={"q": "kazak"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/json")
    found = res.json()["results"]
    assert found[0] == {"iri": KZD + "kazakhstan", "id": "kzd:kazakhstan", "label": "Kazakhstan", "type": "kz:State"}
    names: dict = {}
    for s, label in run_query(store, FIND).rows:
        names.setdefault(s.value, set()).update({label.value.casefold(), compact(s.value).casefold()})
    assert all(any("kazak" in n for n in names[r["iri"]]) for r in found)
    expected = {iri for iri, ns in names.items() if iri.startswith(KZD) and any("kazak" in n for n in ns)}
    completed = client.get("/complete", params={"q": "kazak", "limit": "50"}).json()["results"]
    assert {r["iri"] for r in completed} == expected
    by_alt = client.get("/complete", params={"q": "CSTO"}).json()["results"]
    assert by_alt[0]["id"] == "kzd:csto"  # an alternative label names it too
    assert len(client.get("/complete", params={"q": "a", "limit": "3"}).json()["results"]) == 3


def test_completion_of_concepts_classes_and_properties(client):
    concepts = client.get("/complete", params={"q": "feared", "kind": "concept"}).json()["results"]
    assert concepts[0]["id"] == "kz:modality-feared"
    classes = client.get("/complete", params={"q": "State", "kind": "class"}).json()["results"]
    assert classes[0]["id"] == "kz:State" and all(r["type"] == "owl:Class" for r in classes)
    entities = client.get("/complete", params={"q": "State", "kind": "entity", "limit": "50"}).json()["results"]
    assert entities and all(r["id"].startswith("kzd:") for r in entities)  # not the class
    props = client.get("/complete", params={"q": "participatingSt", "kind": "property"}).json()["results"]
    assert [r["id"] for r in props] == ["kz:participatingState"]


@pytest.mark.parametrize("params", [{"q": "x", "kind": "planet"}, {"q": "x" * 201}, {"q": "x", "limit": "many"}])
def test_completion_refuses_what_it_cannot_answer(client, params):
    res = client.get("/complete", params=params)
    assert res.status_code == 400 and res.text.count("\n") == 1


def test_queries_json_has_the_served_projects_prefixes(tmp_path):
    (tmp_path / "kzlod.toml").write_text('[project]\nname = "t"\n\n[prefixes]\nex = "http://example.org/ns#"\n',
                                         encoding="utf-8")
    served = read(tmp_path).namespaces
    assert served == {**NAMESPACES, "ex": "http://example.org/ns#"}
    data = workbench.queries_json(named_queries(), served)
    assert data["prefixes"]["ex"] == "http://example.org/ns#" and data["prefixes"]["kz"] == NAMESPACES["kz"]
    assert bundled().namespaces == NAMESPACES


# --- what may have been meant -----------------------------------------------------------------------

def near_links(page: str) -> list[tuple[str, str]]:
    """The links of the page's "did you mean" under its error: (text, href)."""
    m = re.search(r'<span id="near">(.*?)</span>', page, re.DOTALL)
    return [(html.unescape(t), html.unescape(h)) for h, t in re.findall(r'<a href="([^"]*)">([^<]*)</a>', m.group(1))] \
        if m else []


def test_a_misspelt_parameter_value_links_the_closest_names(client):
    """Regression: the page said "Did you mean: Russia, Asia?" as plain text."""
    res = client.get("/", params={"example": "entity", "entity": "Rusia"})
    assert res.status_code == 400
    said = re.sub(r"<[^>]*>", "", shown_error(res.text))
    assert said.startswith("entity: no entity named 'Rusia'. Did you mean Russia") and said.count("Did you mean") == 1
    links = near_links(res.text)
    assert links[0] == ("Russia", "/?example=entity&entity=kzd%3Arussia")
    for _, href in links:
        page = client.get(href)
        assert page.status_code == 200 and runs_at_once(page.text), href


def test_a_misspelt_example_name_links_the_closest_example(client):
    res = client.get("/", params={"example": "membership"})
    assert res.status_code == 404 and near_links(res.text) == [("memberships", "/?example=memberships")]


def test_unknown_terms_are_named_with_the_closest_and_the_query_mended(client):
    query = "SELECT ?s WHERE { ?s a kz:Stat }"
    res = client.get("/unknown", params={"query": query})
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/json")
    [term] = res.json()["unknown"]
    assert term["written"] == "kz:Stat" and term["closest"][0] == "kz:State"
    assert term["fixed"][0] == "SELECT ?s WHERE { ?s a kz:State }"
    assert len(term["fixed"]) == len(term["closest"])
    assert client.get("/unknown", params={"query": term["fixed"][0]}).json() == {"unknown": []}
    assert client.get("/unknown", params={"query": ""}).json() == {"unknown": []}


def test_unknown_terms_refuses_a_query_too_long(small_pool):
    with TestClient(create_app(small_pool)) as small:
        res = small.get("/unknown", params={"query": "SELECT * WHERE { ?s ?p ?o } #" + "x" * 100})
        assert res.status_code == 413 and "query too long" in res.text


def test_the_editor_is_told_exactly_the_prefixes_the_endpoint_predeclares(client):
    predeclared = client.get("/queries.json").json()["predeclared"]
    assert predeclared == NAMESPACES
    for prefix in predeclared:  # each works undeclared at the endpoint
        res = client.get("/sparql", params={"query": f"SELECT ({prefix}:x AS ?x) WHERE {{}}"})
        assert res.status_code == 200, (prefix, res.text)
    res = client.get("/sparql", params={"query": "SELECT * WHERE { ?s nope:x ?o }"})
    assert res.status_code == 400 and "unknown prefix nope:" in res.text
