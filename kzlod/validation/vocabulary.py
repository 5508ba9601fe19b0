"""The closed vocabulary: what new data may say, beyond valid RDF and the shapes.

A data file (one given to ``validate`` or ``add``, or one of the project's
``data/``) is checked for:

* **terms**: every predicate and every class (object of ``rdf:type``) is
  declared in the project's ontology or belongs to a vocabulary the project
  uses (``[vocabulary] use`` in ``kzlod.toml``: by default RDF, RDFS, OWL,
  XSD, SKOS, ORG, PROV-O, OWL-Time, Web Annotation, DCTERMS and FOAF, whose
  terms come from rdflib's closed namespaces; a namespace IRI there admits
  every name in it). Any other is refused with the closest known names;
* **prefixes**: a prefix name kzlod or the project binds (``kz:``,
  ``kzd:``, ``rdfs:`` …) bound to another IRI;
* **schema statements**: new classes or properties, axioms (sub-class,
  domain, inverse, restrictions …), statements about the ontology's own
  terms, and ``owl:sameAs``/``owl:differentFrom`` (which merge or split
  entities under reasoning): they belong in ``ontology/``;
* **links to the outside** (``skos:exactMatch`` and the other mapping
  properties, ``rdfs:seeAlso``, ``foaf:page`` …) that are not ``http`` or
  ``https`` IRIs, and IRIs of other schemes anywhere (``javascript:``,
  ``file:``).

Each problem is one line with the file and line of the statement.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import pyoxigraph as ox

from kzlod.errors import InputError
from kzlod.gate.parse import ParsedFile, parse_trusted
from kzlod.project import DEFAULT_VOCABULARIES, Project
from kzlod.vocab import KZ, NAMESPACES, OWL, RDF, RDF_TYPE, RDFS, compact

#: The W3C Web Annotation Vocabulary (https://www.w3.org/TR/annotation-vocab/), which rdflib lacks.
OA = "http://www.w3.org/ns/oa#"
OA_TERMS = (  # noqa: SIM905 - a word list reads better than 50 quoted names
    "Annotation Choice CssSelector CssStyle DataPositionSelector Direction FragmentSelector HttpRequestState "
    "Motivation RangeSelector ResourceSelection Selector SpecificResource State Style SvgSelector "
    "TextPositionSelector TextQuoteSelector TextualBody TimeState XPathSelector "
    "annotationService bodyValue cachedSource canonical end exact hasBody hasEndSelector hasPurpose hasScope "
    "hasSelector hasSource hasStartSelector hasState hasTarget motivatedBy prefix processingLanguage refinedBy "
    "renderedVia sourceDate sourceDateEnd sourceDateStart start styleClass styledBy suffix textDirection via"
).split()

SKOS = NAMESPACES["skos"]
FOAF = NAMESPACES["foaf"]
#: Properties that link to something outside the graph: their values are http(s) IRIs.
LINKS = {SKOS + p for p in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")} | {
    RDFS + "seeAlso", RDFS + "isDefinedBy", FOAF + "page", FOAF + "homepage", FOAF + "isPrimaryTopicOf"}
#: IRI schemes data may use at all.
SCHEMES = ("http", "https", "urn", "mailto")

SCHEMA_CLASSES = {RDFS + "Class", RDFS + "Datatype", RDF + "Property"} | {OWL + c for c in (
    "Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty", "OntologyProperty", "TransitiveProperty",
    "SymmetricProperty", "AsymmetricProperty", "ReflexiveProperty", "IrreflexiveProperty", "FunctionalProperty",
    "InverseFunctionalProperty", "Restriction", "Ontology", "AllDisjointClasses", "AllDisjointProperties",
    "AllDifferent", "NegativePropertyAssertion", "Axiom")}
SCHEMA_PREDICATES = {RDFS + p for p in ("subClassOf", "subPropertyOf", "domain", "range")} | {OWL + p for p in (
    "equivalentClass", "equivalentProperty", "inverseOf", "propertyChainAxiom", "disjointWith",
    "propertyDisjointWith", "complementOf", "unionOf", "intersectionOf", "oneOf", "onProperty", "onClass",
    "someValuesFrom", "allValuesFrom", "hasValue", "hasSelf", "cardinality", "minCardinality", "maxCardinality",
    "qualifiedCardinality", "minQualifiedCardinality", "maxQualifiedCardinality", "hasKey", "imports",
    "disjointUnionOf", "members", "distinctMembers", "sameAs", "differentFrom")}
IDENTITY = {OWL + "sameAs", OWL + "differentFrom"}


@dataclass
class Problem:
    """One statement a data file may not make."""

    file: str
    line: int
    focus: str  # the subject's IRI, or "[]"
    path: str  # the predicate's IRI
    value: str
    message: str
    focus_id: str = ""  # the subject's id when it is a blank node


class Vocabulary:
    """The terms data may use: the ontology's own, and those of the vocabularies the project uses."""

    def __init__(self, ontology_terms: set[str], vocabularies=DEFAULT_VOCABULARIES):
        self.ontology_terms = ontology_terms
        self.terms: set[str] = set(ontology_terms)
        self.open: list[str] = []  # namespaces whose every name is admitted
        for name in vocabularies:
            if "://" in name or name.startswith("urn:"):
                self.open.append(name)
            else:
                namespace, names = _known_vocabulary(name)
                self.terms.update(namespace + n for n in names)

    def declares(self, iri: str) -> bool:
        if iri in self.terms or iri.startswith(tuple(self.open)):
            return True
        return bool(re.fullmatch(re.escape(RDF) + r"_[1-9][0-9]*", iri))  # rdf:_1, rdf:_2 … (containers)

    def closest(self, iri: str) -> list[str]:
        names = {compact(t): t for t in self.terms}
        return difflib.get_close_matches(compact(iri), list(names), n=3, cutoff=0.75)


