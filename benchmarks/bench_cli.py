"""Median wall time of whole ``kzlod`` processes on the bundled graph.

Run by hand (not a test):

    python benchmarks/bench_cli.py            # 7 runs each
    python benchmarks/bench_cli.py --runs 15

Prints one table row per command: median, min and max seconds, and the goal.
``validate`` is timed warm (the OWL RL closure and the SHACL report of the
unchanged bundled graph cached by content hash, as after a first run) and
cold (cache emptied before every run: pySHACL and the consistency check run in full);
the goal holds for both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOALS = {"query": 0.3, "validate": 1.0}


def timed(cmd: list[str], env: dict, runs: int, before=None) -> list[float]:
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0,):
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    cache = tempfile.mkdtemp(prefix="kzlod-bench-")
    env = dict(os.environ, KZLOD_CACHE_DIR=cache)
    kz = [sys.executable, "-m", "kzlod"]
    from kzlod.querying.run import named_queries

    rows = []
    for name in sorted(named_queries()):
        extra = ["--param", "entity", "kzd:kazakhstan"] if name == "entity" else []
        rows.append((f"kzlod query {name}", timed(kz + ["query", name, "--format", "csv", *extra], env, args.runs),
                     GOALS["query"]))
    rows.append(("plain rdflib: parse + same query",
                 timed([sys.executable, os.path.join(os.path.dirname(__file__), "plain_rdflib_query.py")], env,
                       args.runs), None))
    subprocess.run(kz + ["validate"], env=env, stdout=subprocess.DEVNULL)
    rows.append(("kzlod validate (warm: closure, report cached)", timed(kz + ["validate"], env, args.runs),
                 GOALS["validate"]))

    def empty_cache():
        shutil.rmtree(cache, ignore_errors=True)

    rows.append(("kzlod validate (cold: empty cache)", timed(kz + ["validate"], env, max(3, args.runs // 2), empty_cache),
                 1.0))
    rows.append(("kzlod validate --no-reason (warm)", timed(kz + ["validate", "--no-reason"], env, args.runs),
                 GOALS["validate"]))
    shutil.rmtree(cache, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  median    min      max      goal")
    for label, times, goal in rows:
        med = statistics.median(times)
        verdict = "" if goal is None else (f"<= {goal:.1f} s " + ("ok" if med <= goal else "MISSED"))
        print(f"{label:<{width}}  {med:6.3f} s {min(times):6.3f} s {max(times):6.3f} s {verdict}")
    print(f"({args.runs} runs each, {os.cpu_count()} cores, Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
