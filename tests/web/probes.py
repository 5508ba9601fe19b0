"""Markup-injection probes, and a graph that puts each of them everywhere a page shows text.

Each probe would be an element, an attribute, a script, a style, a comment, a template
expression or a broken-out string if a page printed it as it is. :func:`probe_graph` writes
a Turtle file in which probe *i* is the label, alternative label, identifier, ISO code and
comment of the state ``kzd:probe-i``; the title of section *i* of the source ``kzsrc:probe``
and a quote in its sentence *i*; the comment and the sourced field of claims about that
state (a characterisation, a relation with Kazakhstan and its tone, a membership); the label,
definition and comment of an ontology class, the label of a property, and the labels and
definition of a concept. The source's own title, author, publisher, identifier, citation and
comment are the first probes.
"""

from __future__ import annotations

PROBES = [
    # elements
    "<script>alert(1)</script>", "<img src=x onerror=alert(2)>", '<img src="x" onerror="alert(3)">',
    "<svg onload=alert(4)>", "<svg><script>alert(5)</script></svg>", "<iframe src=//evil.example></iframe>",
    "<object data=//evil.example></object>", "<embed src=//evil.example>", "<math><mi xlink:href=javascript:alert(6)>",
    "<base href=//evil.example/>", "<meta http-equiv=refresh content=0;url=//evil.example>",
    "<link rel=stylesheet href=//evil.example/x.css>", "<style>*{background:url(//evil.example)}</style>",
    "<form action=//evil.example><input name=q></form>", '<a href="javascript:alert(7)">click</a>',
    "<b onmouseover=alert(8)>bold</b>", "<details open ontoggle=alert(9)>", "<video><source onerror=alert(10)>",
    "<body onload=alert(11)>", "<input autofocus onfocus=alert(12)>", "<marquee>x</marquee>", "<i>italic</i>",
    # breaking out of where a value is printed
    '"><script>alert(13)</script>', "'><script>alert(14)</script>", "</title><script>alert(15)</script>",
    "</textarea><script>alert(16)</script>", "</style><script>alert(17)</script>",
    "</script><script>alert(18)</script>",
    "--><script>alert(19)</script>", "]]><script>alert(20)</script>", "</svg><script>alert(21)</script>",
    "</text><script>alert(22)</script>", "</option><script>alert(23)</script>", "<!-- comment", "<!DOCTYPE x>",
    # attributes
    'x" onmouseover="alert(24)', "x' onmouseover='alert(25)", 'x" autofocus onfocus="alert(26)" y="',
    "x` onmouseover=`alert(27)", "x onmouseover=alert(28)",
    # entities and ampersands
    "&amp; &lt;script&gt;", "&#60;script&#62;alert(29)&#60;/script&#62;", "&#x3C;b&#x3E;", "&quot; &apos;", "AT&T & co",
    # template syntaxes
    "{{ 7*7 }}", "{% for x in range(3) %}x{% endfor %}", "{# comment #}", "${7*7}", "#{7*7}", "<%= 7*7 %>",
    "{{ ''.__class__.__mro__ }}", "{{ config }}",
    # addresses
    "javascript:alert(30)", "data:text/html,<script>alert(31)</script>", "//evil.example", "vbscript:msgbox(32)",
    # characters
    "right\u202eto left", "zero\u200bwidth", "line\u2028separator\u2029paragraph", "tab\tnew\nline",
    "\uff1cscript\uff1e", "[click](javascript:alert(33))",
]


def ttl(text: str) -> str:
    """A Turtle string literal."""
    return '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
                  .replace("\t", "\\t")) + '"'


HEAD = """@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
@prefix kzsrc: <https://w3id.org/kzlod/id/source/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

kzsrc:probe a kz:SourceDocument ; dcterms:title {0}@en ; dcterms:creator {1} ; dcterms:publisher {2} ;
    dcterms:identifier {3} ; dcterms:bibliographicCitation {4} ; rdfs:comment {5} .
kz:ProbeScheme a skos:ConceptScheme ; rdfs:label {6}@en ; skos:definition {7}@en .
"""

ONE = """
kzd:probe-{i} a kz:State ; rdfs:label {p}@en ; skos:altLabel {p}@en ; dcterms:identifier {p} ; rdfs:comment {p} ;
    kz:iso3166Alpha2 {p} .
kzsrc:probe\\/section\\/{i} a kz:Section ; dcterms:isPartOf kzsrc:probe ; kz:index {i} ; dcterms:title {p}@en .
kzsrc:probe\\/sentence\\/{i} a kz:Sentence ; dcterms:isPartOf kzsrc:probe ; kz:inSection kzsrc:probe\\/section\\/{i} ;
    kz:index {i} ; kz:start {start} ; kz:end {end} ; rdf:value {sentence} .
kzd:probe-claim-{i} a kz:Characterisation ; kz:about kzd:probe-{i}, kzd:kazakhstan ; kz:modality kz:modality-asserted ;
    rdfs:comment {p} ; time:hasTime [ a time:Instant ; time:inXSDgYear "{year}"^^xsd:gYear ] ;
    kz:hasEvidence [ a kz:Evidence ; oa:hasSource kzsrc:probe ; kz:sentence kzsrc:probe\\/sentence\\/{i} ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact {p} ] ,
                       [ a oa:TextPositionSelector ; oa:start {qstart} ; oa:end {qend} ] ] .
kzd:relation-probe-{i}-kazakhstan a kz:BilateralRelation ; kz:party kzd:probe-{i}, kzd:kazakhstan ;
    kz:modality kz:modality-asserted ; kz:relationType kz:relation-diplomatic ;
    kz:hasEvidence [ a kz:Evidence ; oa:hasSource kzsrc:probe ; kz:sourceField {p} ] .
kzd:tone-probe-{i} a kz:ToneAssessment ; kz:relation kzd:relation-probe-{i}-kazakhstan ; kz:tone kz:tone-tense ;
    kz:modality kz:modality-asserted ;
    kz:hasEvidence [ a kz:Evidence ; oa:hasSource kzsrc:probe ; kz:sourceField {p} ] .
kzd:membership-probe-{i} a kz:Membership ; org:member kzd:probe-{i} ; org:organization kzd:csto ;
    kz:modality kz:modality-asserted ;
    kz:hasEvidence [ a kz:Evidence ; oa:hasSource kzsrc:probe ; kz:sourceField {p} ] .
kz:ProbeClass{i} a owl:Class ; rdfs:label {p}@en ; skos:definition {p}@en ; rdfs:comment {p} ;
    rdfs:subClassOf kz:Claim .
kz:probeProperty{i} a owl:ObjectProperty ; rdfs:label {p}@en ; rdfs:domain kz:ProbeClass{i} ; rdfs:range kz:State .
kz:probe-concept-{i} a skos:Concept ; skos:inScheme kz:ProbeScheme ; rdfs:label {p}@en ; skos:altLabel {p}@en ;
    skos:definition {p}@en .
"""


def probe_graph() -> str:
    """The Turtle text of the probes' graph (see the module's docstring)."""
    out, start = [HEAD.format(*(ttl(p) for p in PROBES[:8]))], 0
    for i, probe in enumerate(PROBES):
        sentence = f"Probe {i} says {probe} here."
        at = start + sentence.index(probe)
        out.append(ONE.format(i=i, p=ttl(probe), start=start, end=start + len(sentence), sentence=ttl(sentence),
                              year=1950 + i, qstart=at, qend=at + len(probe)))
        start += len(sentence) + 1
    return "".join(out)
