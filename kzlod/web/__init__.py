"""The web: HTML pages in one shell for the static release and the server (:mod:`.pages`;
sources, claims with facets, timeline, map and search in :mod:`.browse`; the one site they make,
as files or routes, in :mod:`.site`), the SPARQL 1.1 Protocol (:mod:`.protocol`), and the server
itself (:mod:`.server`)."""
