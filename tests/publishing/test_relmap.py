"""kzlod graph: the relations picture, in SVG and PNG, from what the graph says."""

from __future__ import annotations

import struct
import sys
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

import kzlod
from kzlod.cli import cli
from kzlod.errors import UsageError

SVG_NS = "{http://www.w3.org/2000/svg}"
KZ = "https://w3id.org/kzlod/ontology#"

PARTNERS = """
SELECT DISTINCT ?label WHERE {
  ?r a kz:BilateralRelation ; kz:party kzd:kazakhstan, ?p .
  FILTER(?p != kzd:kazakhstan)
  ?p rdfs:label ?label .
}"""

TONES = """
SELECT ?r ?top WHERE {
  ?r a kz:BilateralRelation ; kz:party kzd:kazakhstan .
  OPTIONAL { ?t a kz:ToneAssessment ; kz:relation ?r ; kz:tone/skos:broader* ?top .
             FILTER(?top IN (kz:tone-positive, kz:tone-negative)) }
}"""


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    assert root.tag == SVG_NS + "svg"
    return [t.text for t in root.iter(SVG_NS + "text") if t.text]


@pytest.fixture(scope="module")
def store():
    from kzlod import api

    return api.load()


@pytest.fixture(scope="module")
def svg(tmp_path_factory):
    out = tmp_path_factory.mktemp("relmap") / "relations.svg"
    res = run("graph", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert str(out) in res.stdout
    return out


def expected_legend(store) -> set[str]:
    """The tone categories of Kazakhstan's relations, worked out here from the tone assessments."""
    from kzlod import api
    from kzlod.publishing.relmap import TONES as LEGEND

    tops: dict[str, set] = {}
    for rel, top in api.run_query(store, TONES).rows:
        tops.setdefault(rel.value, set())
        if top is not None:
            tops[rel.value].add(top.value.removeprefix(KZ))
    names = set()
    for found in tops.values():
        if found == {"tone-positive", "tone-negative"}:
            names.add("mixed")
        elif found == {"tone-positive"}:
            names.add("positive")
        elif found == {"tone-negative"}:
            names.add("strained")
        else:
            names.add("none")
    return {LEGEND[n][0] for n in names}


def test_svg_parses_and_names_every_partner(svg, store):
    from kzlod import api

    texts = " ".join(svg_texts(svg))
    partners = [row[0].value for row in api.run_query(store, PARTNERS).rows]
    assert len(partners) >= 3
    for label in partners:
        assert label in texts, f"partner {label!r} is not in the picture"


def test_svg_legend_has_the_tones_the_graph_gives(svg, store):
    from kzlod.publishing.relmap import MEMBERSHIP_LEGEND
    from kzlod.publishing.relmap import TONES as LEGEND

    texts = set(svg_texts(svg))
    want = expected_legend(store)
    assert want and want <= texts
    assert {LEGEND[t][0] for t in LEGEND} & texts == want, "a tone the graph does not give is in the legend"
    assert MEMBERSHIP_LEGEND in texts


def test_svg_is_the_same_every_time(svg, tmp_path):
    again = tmp_path / "again.svg"
    assert run("graph", "--out", str(again)).exit_code == 0
    assert again.read_bytes() == svg.read_bytes()


def test_png_has_the_signature_and_a_real_size(tmp_path):
    out = tmp_path / "relations.png"
    res = run("graph", "--out", str(out))
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 600 and height >= 400
    assert len(data) > 20_000


def test_unknown_extension_is_a_usage_error(tmp_path):
    out = tmp_path / "relations.gif"
    res = run("graph", "--out", str(out))
    assert res.exit_code == 2
    assert "relations.gif" in res.stderr and ".svg" in res.stderr and ".png" in res.stderr
    assert "Traceback" not in res.output and not out.exists()


def test_without_the_plotting_extra_graph_says_which_extra_to_install(tmp_path, monkeypatch):
    """matplotlib is the ``graph`` extra, not a dependency: without it (an import that fails, as in an
    install without the extra) the command prints one line naming the extra, exits 2 and writes nothing."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    out = tmp_path / "relations.svg"
    res = run("graph", "--out", str(out))
    assert res.exit_code == 2
    assert res.stderr == "Error: kzlod graph needs the plotting extra: pip install 'kzlod[graph]'\n"
    assert res.stdout == "" and not out.exists()
    with pytest.raises(UsageError, match=r"pip install 'kzlod\[graph\]'"):
        kzlod.graph(tmp_path / "relations.png")
    assert not (tmp_path / "relations.png").exists()


def test_unknown_focus_is_a_usage_error(tmp_path):
    res = run("graph", "--out", str(tmp_path / "x.svg"), "--focus", "Atlantis")
    assert res.exit_code == 2 and "Atlantis" in res.stderr


def test_a_new_relation_appears_with_its_tone(tmp_path):
    extra = tmp_path / "china.ttl"
    extra.write_text("""@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
kzd:relation-china-kazakhstan-test a kz:BilateralRelation ;
    kz:party kzd:china, kzd:kazakhstan ; kz:relationType kz:relation-trade-partnership .
kzd:tone-china-kazakhstan-test a kz:ToneAssessment ;
    kz:relation kzd:relation-china-kazakhstan-test ; kz:tone kz:tone-cooperative .
""", encoding="utf-8")
    out = tmp_path / "with-china.svg"
    res = run("graph", "--out", str(out), "--data", str(extra))
    assert res.exit_code == 0, res.output
    texts = svg_texts(out)
    assert "China" in texts
    assert any("cooperative" in t for t in texts), "the new relation's tone labels its edge"


def test_tone_categories():
    from kzlod.publishing.relmap import NEGATIVE, POSITIVE, tone_category

    assert tone_category({POSITIVE}) == "positive"
    assert tone_category({NEGATIVE}) == "strained"
    assert tone_category({POSITIVE, NEGATIVE}) == "mixed"
    assert tone_category(set()) == "none"
