"""The closure of a store's triples is the same whether or not the reasoner reads the triples that
only type what is typed already (:func:`kzlod.reasoning.instore.typing_only`)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest

from kzlod.project import bundled
from kzlod.reasoning import instore
from kzlod.store import bulk
from kzlod.store.backends import INFERRED_GRAPH
from kzlod.vocab import KZ, RDFS

pytest.importorskip("reasonable")

#: Extra data: a typed subject (its triple adds nothing), an untyped one, a subject typed by a subclass,
#: an object typed outside the range, and a literal of a datatype range.
EXTRA = f"""
<https://w3id.org/kzlod/id/t1> a <{KZ}TradeFigure> ; <{KZ}rank> 3 ; <{KZ}partner> <https://w3id.org/kzlod/id/x> .
<https://w3id.org/kzlod/id/t2> <{KZ}rank> 4 .
<https://w3id.org/kzlod/id/s1> <{KZ}inSection> <https://w3id.org/kzlod/id/sec1> .
<https://w3id.org/kzlod/id/sec1> a <{RDFS}Resource> .
"""


def closure(store_dir: Path, *, reduced: bool, monkeypatch) -> tuple[set, instore.StoreClosure]:
    copy = Path(tempfile.mkdtemp(prefix="kzlod-instore-"))
    try:
        shutil.copytree(store_dir, copy / "s")
        store = ox.Store(str(copy / "s"))
        if not reduced:
            monkeypatch.setattr(instore, "typing_only", lambda store, predicates: {})
        result = instore.StoreClosure(store=copy)
        work = copy / "work"
        work.mkdir()
        instore.reason_with_reasonable(store, work, result)
        monkeypatch.undo()
        inferred = {str(q.triple) for q in store.quads_for_pattern(None, None, None, INFERRED_GRAPH)}
        del store
        return inferred, result
    finally:
        shutil.rmtree(copy, ignore_errors=True)


@pytest.mark.parametrize("with_generated", [False, True])
def test_leaving_out_triples_that_only_type_what_is_typed_changes_no_entailment(
        work, generated, monkeypatch, with_generated):
    extra = work / "extra.ttl"
    extra.write_text(EXTRA, encoding="utf-8")
    files = [extra] + ([generated[1]] if with_generated else [])
    store_dir = work / f"store-{with_generated}"
    bulk.load(bundled(), files, store_dir)
    store = ox.Store.read_only(str(store_dir))
    predicates = instore.relevant_predicates(store)
    assert predicates is not None and instore.typing_only(store, predicates), "the case the test is about"
    del store
    full, full_result = closure(store_dir, reduced=False, monkeypatch=monkeypatch)
    less, less_result = closure(store_dir, reduced=True, monkeypatch=monkeypatch)
    assert less == full
    assert (less_result.inferred, less_result.dropped, less_result.trivial) == \
        (full_result.inferred, full_result.dropped, full_result.trivial)
