"""pySHACL over a whole graph on two cores: this process and a forked child take the targeted shapes
one at a time from a queue they share, the child computing the consistency closure first.

pySHACL validates each shape that has targets on its own (the shapes it refers to are validated
inside it), and its report is the union of every shape's results, so validating the targeted
shapes in two parts and joining the two reports gives the whole run's report: the same results,
under one ``sh:ValidationReport`` whose ``sh:conforms`` is true when both were. Which process takes
which shape is decided as they go (:class:`Claims`): whichever is free takes the next, so neither
waits for the other while shapes are left, whatever each shape costs. The child also computes the
graph's OWL RL closure (into the cache, as :func:`kzlod.reasoning.closure.cached_closure` keeps it)
and sends back its clashes; this process does the work that needs neither (``meanwhile``). Where a
process cannot fork, where threads are running (a forked child would inherit their locks), where
no second processor is idle, or when the child fails, everything runs here, one step after the
other.
"""

from __future__ import annotations

import os
import pickle
import threading
from contextlib import contextmanager

from kzlod.errors import DataError, InputError
from kzlod.forking import ChildFailed, Claims, answer, cores, fork_pickled, forkable, write_all
from kzlod.reasoning.closure import cached_clashes
from kzlod.reasoning.engines import compute
from kzlod.validation.pyshaclwork import quiet, remembering
from kzlod.validation.sparqlengine import sparql_by_oxigraph


def run_shacl(data, shapes, keep=None, *, focus=None, store=None):
    """pySHACL's results graph for ``data`` (inference off, SHACL-AF off), starting from the shapes
    in ``keep`` only if given (nodes of :func:`targeted_shapes`), else from every shape.

    ``focus`` (a set of rdflib nodes): only these of each shape's targets are validated, the rest of
    ``data`` being there for the shapes to read. Every result's ``sh:focusNode`` is the target it was
    found for (a nested shape's failure is reported on the target whose value failed it), so the
    results about the nodes of ``focus`` are those of a run over every target. (pySHACL's own
    ``focus_nodes`` option cannot stand for it: it drops blank targets, and it filters the values
    that nested shapes are checked on too.)

    pySHACL's SPARQL (the SHACL-SPARQL checks) runs on Oxigraph (:mod:`kzlod.validation.sparqlengine`):
    on ``store``, a pyoxigraph store whose union of graphs holds ``data``'s triples (blank nodes by the
    same labels), else on one made from ``data`` when the first query comes.

    pySHACL reads ``data`` and ``shapes`` through views that remember each lookup's answer
    (:func:`kzlod.validation.pyshaclwork.remembering`): it changes neither."""
    data = remembering(data)
    with _pyshacl_run(data, store, focus is not None):
        return _run(data, shapes, keep, focus)


#: The SPARQL engine under pySHACL: a context manager of the data graph, its store and whether only
#: some targets are validated.
_sparql = sparql_by_oxigraph


@contextmanager
def _pyshacl_run(data, store, some_targets=False):
    """pySHACL's failures said as kzlod's (the shapes: unreadable input; a run that broke: a failed
    validation), and its SPARQL on Oxigraph (:data:`_sparql`)."""
    from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, RuleLoadError, ShapeLoadError

    try:
        with _sparql(data, store, some_targets=some_targets), quiet():
            yield
    except (ShapeLoadError, ConstraintLoadError, RuleLoadError) as exc:  # the shapes, not the data
        raise InputError(f"the project's shapes cannot be applied: {exc.message}") from None
    except ReportableRuntimeError as exc:
        raise DataError(f"SHACL validation failed: {exc.message}") from None


def _run(data, shapes, keep, focus=None):
    import pyshacl

    shapes = remembering(shapes)
    if keep is None and focus is None:
        _conforms, results_graph, _ = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True,
            do_owl_imports=False, abort_on_first=False, meta_shacl=False,
        )
        return results_graph
    from pyshacl.graph_abstraction import DataGraph
    from pyshacl.shapes_graph import ShapesGraph

    class Some(ShapesGraph):
        """The shapes graph, all its shapes known (for the shapes they refer to), only ``keep`` started
        from (taken from it one at a time, as pySHACL comes to each: :class:`Claims`), each on the
        targets of it in ``focus`` only."""

        @property
        def shapes(self):
            found = ShapesGraph.shapes.fget(self)
            if focus is not None:
                for shape in found:
                    _targets_in(shape, focus)
            if keep is None:
                return found
            by_node = {shape.node: shape for shape in found}
            return (by_node[node] for node in keep if node in by_node)

    validator = pyshacl.Validator(DataGraph.from_rdflib(data), shacl_graph=shapes, options={
        "inference": "none", "advanced": False, "allow_warnings": True, "abort_on_first": False, "inplace": False})
    validator.shacl_graph = Some(shapes, validator.debug, validator.logger)
    return validator.run()[1]


