"""OWL 2 RL reasoning: the closure of a graph (owlrl or reasonable), its clashes, and its cache.

The reasoning layer, above the store and below validation, by concern: the engines and
the choice between them (:mod:`.engines`), the clashes of a closure (:mod:`.clashes`), the
closure of a store's triples into its inferred graph (:mod:`.instore`), the project's closure
kept in the cache (:mod:`.closure`), and the closure of a disk store beside it (:mod:`.disk`).
"""

from kzlod.reasoning.closure import cached_closure, closure_in_store, input_key, project_closure
from kzlod.reasoning.disk import dump_inferred, reason_store
from kzlod.reasoning.engines import Closure, choose_engine, compute, left_out_text, use_engine
from kzlod.reasoning.instore import StoreClosure

__all__ = ["Closure", "StoreClosure", "cached_closure", "choose_engine", "closure_in_store", "compute",
           "dump_inferred", "input_key", "left_out_text", "project_closure", "reason_store", "use_engine"]
