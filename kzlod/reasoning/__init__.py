"""OWL 2 RL reasoning: the closure of a graph (owlrl or reasonable), its clashes, and its cache.

Everything lives in :mod:`.closure`; this package is the reasoning layer, above
the store and below validation.
"""

from kzlod.reasoning.closure import Closure, StoreClosure, compute, project_closure, reason_store

__all__ = ["Closure", "StoreClosure", "compute", "project_closure", "reason_store"]