def _targets_in(shape, focus) -> None:
    """Make a pySHACL shape find only those of its targets that are in ``focus``. Only a shape pySHACL
    starts from looks for targets: a shape checked inside another is handed the values to check."""
    base = type(shape)
    if getattr(base, "focus", None) is focus:
        return

    class Focused(base):
        __slots__ = ()  # the same layout: the shape becomes one in place

        def focus_nodes(self, data_graph, debug=False):
            return {node for node in base.focus_nodes(self, data_graph, debug=debug) if node in focus}

    Focused.focus = focus
    shape.__class__ = Focused


def targeted_shapes(shapes) -> list:
    """The shapes pySHACL starts from: those with a target, explicit or implicit."""
    from pyshacl.shapes_graph import ShapesGraph

    return [shape.node for shape in ShapesGraph(shapes).shapes
            if any(next(iter(t), None) is not None for t in shape.target())]


def shacl_and_clashes(data, shapes, closure_key: str | None, engine: str | None, meanwhile=lambda: None,
                      store=None):
    """pySHACL's results graph for the whole of ``data``, the clashes of its closure (cached under
    ``closure_key``; None when no closure is asked for) and what ``meanwhile()`` returns (work that
    needs neither, done while the child works): on two cores when that can be done."""
    targeted = targeted_shapes(shapes) if _two_cores() else []
    if len(targeted) < 2:
        results, clashes = _one_by_one(data, shapes, closure_key, engine, store)
        return results, clashes, meanwhile()
    queue = Claims(targeted)

    def child():
        clashes = _clashes(data, closure_key, engine)
        # the triples themselves: their blank nodes keep their labels (N-Triples read back by rdflib
        # would not), so a result's focus or value that is a blank node of the data is still found there
        return list(run_shacl(data, shapes, queue, store=store)), clashes

    pid, read_end = fork_pickled(child)
    try:
        done = meanwhile()
        results = run_shacl(data, shapes, queue, store=store)
    finally:
        queue.close()
        try:
            got = answer(pid, read_end)
        except ChildFailed:
            got = None
    try:
        if got is None:
            raise ValueError("the child failed")
        triples, clashes = got
        from rdflib import Graph

        theirs = Graph()
        for triple in triples:
            theirs.add(triple)
    except Exception:  # noqa: BLE001 - a child that failed: the shapes this process did not take are done here
        mine = set(queue.taken)
        theirs = run_shacl(data, shapes, [s for s in targeted if s not in mine], store=store)
        clashes = _clashes(data, closure_key, engine)
    return join_reports(results, theirs), clashes, done


def _two_cores() -> bool:
    """Whether a forked child can work beside this process: fork, no thread, two processors for it,
    and one of them idle now (:func:`_busy`). On a busy machine the two processes would only share
    one processor's time, and the split's own work (a second harvest of the shapes, the fork,
    sending the results back) would make the run slower."""
    return forkable() and _busy() < cores() - 1.5


#: The share of the last ten seconds (%) in which a runnable task waited for a processor, past which
#: the machine counts as busy (/proc/pressure/cpu).
PRESSURE = 10.0


def _busy() -> float:
    """How many processors other processes keep busy: those running now (from /proc/loadavg's fourth
    field, less this one), or every one when tasks waited for a processor more than
    :data:`PRESSURE` per cent of the last ten seconds (the kernel's CPU pressure). Without that
    figure, the more of the count and the last minute's load average. A moment's count alone splits
    the work just before the others run again; the minute's average lags (a run of kzlod after
    another kept it near 1 on an idle machine, and no run split); the pressure tells whether
    anything waited, whoever made the load."""
    now = _running()
    pressure = _pressure()
    if pressure is not None:
        return float(os.cpu_count() or 1) if pressure > PRESSURE else now
    try:
        return max(now, os.getloadavg()[0])
    except (AttributeError, OSError):
        return now


