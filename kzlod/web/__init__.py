"""The web: HTML pages in one shell for the static release and the server (:mod:`.pages`),
the SPARQL 1.1 Protocol (:mod:`.protocol`), and the server itself (:mod:`.server`)."""
