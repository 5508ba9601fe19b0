"""The plain-rdflib way of answering a named query: parse every bundled file, run the SPARQL.

Used by bench_cli.py as the anchor for kzlod's cold start.
"""

from pathlib import Path

import rdflib

root = Path(__file__).resolve().parent.parent
g = rdflib.Graph()
for folder in ("ontology", "data"):
    for path in sorted((root / folder).rglob("*.ttl")):
        g.parse(path, format="turtle")
query = (root / "kzlod" / "querying" / "queries" / "memberships.rq").read_text(encoding="utf-8")
for row in g.query(query):
    print(*row, sep=",")