def _running() -> float:
    """How many other processes are running now (/proc/loadavg's fourth field, less this one)."""
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            return float(int(fh.read().split()[3].split("/")[0]) - 1)
    except (OSError, ValueError, IndexError):
        return 0.0


def _pressure(path: str = "/proc/pressure/cpu") -> float | None:
    """The kernel's CPU pressure: the per cent of the last ten seconds in which some runnable task
    waited for a processor (its ``some avg10``); None where the kernel does not tell it."""
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                if line.startswith("some "):
                    return float(line.split("avg10=")[1].split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _one_by_one(data, shapes, closure_key, engine, store=None):
    return run_shacl(data, shapes, store=store), _clashes(data, closure_key, engine)


def _clashes(data, closure_key: str | None, engine: str | None):
    if closure_key is None:
        return None
    return cached_clashes(closure_key, lambda: compute(data, engine=engine))


def join_reports(into, other):
    """Add ``other``'s results to the report graph ``into`` (under its one ``sh:ValidationReport``);
    ``sh:conforms`` stays true only if both reports said so. Returns ``into``."""
    from rdflib import RDF, Literal
    from rdflib.namespace import SH

    mine = into.value(predicate=RDF.type, object=SH.ValidationReport)
    theirs = other.value(predicate=RDF.type, object=SH.ValidationReport)
    for s, p, o in other:
        if s != theirs:
            into.add((s, p, o))
        elif p == SH.result:
            into.add((mine, p, o))
    conforms = bool(into.value(mine, SH.conforms).toPython()) and bool(other.value(theirs, SH.conforms).toPython())
    into.set((mine, SH.conforms, Literal(conforms)))
    return into


class Child:
    """Work begun at once in a forked child (``prepare()``: imports, the shapes), finished there with
    what this process sends it later (``finish(prepared, sent)``), the answer read back (pickled).

    Meanwhile this process does its own part (reading a store), so the two overlap. Where the process
    cannot fork or has threads running (a forked child would inherit their locks), or when the child
    fails, :meth:`answer` does all of it here. :meth:`close` ends a child that will not be answered
    (the caller's error)."""

    def __init__(self, prepare, finish):
        self._prepare, self._finish = prepare, finish
        self.pid = self._down = self._up = self._writer = None
        if not hasattr(os, "fork") or threading.active_count() != 1:
            return
        down_read, down_write = os.pipe()

        def child():
            os.close(down_write)  # else the child would never see the end of what it is sent
            prepared = prepare()
            with os.fdopen(down_read, "rb") as pipe:
                sent = pickle.loads(pipe.read())
            return finish(prepared, sent)

        pid, up_read = fork_pickled(child)
        os.close(down_read)
        self.pid, self._down, self._up = pid, down_write, up_read

    def send(self, sent) -> None:
        """Give the child what it finishes with (written by a thread: the child reads it once
        prepared, and this process goes on meanwhile)."""
        self._sent = sent
        if self.pid is None:
            return
        data = pickle.dumps(sent, protocol=pickle.HIGHEST_PROTOCOL)
        fd, self._down = self._down, None

        def write():
            try:
                write_all(fd, data)
            except OSError:
                pass  # the child died: the answer is computed here
            finally:
                os.close(fd)

        self._writer = threading.Thread(target=write, daemon=True)
        self._writer.start()

    def answer(self):
        """``finish(prepare(), sent)``, for what :meth:`send` gave: from the child if it gives it, else
        computed here."""
        if self.pid is not None:
            pid, up, self.pid, self._up = self.pid, self._up, None, None  # answer() reaps it and closes its pipe
            try:
                return answer(pid, up)
            except (ChildFailed, OSError):
                pass  # a child that failed: its work is done here
            finally:
                self.close()
        return self._finish(self._prepare(), self._sent)

    def close(self) -> None:
        """End the child (it reads the end of its input and exits) and wait for it."""
        for fd in (self._down, self._up):
            if fd is not None:
                os.close(fd)
        self._down = self._up = None
        if self._writer is not None:
            self._writer.join()
        pid, self.pid = self.pid, None
        if pid is not None:
            os.waitpid(pid, 0)
