"""``kzlod push`` of a generated graph into Oxigraph and Virtuoso, and the named queries on each.

Run by hand (not a test); every command is a fresh process, timed on the wall clock, with its
peak resident memory (``os.wait4``):

    python benchmarks/bench_push.py                 # 1M triples, both stores
    python benchmarks/bench_push.py --size 100k --stores oxigraph

It makes a project (``kzlod init --with-data``) with the generated graph as one more data file
(benchmarks/generate.py, seeded), starts each store on 127.0.0.1 with a throw-away database
(tests/servers.py), and times:

* push — the first ``kzlod push`` (every graph sent; the generated claims cite the bundled
  source, so its graph is the big one, staged in chunks and moved into place), then a second
  (nothing changed: nothing sent);
* each named query — ``kzlod query NAME --endpoint URL`` on each store, against
  ``kzlod query NAME --store oxigraph:DIR`` on a store ``kzlod load`` made of the same files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from servers import start_oxigraph, start_virtuoso  # noqa: E402

from benchmarks.generate import generate, parse_size  # noqa: E402

QUERIES = {"entity": ["--param", "entity", "kzd:kazakhstan"]}
#: the named queries' own limit is 30 s; some take longer on a million triples
TIMEOUT = ["--timeout", "900"]


def timed(cmd: list[str], env: dict, timeout: float = 3600) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of a command; exits on failure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, start_new_session=True)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, 9)
                sys.exit(f"timed out: {' '.join(cmd)}")
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{err.read().decode()[-2000:]}")
        return elapsed, usage.ru_maxrss / 1024, out.read().decode()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="1M", help="about how many triples to generate (default 1M)")
    ap.add_argument("--stores", default="oxigraph,virtuoso", help="comma-separated: oxigraph, virtuoso")
    ap.add_argument("--runs", type=int, default=3, help="runs of each query (the median is shown)")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="kzlod-bench-push-"))
    env = dict(os.environ, KZLOD_CACHE_DIR=str(work / "cache"), KZLOD_PASSWORD="dba")
    kzlod = [sys.executable, "-m", "kzlod", "-q"]
    try:
        project = work / "project"
        timed(kzlod + ["init", str(project), "--with-data"], env)
        print(f"generating {args.size} triples…", flush=True)
        generate(parse_size(args.size), project / "data" / "generated.ttl", seed=1)
        store_dir = work / "store"
        # the project's ontology and data, the generated file among them
        seconds, rss, _ = timed(kzlod + ["--project", str(project), "load", "--store", f"oxigraph:{store_dir}"], env)
        print(f"kzlod load: {seconds:.1f} s, {rss:.0f} MB")
        local = {}
        for name in sorted(p.stem for p in (ROOT / "kzlod" / "querying" / "queries").glob("*.rq")):
            times = [timed(kzlod + ["query", name, "--store", f"oxigraph:{store_dir}", "--format", "csv",
                                    *TIMEOUT, *QUERIES.get(name, [])], env)[0] for _ in range(args.runs)]
            local[name] = sorted(times)[len(times) // 2]
        rows = []
        for kind in args.stores.split(","):
            folder = work / kind
            server = (start_oxigraph if kind == "oxigraph" else start_virtuoso)(folder)
            try:
                base = server.url if kind == "oxigraph" else server.base_url
                target = ["--endpoint", base] + (
                    [] if kind == "oxigraph" else ["--server", "virtuoso", "--user", "dba"])
                push = kzlod + ["--project", str(project), "push", *target]
                first = timed(push, env)
                again = timed(push, env)
                entities = project / "data" / "entities.ttl"
                saved = entities.read_bytes()
                entities.write_bytes(saved + b'\nkzd:kazakhstan rdfs:comment "bench"@en .\n')
                one = timed(push, env)
                entities.write_bytes(saved)
                timed(push, env)  # back as it was
                for label, (seconds, rss, out) in (("all graphs", first), ("again, unchanged", again),
                                                   ("after one small file changed", one)):
                    print(f"{kind}: push {label}: {seconds:.1f} s, {rss:.0f} MB ({out.strip()})", flush=True)
                    rows.append((kind, f"push ({label})", seconds, rss))
                for name, local_s in local.items():
                    times = [timed(kzlod + ["query", name, "--endpoint", server.sparql_url, "--format", "csv",
                                            *TIMEOUT, *QUERIES.get(name, [])], env)[0] for _ in range(args.runs)]
                    rows.append((kind, f"query {name}", sorted(times)[len(times) // 2], local_s))
            finally:
                server.stop()
        print()
        print("| store | step | seconds | peak MB / local s |")
        print("|---|---|---:|---:|")
        for kind, step, seconds, other in rows:
            last = f"{other:.0f} MB" if step.startswith("push") else f"{other:.2f} s (--store oxigraph:DIR)"
            print(f"| {kind} | {step} | {seconds:.2f} | {last} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
