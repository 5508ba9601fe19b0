"""OWL 2 RL reasoning: the closure of a graph (owlrl or reasonable), its clashes, and its cache.

The reasoning layer, above the store and below validation, by concern: the engines and
the choice between them (:mod:`.engines`), the clashes of a closure (:mod:`.clashes`), the
closure of a store's triples into its inferred graph (:mod:`.instore`), the project's closure
kept in the cache (:mod:`.closure`), and the closure of a disk store beside it (:mod:`.disk`).

Each is imported by its own name (``from kzlod.reasoning.engines import compute``): the package
imports none of them, so that a module needing one (a query needs only :mod:`.closure`) does not
load the others.
"""
