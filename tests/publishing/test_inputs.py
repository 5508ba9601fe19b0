"""A release's extra files pass the strict gate in a child process while the release reads them."""

from __future__ import annotations

import os
import signal

import pytest
from click.testing import CliRunner

from kzlod.cli import cli
from kzlod.errors import InputError, KzlodError
from kzlod.files import cache
from kzlod.gate.stream import gate
from kzlod.publishing import inputs
from kzlod.publishing.inputs import Gate

GOOD = '<https://w3id.org/kzlod/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "X" .\n'
ILL_TYPED = ('<https://w3id.org/kzlod/id/x> <https://w3id.org/kzlod/ontology#index> '
             '"seven"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
BROKEN = '<https://w3id.org/kzlod/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "X" \n'


def _gate_error(path) -> InputError:
    with pytest.raises(InputError) as caught:
        gate(path)
    return caught.value


def test_the_gate_answers_what_it_answers_in_this_process(tmp_path):
    good, bad = tmp_path / "good.nt", tmp_path / "bad.nt"
    good.write_text(GOOD * 3)
    bad.write_text(GOOD + ILL_TYPED)
    assert Gate([good]).wait() == [(3, cache.file_digest(good))] == [gate(good)]
    assert Gate([]).wait() == []
    expected = _gate_error(bad)
    with pytest.raises(InputError) as caught:
        Gate([good, bad]).wait()
    assert (caught.value.message, caught.value.details) == (expected.message, expected.details)


def test_a_gate_whose_child_is_killed_fails_in_one_error(tmp_path, monkeypatch):
    """The gate forks through kzlod.forking: a child the system kills (out of memory) is an error the
    release reports, not a hang or a traceback."""
    good = tmp_path / "good.nt"
    good.write_text(GOOD)
    parent = os.getpid()

    def killed(path):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return gate(path)

    monkeypatch.setattr(inputs, "gate", killed)
    with pytest.raises(KzlodError) as caught:
        Gate([good]).wait()
    assert caught.value.message == "checking the input files failed: the process exited with -9"


def test_a_gate_whose_child_fails_says_what_failed(tmp_path, monkeypatch):
    good = tmp_path / "good.nt"
    good.write_text(GOOD)

    def broken(path):
        raise RuntimeError("a parser that broke")

    monkeypatch.setattr(inputs, "gate", broken)
    with pytest.raises(KzlodError) as caught:
        Gate([good]).wait()
    assert caught.value.message == "checking the input files failed: RuntimeError('a parser that broke')"


def test_a_gate_no_one_waits_for_is_stopped(tmp_path):
    good = tmp_path / "good.nt"
    good.write_text(GOOD)
    checked = Gate([good])
    checked.close()
    checked.close()


@pytest.mark.parametrize("text", [GOOD + ILL_TYPED, GOOD + BROKEN], ids=["ill-typed", "syntax"])
def test_publish_reports_a_refused_file_in_the_gates_words(tmp_path, text):
    bad = tmp_path / "bad.nt"
    bad.write_text(text)
    expected = _gate_error(bad)
    result = CliRunner().invoke(cli, ["publish", str(tmp_path / "out"), "--data", str(bad)],
                                env={"KZLOD_CACHE_DIR": str(tmp_path / "cache")})
    assert result.exit_code == 3, result.output
    assert expected.message in result.output
    assert not (tmp_path / "out" / "SHA256SUMS").exists()


def test_the_store_writes_the_lines_the_serializer_writes(tmp_path):
    """Above RDFC_MAX a dump's lines are the store's own (Graphs.dump_quads): the same lines, in another order."""
    import io

    import pyoxigraph as ox

    from kzlod.project import bundled
    from kzlod.publishing.release import read_graphs

    extra = tmp_path / "extra.nt"
    extra.write_text(GOOD + '_:b <http://www.w3.org/2000/01/rdf-schema#comment> "two\\nlines \\" .\\n" .\n')
    graphs = read_graphs(bundled(), [extra])
    for closure in (False, True):
        for named, quads in ((True, graphs.quads(inferred=closure)), (False, graphs.triples(closure=closure))):
            out = io.BytesIO()
            graphs.dump_quads(out, closure=closure, graphs=named)
            expected = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
            assert sorted(out.getvalue().splitlines()) == sorted(expected.splitlines())
            assert len(expected.splitlines()) > 3000


def test_lines_written_in_pieces_get_their_graph_whole():
    import io

    import pyoxigraph as ox

    from kzlod.publishing.lines import InGraph

    text = b'<http://a> <http://p> "x .\\n y" .\n_:b <http://p> <http://c> .\n'
    for size in range(1, len(text) + 1):
        out = io.BytesIO()
        with InGraph(out, ox.NamedNode("http://g")) as named:
            for at in range(0, len(text), size):
                named.write(text[at:at + size])
        assert out.getvalue() == text.replace(b" .\n", b" <http://g> .\n")
    with pytest.raises(ValueError), InGraph(io.BytesIO(), ox.NamedNode("http://g")) as named:
        named.write(b"<http://a> <http://p> <http://c> .")


@pytest.mark.parametrize("run, runs", [(256, "many"), (4096, "many"), (30_000, "many"), (1 << 20, "one")])
def test_lines_sorted_in_runs_are_the_lines_sorted_at_once(run, runs, monkeypatch):
    """A dump's lines are sorted in runs of ``run`` bytes and merged: the same bytes as one sort of all
    of them, each line once, duplicates within a run and across runs alike."""
    import io
    import random

    from kzlod.publishing import lines as dumplines
    from kzlod.publishing.lines import write_sorted

    made, real = [], dumplines._run
    monkeypatch.setattr(dumplines, "_run", lambda lines: made.append(len(lines)) or real(lines))
    rng = random.Random(run)
    lines = [f'<http://x/{rng.randrange(300)}> <http://p> "{rng.choice(["a", "é", "z"])}" .\n'.encode()
             for _ in range(2000)]
    out = io.BytesIO()
    write_sorted(io.BytesIO(b"".join(lines)), out, run)
    assert out.getvalue() == b"".join(sorted(set(lines)))
    assert len(set(lines)) < len(lines)  # there were duplicates to drop
    assert (len(made) > 2 and sum(made) == len(lines)) if runs == "many" else not made
    empty = io.BytesIO()
    write_sorted(io.BytesIO(b""), empty, run)
    assert empty.getvalue() == b""
