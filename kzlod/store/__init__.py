"""Where the graph lives: in memory, an Oxigraph store on disk, or a SPARQL endpoint.

:mod:`.spec` parses what a command names (``--store``, ``--endpoint``) and opens it,
:mod:`.backends` holds the stores behind one small interface, :mod:`.bulk`
loads files into a disk store through the streaming gate, and :mod:`.rdfconv`
converts between pyoxigraph and rdflib terms for the libraries that need rdflib.
"""

from kzlod.store.backends import (
    INFERRED_GRAPH,
    EndpointStore,
    GraphStore,
    OxigraphStore,
    file_graph,
    memory_store,
)
from kzlod.store.spec import StoreSpec

__all__ = ["INFERRED_GRAPH", "EndpointStore", "GraphStore", "OxigraphStore", "file_graph", "memory_store",
           "StoreSpec"]