def _known_vocabulary(name: str) -> tuple[str, list[str]]:
    """A vocabulary by its usual prefix: the Web Annotation terms, or one of rdflib's closed namespaces."""
    if name == "oa":
        return OA, OA_TERMS
    import rdflib.namespace as namespaces
    from rdflib.namespace import DefinedNamespace

    attr = {"schema": "SDO", "dct": "DCTERMS"}.get(name, name.upper())
    ns = getattr(namespaces, attr, None)
    if not (isinstance(ns, type) and issubclass(ns, DefinedNamespace)):
        raise InputError(f"kzlod.toml: [vocabulary] use: unknown vocabulary {name!r}; give a prefix rdflib knows "
                         "(rdf, rdfs, owl, xsd, skos, org, prov, time, oa, dcterms, foaf, dcat, void, schema …) "
                         "or a namespace IRI")
    return str(ns._NS), list(ns.__annotations__) + list(getattr(ns, "_extras", []))


_ONTOLOGY_CACHE: dict = {}


def ontology_terms(project: Project) -> set[str]:
    """IRIs the project's ontology files describe (cached by their paths and modification times)."""
    paths = project.ontology_files()
    key = tuple((str(p), p.stat().st_mtime_ns) for p in paths)
    if key not in _ONTOLOGY_CACHE:
        _ONTOLOGY_CACHE.clear()
        _ONTOLOGY_CACHE[key] = {q.subject.value for p in paths for q in parse_trusted(p)
                                if isinstance(q.subject, ox.NamedNode)}
    return _ONTOLOGY_CACHE[key]


# --- the checks -------------------------------------------------------------------------------

def _spellings(iri: str, prefixes: dict) -> list[str]:
    out = [f"<{iri}>"]
    for p, ns in prefixes.items():
        if iri.startswith(ns) and iri != ns:
            out.append(f"{p}:{iri[len(ns):]}")
    if iri == RDF_TYPE:
        out.append("a")
    return out


def _line(pf: ParsedFile, *iris: str) -> int:
    """The first line of ``pf`` where the first of ``iris`` that is written there appears (1 if none)."""
    for iri in iris:
        for sp in _spellings(iri, pf.prefixes):
            m = re.search(rf"(?<![\w:<]){re.escape(sp)}(?![\w-])" if not sp.startswith("<") else re.escape(sp),
                          pf.text)
            if m:
                return pf.text.count("\n", 0, m.start()) + 1
    return 1


def _name(term) -> str:
    return compact(term.value) if isinstance(term, ox.NamedNode) else ("[]" if isinstance(term, ox.BlankNode)
                                                                        else f'"{term.value}"')


def check_prefixes(pf: ParsedFile, bound: dict[str, str]) -> list[Problem]:
    """Prefix names of kzlod or the project bound to another IRI."""
    problems = []
    for prefix, iri in sorted(pf.prefixes.items()):
        if prefix in bound and iri != bound[prefix]:
            found = list(re.finditer(rf"(?im)^[ \t]*(@prefix|prefix)\s+{re.escape(prefix)}:\s*<{re.escape(iri)}>",
                                     pf.text))
            line = pf.text.count("\n", 0, found[-1].start()) + 1 if found else 1
            problems.append(Problem(str(pf.path), line, f"@prefix {prefix}:", "", iri,
                                    f"prefix {prefix}: is bound to <{iri}>, but in this project {prefix}: is "
                                    f"<{bound[prefix]}>: bind it to that, or choose another prefix name"))
    return problems


