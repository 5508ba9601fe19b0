"""Ctrl-C: exit 130 and not a word, wherever the command is (regression: a long query printed
click's "Aborted!" or a timeout message and exited 1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

#: A query that runs for minutes on the bundled graph (36 billion solutions to count).
LONG = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

CASES = {
    "a query in a capped child process": ["query", LONG, "--format", "csv"],
    "a query on a thread (no memory cap)": ["query", LONG, "--format", "csv", "--max-memory", "0"],
    "a query with a timeout": ["query", LONG, "--format", "csv", "--timeout", "120"],
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_ctrl_c_exits_130_silently(case, tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "kzlod", *CASES[case]], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(1.5)  # under way: the graph is loaded and the query running
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: to the whole process group
    out, err = proc.communicate(timeout=30)
    note = b"kzlod: no project here (no kzlod.toml up from the current folder); reading the bundled graph, read-only\n"
    assert proc.returncode == 130, err
    assert err.replace(note, b"") == b"" and out == b""
