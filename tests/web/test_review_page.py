"""The review page of ``kzlod review --html``: one standalone page, every data text escaped."""

from __future__ import annotations

from pagetree import parse_html

from kzlod.curation.review import Review, ReviewedClaim, ReviewedSentence, ReviewedValue, SourceReview
from kzlod.web.review import review_page

KZ = "https://w3id.org/kzlod/ontology#"
HOSTILE = '<script>alert(1)</script>\x1b[2J"quoted" & \u202e'


def hostile_review() -> Review:
    claim = ReviewedClaim("https://w3id.org/kzlod/id/tone-x", "Tone Assessment", KZ + "modality-asserted", "asserted",
                          quotes=[(1, HOSTILE)],
                          values=[ReviewedValue(KZ + "tone", "tone", KZ + "tone-close", "close", "not worded")])
    uncited = ReviewedSentence(2, "A sentence no claim cites.", "Section")
    source = SourceReview("https://w3id.org/kzlod/id/source/x", f"Title {HOSTILE}", "An author",
                          [ReviewedSentence(1, f"Sentence {HOSTILE}", "Section", [claim]), uncited])
    return Review([source])


def test_data_text_is_escaped_and_shown_not_obeyed():
    html = review_page(hostile_review())
    assert "<script>" not in html and "\x1b" not in html and "\u202e" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[2J&#34;quoted&#34; &amp; \\u202e" in html
    doc = parse_html(html)
    assert doc.find("blockquote").text() == 'Sentence <script>alert(1)</script>\\x1b[2J"quoted" & \\u202e'


def test_the_page_stands_alone_and_shows_the_verdicts():
    doc = parse_html(review_page(hostile_review()))
    assert not doc.find_all("script") and not doc.find_all("link")
    assert any(m.get("http-equiv") == "Content-Security-Policy" and m.get("content").startswith("default-src 'none'")
               for m in doc.find_all("meta"))
    (row,) = doc.find("tbody").find_all("tr")
    cells = [td.text() for td in row.find_all("td")]
    assert cells[0] == "kzd:tone-x" and cells[-1] == "not worded"
    assert "tone: close ← not worded in its evidence" in cells[4]
    assert doc.find("p", "none").text() == "No claim cites this sentence."
