"""The pages stay templates: no HTML built or escaped by hand in the web modules, no template that
prints a value unescaped, and no module of kzlod/web over 600 lines.

Escaping is the templates' (Jinja2, autoescape on): a page module that calls ``esc(`` or
``html.escape`` again, or writes markup in a Python string, is escaping or building HTML by
discipline alone, which this test refuses.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "kzlod" / "web"
TEMPLATES = WEB / "templates"
#: The elements the pages are made of: one of them opening or closing in a Python string is markup built by hand.
TAG = re.compile(r"</?(?:html|head|body|header|nav|main|aside|section|figure|figcaption|div|p|span|a|h[1-6]|ul|ol|"
                 r"li|dl|dt|dd|table|thead|tbody|tr|th|td|blockquote|cite|mark|code|strong|br|form|input|button|"
                 r"select|option|label|textarea|noscript|meta|link|script|style|title|svg|g|line|rect|text)[\s>/]")
MANUAL_ESCAPING = re.compile(r"\besc\(|\bhtml\.escape\b|from html import|\bmarkupsafe\.escape\b|(?<![\w.])escape\(|"
                             r"\bMarkup\(")


def web_modules() -> list[Path]:
    return sorted(WEB.rglob("*.py"))


def strings(tree: ast.AST):
    """Every string literal and f-string part of a module, its docstrings left out."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_markup_in_the_python_of_the_web_modules():
    found = [f"{path.relative_to(ROOT)}:{line}: {text[:60]!r}" for path in web_modules()
             for line, text in strings(ast.parse(path.read_text(encoding="utf-8"))) if TAG.search(text)]
    assert not found, "HTML written in Python (it belongs in kzlod/web/templates/):\n" + "\n".join(found)


def test_no_escaping_by_hand_in_the_web_modules():
    """The one Markup is the release's own stylesheet (kzlod/web/shell.py), printed inside <style>."""
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}" for path in web_modules()
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if MANUAL_ESCAPING.search(line) and line.strip() != "return Markup(PAGES_CSS)"]
    assert not found, "escaping by hand (the templates escape every value):\n" + "\n".join(found)


def test_the_guards_would_see_what_they_look_for():
    """Regression for the guards themselves: the markup and the calls the old page code was made of."""
    old = ('def iri(self, iri):\n    """A link."""\n    return f\'<a href="{esc(href)}">{text}</a>\'\n'
           'body = [f"<h1>{esc(title)}</h1>", "<h2>Facts</h2>" + facts]\n')
    found = {text for _, text in strings(ast.parse(old)) if TAG.search(text)}
    assert found == {'<a href="', "</a>", "<h1>", "</h1>", "<h2>Facts</h2>"}
    assert MANUAL_ESCAPING.search(old) and not TAG.search("SELECT ?s WHERE { <https://w3id.org/kzlod/id/x> ?p ?s }")
    assert [bool(MANUAL_ESCAPING.search(c)) for c in ("escape(text)", "markupsafe.escape(x)", "re.escape(word)")] == [
        True, True, False]


def test_templates_print_every_value_escaped():
    names = sorted(p.name for p in TEMPLATES.glob("*.html"))
    assert "base.html" in names and "macros.html" in names
    unsafe = [f"{name}: {m.group()}" for name in names
              for m in re.finditer(r"\|\s*safe\b|autoescape\s+false|\{%\s*raw", (TEMPLATES / name).read_text("utf-8"))]
    assert not unsafe, unsafe


def test_every_page_of_the_site_extends_the_one_base_template():
    """Every template the web modules render (``render("entity.html", …)``) is a page in the shell."""
    rendered = {m.group(1) for path in web_modules()
                for m in re.finditer(r'\b(?:render|page)\(\s*"([a-z_-]+\.html)"', path.read_text(encoding="utf-8"))}
    assert len(rendered) >= 10, rendered
    for name in sorted(rendered):
        assert (TEMPLATES / name).read_text(encoding="utf-8").startswith('{% extends "base.html" %}\n'), name


def test_no_web_module_is_over_600_lines():
    long = {str(p.relative_to(ROOT)): n for p in web_modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert not long, long