def check_file(pf: ParsedFile, vocabulary: Vocabulary, bound: dict[str, str]) -> list[Problem]:
    """Everything the closed vocabulary refuses in one data file, each problem once, in file order."""
    problems = check_prefixes(pf, bound)
    seen = set()

    def short(iri: str) -> str:
        """A prefixed name by kzlod's prefixes, else by the file's own, else the IRI."""
        shorter = compact(iri)
        if shorter == iri:
            for prefix, ns in pf.prefixes.items():
                if iri.startswith(ns) and iri != ns:
                    return f"{prefix}:{iri[len(ns):]}"
        return shorter

    def name(term) -> str:
        return short(term.value) if isinstance(term, ox.NamedNode) else _name(term)

    def refuse(q, key, message, *where):
        if key in seen:
            return
        seen.add(key)
        focus = q.subject.value if isinstance(q.subject, ox.NamedNode) else "[]"
        problems.append(Problem(str(pf.path), _line(pf, *where), focus, q.predicate.value,
                                q.object.value if not isinstance(q.object, ox.BlankNode) else "[]", message,
                                focus_id=q.subject.value if isinstance(q.subject, ox.BlankNode) else ""))

    for q in pf.quads:
        s, p, o = q.subject, q.predicate.value, q.object
        for term in (s, q.predicate, o):
            if isinstance(term, ox.NamedNode) and term.value.split(":", 1)[0].lower() not in SCHEMES:
                refuse(q, ("scheme", term.value), f"IRI <{term.value}> has the scheme "
                       f"'{term.value.split(':', 1)[0]}:'; data IRIs are http, https, urn or mailto", term.value)
        if p in IDENTITY:
            refuse(q, ("identity", s, o), "identity statements merge or split entities under reasoning and "
                   "belong in ontology/; to link an entity to an outside resource use skos:exactMatch", p)
            continue
        if p in SCHEMA_PREDICATES:
            refuse(q, ("axiom", s, p), "a schema statement (an axiom) belongs in ontology/, not in data", p)
            continue
        if p == RDF_TYPE and isinstance(o, ox.NamedNode) and o.value in SCHEMA_CLASSES:
            refuse(q, ("declares", s), "new classes and properties are declared in ontology/, not in data", o.value)
            continue
        if isinstance(s, ox.NamedNode) and (s.value in vocabulary.ontology_terms or s.value.startswith(KZ)):
            what = "a term of the ontology" if s.value in vocabulary.ontology_terms else \
                "in the ontology's namespace"
            refuse(q, ("about", s.value), f"{name(s)} is {what}: statements about it belong in ontology/, "
                   "not in data", s.value)
            continue
        if not vocabulary.declares(p):
            close = vocabulary.closest(p)
            refuse(q, ("term", p), f"unknown property {short(p)}: not declared in the ontology or in a "
                   "vocabulary kzlod.toml uses" + (f"; did you mean {' or '.join(close)}?" if close else
                                                   " ('kzlod vocab' lists the project's terms)"), p)
        if p == RDF_TYPE and isinstance(o, ox.NamedNode) and not vocabulary.declares(o.value):
            close = vocabulary.closest(o.value)
            refuse(q, ("term", o.value), f"unknown class {short(o.value)}: not declared in the ontology or in "
                   "a vocabulary kzlod.toml uses" + (f"; did you mean {' or '.join(close)}?" if close else
                                                     " ('kzlod vocab' lists the project's terms)"), o.value)
        if p in LINKS and not (isinstance(o, ox.NamedNode) and o.value.startswith(("http://", "https://"))) \
                and ("scheme", o.value) not in seen:
            refuse(q, ("link", s, p, o), f"{short(p)} links to the outside: its value must be an http or "
                   f"https IRI, not {name(o)}", p)
    return problems


def check(parsed: list[ParsedFile], project: Project, prefixes: dict[str, str] | None = None) -> list[Problem]:
    """The closed-vocabulary problems of data files, in the order of the files."""
    if not parsed:
        return []
    vocabulary = Vocabulary(ontology_terms(project), tuple(project.vocabularies))
    bound = {**NAMESPACES, **project.prefixes, **(prefixes or {})}
    return [problem for pf in parsed for problem in check_file(pf, vocabulary, bound)]
