"""Whole ``kzlod`` processes on the bundled graph, beside ``oxigraph query`` and a bare Python.

Run by hand (not a test; the figures are printed, never asserted):

    python benchmarks/bench_cli.py             # 20 runs each
    python benchmarks/bench_cli.py --runs 40
    python benchmarks/bench_cli.py --no-hyperfine
    python benchmarks/bench_cli.py --baseline ../main   # beside another checkout's kzlod

Each command runs in a fresh folder with no ``kzlod.toml`` above it, so ``kzlod`` reads the
bundled graph, with a cache folder of its own (``KZLOD_CACHE_DIR``):

* ``kzlod query memberships`` (CSV to /dev/null), its cache warm: written again from the answer
  kept (kzlod.cli.replay), and computed (``KZLOD_ANSWERS=off``: the graph's snapshot loaded, the
  query run);
* ``oxigraph query`` of the same query over the same files: the ``oxigraph`` program beside this
  Python (the pyoxigraph release's command line), on a store the bundled files were loaded into
  first, one named graph per file, the union as the default graph;
* ``python -c 'import pyoxigraph'``: the floor of any Python program that queries with Oxigraph;
* ``kzlod validate`` cold (the cache emptied before each run: pySHACL, the consistency check and
  every cached step run in full, as after any change to a data file) and cached (the answer kept;
  and, with ``KZLOD_ANSWERS=off``, the report of the unchanged graph read from the cache).

Timed with hyperfine when it is installed (``--runs`` runs after 2 warm-up runs), else with a
loop of its own; both print the median, min and max wall time of each command and its mean
processor time (user + system, children included): on a shared machine the wall time is the
noisier of the two.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: The issue's goals (seconds, whole process) by row.
GOALS = {"query": 0.08, "validate-cold": 0.5, "validate-cached": 0.1}


def keep_only(folder: str, kinds: tuple[str, ...]) -> list[str]:
    """A command that empties the cache folder but for these kinds of entry."""
    code = ("import shutil,sys,pathlib; d=pathlib.Path(sys.argv[1]); "
            "[shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink() "
            "for p in (d.iterdir() if d.is_dir() else []) if p.name not in sys.argv[2:]]")
    return [sys.executable, "-c", code, folder, *kinds]


def loop(cmd: list[str], env: dict, cwd: str, runs: int, prepare: list[str] | None) -> tuple[list[float], float]:
    """Wall times of ``runs`` runs (after 2 warm-up runs), ``prepare`` run before each, and the mean
    processor time (user + system) of a run."""
    times, cpu = [], []
    for i in range(runs + 2):
        if prepare:
            subprocess.run(prepare, check=True)
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-500:]}")
        if i >= 2:
            times.append(elapsed)
            cpu.append(usage.ru_utime + usage.ru_stime)
    return times, statistics.mean(cpu)


def hyperfine(cmd: list[str], env: dict, cwd: str, runs: int, prepare: list[str] | None) -> tuple[list[float], float]:
    import shlex

    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        args = ["hyperfine", "--shell=none", "--warmup", "2", "--runs", str(runs), "--export-json", out.name,
                "--style", "none"]
        if prepare:
            args += ["--prepare", shlex.join(prepare)]
        proc = subprocess.run(args + [shlex.join(cmd)], env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
        if proc.returncode != 0:
            sys.exit(f"hyperfine {' '.join(cmd)} failed: {proc.stderr.decode()[-500:]}")
        result = json.loads(Path(out.name).read_text())["results"][0]
        return result["times"], result["user"] + result["system"]


def oxigraph_store(oxigraph: str, where: Path) -> tuple[list[str], str]:
    """Load the bundled files into an Oxigraph store (one named graph per file, as kzlod does);
    the store's folder and the memberships query as the oxigraph program takes it."""
    from kzlod.project import bundled
    from kzlod.querying.run import named_queries
    from kzlod.sparqltext import prefixed_query
    from kzlod.store.backends import file_graph

    project = bundled()
    store = where / "oxigraph-store"
    for path in project.graph_files():
        subprocess.run([oxigraph, "load", "--location", str(store), "--file", str(path),
                        "--graph", file_graph(path, project.root).value], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    query = where / "memberships.rq"
    query.write_text(prefixed_query(named_queries()["memberships"].text), encoding="utf-8")
    return [oxigraph, "query", "--location", str(store), "--query-file", str(query), "--union-default-graph",
            "--results-format", "csv"], str(query)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--no-hyperfine", action="store_true", help="time with the script's own loop")
    ap.add_argument("--baseline", type=Path, metavar="DIR",
                    help="also time the kzlod rows with the kzlod of this checkout (another version: a worktree of "
                         "main), both as 'python -m kzlod', each of its rows after this one's")
    args = ap.parse_args()
    timer = loop if args.no_hyperfine or not shutil.which("hyperfine") else hyperfine
    bindir = Path(sys.executable).parent
    kzlod = str(bindir / "kzlod") if (bindir / "kzlod").exists() and not args.baseline else None
    kz = [kzlod] if kzlod else [sys.executable, "-m", "kzlod"]
    oxigraph = str(bindir / "oxigraph") if (bindir / "oxigraph").exists() else shutil.which("oxigraph")

    work = Path(tempfile.mkdtemp(prefix="kzlod-bench-"))
    here = work / "here"  # no kzlod.toml above it: the bundled graph
    here.mkdir()
    cache = str(work / "cache")
    env = dict(os.environ, KZLOD_CACHE_DIR=cache)
    env.pop("KZLOD_PROJECT", None)
    base_cache = str(work / "baseline-cache")
    base_env = dict(env, KZLOD_CACHE_DIR=base_cache,
                    PYTHONPATH=os.pathsep.join([str(Path(args.baseline or ".").resolve()), env.get("PYTHONPATH", "")]))
    rows = []  # (label, command as shown, (times, cpu), goal)

    def kzlod_row(label, cmd, goal, runs=args.runs, cold=False, extra=None):
        rows.append((label, " ".join(cmd), timer(cmd, dict(env, **(extra or {})), str(here), runs,
                                                 keep_only(cache, ()) if cold else None), goal))
        if args.baseline:
            rows.append((f"  baseline: {label}", " ".join(cmd),
                         timer(cmd, dict(base_env, **(extra or {})), str(here), runs,
                               keep_only(base_cache, ()) if cold else None), None))

    computed = {"KZLOD_ANSWERS": "off"}

    try:
        query = kz + ["query", "memberships", "--format", "csv"]
        kzlod_row("kzlod query memberships", query, GOALS["query"])
        kzlod_row("kzlod query memberships, computed (KZLOD_ANSWERS=off)", query, None, extra=computed)
        if oxigraph:
            cmd, _ = oxigraph_store(oxigraph, work)
            mine = subprocess.run(query, env=env, cwd=here, capture_output=True, text=True).stdout.splitlines()
            theirs = subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()
            assert len(mine) == len(theirs) > 1, ("the two answers differ", len(mine), len(theirs))
            rows.append(("oxigraph query (same query, files loaded into a store)",
                         "oxigraph query --location STORE --query-file memberships.rq --union-default-graph "
                         "--results-format csv", timer(cmd, env, str(here), args.runs, None), None))
        rows.append(("python -c 'import pyoxigraph'", "python -c 'import pyoxigraph'",
                     timer([sys.executable, "-c", "import pyoxigraph"], env, str(here), args.runs, None), None))
        validate = kz + ["validate"]
        kzlod_row("kzlod validate, cold (empty cache)", validate, GOALS["validate-cold"], max(5, args.runs // 2),
                  cold=True)
        kzlod_row("kzlod validate, cached", validate, GOALS["validate-cached"])
        kzlod_row("kzlod validate, cached, computed (KZLOD_ANSWERS=off)", validate, None, extra=computed)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  median    min       max       cpu       goal")
    for label, _, (times, cpu), goal in rows:
        med = statistics.median(times)
        verdict = "" if goal is None else (f"<= {goal:.2f} s " + ("ok" if med <= goal else "MISSED"))
        print(f"{label:<{width}}  {med:.3f} s  {min(times):.3f} s  {max(times):.3f} s  {cpu:.3f} s  {verdict}")
    print(f"({args.runs} runs each, cold validate max(5, runs/2); timed by "
          f"{'hyperfine' if timer is hyperfine else 'this script'}; {os.cpu_count()} cores; "
          f"Python {sys.version.split()[0]}; {time.strftime('%Y-%m-%d')})")


if __name__ == "__main__":
    main()
