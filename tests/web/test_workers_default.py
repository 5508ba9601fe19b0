"""How many query workers ``kzlod serve`` starts when --workers is not given."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from kzlod.cli import cli
from kzlod.project import bundled
from kzlod.web import server
from kzlod.web.server import MOST_WORKERS, ServeConfig, default_workers


@pytest.mark.parametrize("processors,workers", [(1, 2), (2, 3), (4, 5), (7, 8), (64, MOST_WORKERS)])
def test_one_worker_more_than_the_processors_at_most_eight(monkeypatch, processors, workers):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(processors)), raising=False)
    assert default_workers() == workers
    assert ServeConfig(project=bundled()).workers == workers
    assert ServeConfig(project=bundled(), workers=1).workers == 1


def test_where_the_processors_this_process_may_use_are_not_told_all_of_them_count(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert default_workers() == 3


def test_the_command_leaves_the_number_to_the_config_unless_given(monkeypatch):
    seen = []
    monkeypatch.setattr(server, "serve", lambda config, host, port, on_ready=None: seen.append(config.workers))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert CliRunner().invoke(cli, ["serve"]).exit_code == 0
    assert CliRunner().invoke(cli, ["serve", "--workers", "5"]).exit_code == 0
    assert seen == [3, 5]
