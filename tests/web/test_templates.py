"""The templates' environment: how a template's lines become the page's, escaping, the shared macros and filters."""

from __future__ import annotations

import re

import pytest

from kzlod.web import filters
from kzlod.web.templating import TEMPLATES_DIR, environment, layout, render
from kzlod.web.terms import Row, Term

#: (template text, what it becomes before compiling): indentation is layout.
LAYOUTS = [
    ("<h1>a</h1>\n<p>b</p>\n", "<h1>a</h1>\n<p>b</p>\n"),  # lines at column 0 stay lines
    ("<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n", "<ul><li>a</li><li>b</li></ul>\n"),  # indented: joined
    ("<p>x\n    <span>y</span>\n</p>\n<p>z</p>", "<p>x<span>y</span></p>\n<p>z</p>"),
    ("<p>a</p>\n{% if x %}\n<p>b</p>\n{% endif %}\n<p>c</p>\n",  # a line of tags only prints nothing
     "<p>a</p>\n{% if x %}<p>b</p>\n{% endif %}<p>c</p>\n"),
    ("<p>{% if x %}a{% endif %}</p>\n<p>b</p>", "<p>{% if x %}a{% endif %}</p>\n<p>b</p>"),  # tags inside a line: kept
    ("{# a comment #}\n<p>a</p>", "{# a comment #}<p>a</p>"),
    ("<p>{{ a,\n    b }}</p>\n<p>c</p>", "<p>{{ a,\n    b }}</p>\n<p>c</p>"),  # inside a tag: untouched
    ("<p>a  </p>\n<p>b</p>", "<p>a  </p>\n<p>b</p>"),  # spaces at a line's end are text
    ("  <b>a</b>\n", "<b>a</b>"),
    ("", ""),
    ("<p>a</p>\n\n<p>b</p>\n", "<p>a</p>\n\n<p>b</p>\n"),  # an empty line is a line
]


@pytest.mark.parametrize("source, expected", LAYOUTS)
def test_indentation_is_layout(source, expected):
    assert layout(source) == expected


def test_a_value_is_escaped_and_a_template_expression_in_it_stays_text():
    template = environment().from_string(layout('<p title="{{ v }}">\n  {{ v }}\n</p>'))
    value = '"><script>alert(1)</script>{{ 7*7 }}'
    assert template.render(v=value) == ('<p title="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}">'
                                        "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}</p>")


def test_a_missing_value_is_an_error_not_an_empty_string():
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        environment().from_string("{{ page.title }}").render(page={})


TERMS = [
    (Term("link", "Armenia <1>", href="/id/armenia?a=1&b=2"),
     '<a href="/id/armenia?a=1&amp;b=2">Armenia &lt;1&gt;</a>'),
    (Term("external", "Q399", href="https://www.wikidata.org/wiki/Q399"),
     '<a href="https://www.wikidata.org/wiki/Q399" rel="external noopener">Q399</a>'),
    (Term("named", "State", iri="https://w3id.org/kzlod/ontology#State"),
     '<span title="https://w3id.org/kzlod/ontology#State">State</span>'),
    (Term("code", "http://example.org/x"), "<code>http://example.org/x</code>"),
    (Term("text", "a & b"), "a &amp; b"),
    (Term("unnamed"), '<span class="muted">(unnamed node)</span>'),
    (Term("list", parts=(Term("text", "2015"), Term("text", "2016"))), "2015, 2016"),
    (Term("node", "Instant", parts=(("date", (Term("text", "2015"),)), ("note", (Term("text", "<x>"),)))),
     "Instant [date: 2015; note: &lt;x&gt;]"),
    (Term("node", "", parts=(("in", (Term("node", "Inner", parts=(("x", (Term("unnamed"),)),)),)),)),
     '[in: Inner [x: <span class="muted">(unnamed node)</span>]]'),
]


@pytest.mark.parametrize("term, html", TERMS)
def test_the_term_macro_lays_out_each_kind(term, html):
    macros = environment().get_template("macros.html").module
    assert str(macros.term(term)) == html


def test_facts_are_a_definition_list_or_nothing():
    macros = environment().get_template("macros.html").module
    rows = [Row(Term("text", "Capital"), (Term("text", "Astana"), Term("text", "Nur-Sultan")))]
    assert str(macros.props(rows)) == '<dl class="props"><dt>Capital</dt><dd>Astana, Nur-Sultan</dd></dl>'
    assert str(macros.props([])) == ""


def test_the_shell_of_a_release_page_and_of_a_served_page():
    from kzlod.web.shell import shell

    static = render("sources.html", shell=shell("S <1>", current="sources", root="../"), rows=[])
    assert static.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                             '<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;')
    assert "<title>S &lt;1&gt;</title>\n<style>\n/* kzlod entity" in static
    assert '<a href="../sources.html" aria-current="page">Sources</a>' in static and "<form" not in static
    served = render("sources.html", shell=shell("S", served=True, current="sources", search='"q'), rows=[])
    assert '<link rel="stylesheet" href="/static/pages.css">' in served and "<style>" not in served
    assert '<a href="/sources" aria-current="page">Sources</a>' in served
    assert '<input type="search" name="q" value="&#34;q"' in served
    assert served.endswith("</table>\n</main>\n</body>\n</html>\n")


def test_the_filters():
    assert filters.number(1234567) == "1,234,567" and filters.number("12") == "12"
    assert (filters.plural(1), filters.plural(0), filters.plural(2, "es")) == ("", "s", "es")
    assert filters.fixed(12.345) == "12.3" and filters.fixed(459.96, 0) == "460"
    assert filters.curie("https://w3id.org/kzlod/id/armenia") == "kzd:armenia"
    assert filters.curie("http://example.org/x") == "http://example.org/x"


def test_the_templates_are_in_the_package():
    """Templates are package data next to the code (hatch puts everything under kzlod/ in the wheel)."""
    assert TEMPLATES_DIR.parent.name == "web" and TEMPLATES_DIR.parent.parent.name == "kzlod"
    assert {"base.html", "macros.html", "entity.html", "index.html", "ontology.html", "source.html", "sources.html",
            "claims.html", "timeline.html", "map.html", "search.html", "query.html"} <= {
        p.name for p in TEMPLATES_DIR.glob("*.html")}


def test_regression_a_property_is_an_object_property_not_an_object_propertie():
    """The ontology page named each property's kind by cutting the "s" off its heading ("Object properties")."""
    from kzlod import api
    from kzlod.web.ontology import render_ontology

    html = render_ontology(api.load())
    kinds = set(re.findall(r'<span class="kind">([^<]*)</span>', html))
    assert {"class", "object property", "datatype property", "concept scheme"} <= kinds
    assert not any(kind.endswith("propertie") for kind in kinds)
