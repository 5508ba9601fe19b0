"""``kzlod query``'s memory cap: a query the user writes runs in a capped child process; kzlod's
own named queries run on a thread unless ``--max-memory`` is given (forking was a tenth of the
command's time)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kzlod.cli import cli
from kzlod.querying import run

ASK = "ASK { ?s a kz:State }"

#: (arguments, whether the query runs in a capped child)
CASES = [
    (["query", "memberships"], False),
    (["query", "memberships", "--max-memory", "512"], True),
    (["query", ASK], True),
    (["query", ASK, "--max-memory", "0"], False),
]


@pytest.mark.parametrize("args,capped", CASES, ids=[" ".join(c[0][1:]) for c in CASES])
def test_only_a_query_the_user_writes_is_capped_by_default(monkeypatch, args, capped):
    children = []
    real = run._run_in_child

    def child(*a, **kw):
        children.append(a[5])  # limit_mb
        return real(*a, **kw)

    monkeypatch.setattr(run, "_run_in_child", child)
    res = CliRunner().invoke(cli, ["-q", *args, "--format", "csv"], prog_name="kzlod")
    assert res.exit_code == 0, res.output
    assert bool(children) is capped


def test_a_users_query_past_the_cap_stops_with_one_line():
    doubling = "SELECT ?s WHERE { BIND(\"0123456789abcdef\" AS ?s0) " + " ".join(
        f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(23)) + " BIND(STRLEN(?s23) AS ?s) }"
    res = CliRunner().invoke(cli, ["-q", "query", doubling, "--format", "csv", "--max-memory", "32"],
                             prog_name="kzlod")
    assert res.exit_code == 1
    assert res.stderr == ("Error: query stopped: it needed more than 32 MB (raise the limit with --max-memory or "
                          "KZLOD_MAX_QUERY_MEMORY)\n")
