"""pySHACL without the work whose answer kzlod does not use: the same results graph, sooner.

Three things pySHACL does over and over on a run, none of which changes what it reports:

* each time a shape is checked (a shape inside an ``sh:or`` once for every value it is tried on),
  it tells which of the shape's predicates are constraint parameters by looking each one up in a
  *list* of some forty terms, comparing one by one: :func:`install` gives it the same terms in a
  list whose ``in`` is a set lookup (the same answer, the same order of the shape's predicates);
* for every result, also the ones an ``sh:or`` throws away, it writes a text description of the
  result (its focus node, value and shape stringified, a blank node as its whole Turtle), for its
  text report: kzlod reads the results graph only, so inside :func:`quiet` the description is
  left empty (the results graph is built as before: pySHACL's report text is all that changes);
* inside ``sh:or``, ``sh:and``, ``sh:not``, ``sh:xone`` and ``sh:qualifiedValueShape`` it builds
  every result of the member shapes in full (each with a generic message that stringifies its
  focus node: a blank evidence node with all that hangs from it) and then only asks whether there
  were any, and of which severity: inside :func:`quiet` such a result is a blank node with its
  severity (what pySHACL then reads of it), nothing more;
* it reads the shape definitions from the shapes graph anew each time (a few thousand distinct
  lookups asked some 25,000 times on the bundled graph): :func:`remembering` is a view of the shapes
  graph that keeps each lookup's answer until the graph changes.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

_QUIET = contextvars.ContextVar("kzlod_pyshacl_quiet", default=False)
_UNREAD = contextvars.ContextVar("kzlod_pyshacl_unread", default=False)  # results only counted
_installed = False


class _ParameterList(list):
    """pySHACL's list of constraint parameters, with ``in`` as a set lookup."""

    def __init__(self, items):
        super().__init__(items)
        self._set = frozenset(items)

    def __contains__(self, item):
        return item in self._set

    def copy(self):
        return _ParameterList(self)


#: The pySHACL releases whose inner workings :func:`install` knows (others run as they are).
KNOWN = ("0.40.",)


def install() -> None:
    """Give pySHACL the faster parameter lookup, and a description it can skip (:func:`quiet`).
    Idempotent; what pySHACL reports is unchanged, outside :func:`quiet` its text report too. Only
    for a pySHACL release of :data:`KNOWN`: another one is left as it is (slower, the same results)."""
    global _installed
    if _installed:
        return
    import pyshacl

    if not str(getattr(pyshacl, "__version__", "")).startswith(KNOWN):
        _installed = True
        return
    import pyshacl.shape as shape_module
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    from pyshacl.constraints.constraint_component import ConstraintComponent
    from pyshacl.constraints.core.logical_constraints import (
        AndConstraintComponent,
        NotConstraintComponent,
        OrConstraintComponent,
        XoneConstraintComponent,
    )
    from pyshacl.constraints.core.shape_based_constraints import QualifiedValueShapeConstraintComponent
    from pyshacl.consts import SH_resultSeverity
    from rdflib import BNode

    shape_module.CONSTRAINT_PARAMS = (_ParameterList(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)
    describe = ConstraintComponent.make_v_result_description
    make_result = ConstraintComponent.make_v_result
    validate = shape_module.Shape.validate
    #: the constraints that only count their member shapes' results, and read only their severity
    counting = (OrConstraintComponent, AndConstraintComponent, NotConstraintComponent, XoneConstraintComponent,
                QualifiedValueShapeConstraintComponent)

    def make_v_result_description(self, *args, **kwargs):
        return "" if _QUIET.get() else describe(self, *args, **kwargs)

    def make_v_result(self, *args, **kwargs):
        if _UNREAD.get():
            node = BNode()
            return "", node, [(node, SH_resultSeverity, self.shape.severity)]
        return make_result(self, *args, **kwargs)

    def shape_validate(self, *args, **kwargs):
        path = kwargs.get("_evaluation_path", args[3] if len(args) > 3 else None)
        if path and _QUIET.get() and not _UNREAD.get() and isinstance(path[-1], counting):
            token = _UNREAD.set(True)
            try:
                return validate(self, *args, **kwargs)
            finally:
                _UNREAD.reset(token)
        return validate(self, *args, **kwargs)

    ConstraintComponent.make_v_result_description = make_v_result_description
    ConstraintComponent.make_v_result = make_v_result
    shape_module.Shape.validate = shape_validate
    _installed = True


@contextmanager
def quiet():
    """pySHACL runs in here without writing its text report (the results graph is the same)."""
    install()
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def remembering(graph):
    """A view of the rdflib graph ``graph`` (the same store: what is added through either is in
    both) that remembers the answer to each triple pattern until a triple is added or removed
    through it. For the shapes graph, which a run reads over and over and does not change (pySHACL
    adds its few system triples through the view before it reads)."""
    from rdflib import Graph
    from rdflib.paths import Path

    class Remembering(Graph):
        def __init__(self):
            super().__init__(store=graph.store, identifier=graph.identifier,
                             namespace_manager=graph.namespace_manager)
            self._answers = {}

        def triples(self, triple):
            if isinstance(triple[1], Path):
                return Graph.triples(self, triple)
            found = self._answers.get(triple)
            if found is None:
                found = self._answers[triple] = tuple(Graph.triples(self, triple))
            return iter(found)

        def add(self, triple):
            self._answers.clear()
            return Graph.add(self, triple)

        def addN(self, quads):  # noqa: N802 - rdflib's name
            self._answers.clear()
            return Graph.addN(self, quads)

        def remove(self, triple):
            self._answers.clear()
            return Graph.remove(self, triple)

    return Remembering()
