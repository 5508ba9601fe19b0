"""Tables people read: labels, one header line, one line a row, no word broken."""

from __future__ import annotations

import pytest

from kzlod import api


@pytest.fixture(scope="module")
def memberships():
    store = api.load()
    result = api.query("memberships", store=store)
    return result, api.labels_for(store, [t for row in result.rows for t in row])


@pytest.mark.parametrize("width", [100, 120, 250])
def test_one_header_line_one_line_a_row_within_the_width(memberships, width):
    result, labels = memberships
    lines = api.render(result, "table", labels, width=width).rstrip("\n").splitlines()
    header = lines[0]
    # an IRI column and its label column are one column, named after the IRI's
    assert header.split() == ["member", "organisation", "abbreviation", "sourceTitle", "sentence", "quote"]
    assert set(lines[1].strip()) == {"─"}
    body = lines[2:-1]
    assert len(body) == len(result.rows) and lines[-1] == f"{len(result.rows)} rows"
    assert all(len(ln) <= width for ln in lines)
    assert any(ln.rstrip().endswith("…") for ln in body) == (width < 250)
    assert api.table(result, labels, width=width).cut == (width < 250)


def test_text_is_cut_at_a_word_or_with_an_ellipsis_never_broken(memberships):
    result, labels = memberships
    full = api.render(result, "table", labels, width=100, full=True)
    words = {w for row in result.records() for w in row["quote"].split()}
    for line in full.splitlines()[2:-1]:
        cell = line[line.rindex("  ", 0, len(line.rstrip()) - 1):].strip() if line.strip() else ""
        for word in cell.split():
            assert word in words or word.rstrip(",") in words or word == "…", (word, line)


def test_iris_on_request(memberships):
    result, labels = memberships
    plain = api.render(result, "table", labels, width=250)
    with_iris = api.render(result, "table", labels, width=250, iris=True)
    assert "kzd:armenia (Armenia)" in with_iris and "kzd:armenia" not in plain
    assert with_iris.splitlines()[0].split()[0] == "member"
