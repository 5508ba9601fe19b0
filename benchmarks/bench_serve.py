"""``kzlod serve`` beside ``oxigraph serve-read-only`` over the same files, under the same load.

Run by hand (not a test):

    python benchmarks/bench_serve.py                      # 1,200 requests a run, 8 connections, 3 rounds
    python benchmarks/bench_serve.py --requests 3000 --connections 8 --rounds 5 --workers 4

Loads the project's ontology and data files (the bundled graph outside a project) into an Oxigraph
store with ``oxigraph load`` (each file into its own named graph, as kzlod loads them) and serves it
with ``oxigraph serve-read-only --union-default-graph`` (the ``oxigraph`` executable beside this
interpreter, where ``pip install oxigraph`` puts it); starts ``kzlod serve`` (its default workers, or
``--workers N``) over the same files; then drives each in turn with the same requests: POST
``application/sparql-query``, Accept SPARQL JSON, over keep-alive connections (``http.client``, one
thread a connection), every query written with its PREFIX lines so both servers get the same text.
Four loads:

* ``memberships`` — the named query, repeated (a result cache may answer it);
* ``memberships (distinct)`` — the same, each request made distinct by a comment holding its number
  (a result cache never answers it: every request runs the query);
* ``mix (distinct)`` — ``entity`` for every entity of the graph and every named query, in turn, each
  request made distinct by a comment holding its number (a result cache never answers it);
* ``mix (repeated)`` — the same queries without the comment, round after round (a cache may).

Prints, for each load and server, the throughput (q/s), p50 and p99 latency, the CPU time the
server's processes spent per request (user + system, from /proc: less noisy than the rest on a
shared machine, where the load generator competes for the same cores), and kzlod's ratios to
Oxigraph (throughput: kzlod / oxigraph, higher is better; p99: kzlod / oxigraph, lower is better);
with ``--rounds`` above 1 the runs alternate between the servers and the medians are printed. The
machine is what it is: the figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from load_serve import start_server  # noqa: E402 - the same folder: how both scripts start kzlod serve

from kzlod.project import resolve  # noqa: E402
from kzlod.querying.run import bind_params, named_queries  # noqa: E402
from kzlod.sparqltext import inline_constants, prefixed_query  # noqa: E402
from kzlod.store.backends import bind_values, file_graph  # noqa: E402
from kzlod.web.server import default_workers  # noqa: E402

ENTITIES = ("SELECT DISTINCT ?s WHERE { ?s a ?c . "
            "FILTER(isIRI(?s) && STRSTARTS(STR(?s), 'https://w3id.org/kzlod/id/')) } ORDER BY ?s")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph", path=sysconfig.get_path("scripts")) or shutil.which("oxigraph")
    if not found:
        sys.exit("the oxigraph executable is not installed (pip install oxigraph)")
    return found


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answering(url: str, proc: subprocess.Popen, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    query = urllib.parse.urlencode({"query": "ASK {}"})
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server at {url} exited ({proc.returncode})")
        try:
            with urllib.request.urlopen(f"{url}?{query}", timeout=5) as res:
                if res.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the server at {url} did not answer within {limit:g} s")


def start_oxigraph(files: list[Path], project_root: Path, folder: Path) -> tuple[subprocess.Popen, str]:
    exe = oxigraph_binary()
    store = folder / "oxigraph-store"
    for path in files:
        subprocess.run([exe, "load", "--location", str(store), "--file", str(path),
                        "--graph", file_graph(path, project_root).value], check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([exe, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    wait_until_answering(url, proc)
    return proc, url


def start_kzlod(workers: int | None, project: str | None) -> tuple[subprocess.Popen, str]:
    proc, base = start_server(*(["--workers", str(workers)] if workers else []),
                              *(["--project", project] if project else []), wait=120, cwd=None)
    url = base + "sparql"
    wait_until_answering(url, proc)
    return proc, url


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process (all its threads) and its child processes now (Linux /proc;
    0 elsewhere). A child that ends between two readings takes its seconds with it: the worker processes
    of kzlod serve live as long as the server does."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0

    def stat(p):
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime

    try:
        total += stat(pid)
        threads = os.listdir(f"/proc/{pid}/task")
    except (OSError, ValueError, IndexError):
        return 0.0
    for t in threads:
        try:
            children = Path(f"/proc/{pid}/task/{t}/children").read_text().split()
        except OSError:
            continue
        for child in children:
            try:
                total += stat(int(child))
            except (OSError, ValueError, IndexError):
                continue
    return total / tick


def drive(url: str, bodies: list[bytes], connections: int, pid: int | None = None) -> dict:
    """Send every body once, over ``connections`` keep-alive connections; throughput and latencies."""
    parts = urllib.parse.urlsplit(url)
    lock = threading.Lock()
    todo = iter(range(len(bodies)))
    latencies: list[float] = []
    errors: list[str] = []

    def client():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        mine = []
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                break
            start = time.perf_counter()
            try:
                conn.request("POST", parts.path, body=bodies[i],
                             headers={"Content-Type": "application/sparql-query",
                                      "Accept": "application/sparql-results+json"})
                res = conn.getresponse()
                payload = res.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(type(exc).__name__)
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
                continue
            if res.status != 200 or not payload:
                errors.append(f"HTTP {res.status}: {payload[:200]!r}")
                continue
            mine.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(mine)

    cpu = cpu_seconds(pid) if pid else 0.0
    began = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    cpu = (cpu_seconds(pid) - cpu) if pid else float("nan")
    return {"qps": len(latencies) / wall, "p50": percentile(latencies, 50) * 1000,
            "p99": percentile(latencies, 99) * 1000, "cpu": cpu * 1000 / max(1, len(latencies)), "errors": errors}


def workloads(store_url: str, requests: int) -> tuple[dict[str, list[bytes]], int, int]:
    """The three loads, each a list of request bodies; how many entities and queries the mix has."""
    named = named_queries()
    memberships = prefixed_query(named["memberships"].text).encode("utf-8")
    with urllib.request.urlopen(store_url + "?" + urllib.parse.urlencode({"query": prefixed_query(ENTITIES)}),
                                timeout=60) as res:  # the entities, asked of the server itself
        import json

        entities = [b["s"]["value"] for b in json.load(res)["results"]["bindings"]]
    mix = []
    for iri in entities:  # the IRI written into the text, as kzlod writes it in itself (with a VALUES
        # block Oxigraph evaluates the query for every entity first: both servers get the same text)
        text = inline_constants(named["entity"].text, {"entity": f"<{iri}>"})
        if text is None:
            text = bind_values(named["entity"].text, bind_params({"entity": f"<{iri}>"}, named["entity"]))
        mix.append(prefixed_query(text))
    mix += [prefixed_query(q.text) for name, q in sorted(named.items()) if name != "entity"]
    return {
        "memberships": [memberships] * requests,
        "memberships (distinct)": [memberships + f"\n# request {i}\n".encode() for i in range(requests)],
        "mix (distinct)": [f"{mix[i % len(mix)]}\n# request {i}\n".encode() for i in range(requests)],
        "mix (repeated)": [mix[i % len(mix)].encode() for i in range(requests)],
    }, len(entities), len(mix)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=1200, help="requests a run (default 1200)")
    ap.add_argument("--connections", type=int, default=8, help="keep-alive connections (default 8)")
    ap.add_argument("--rounds", type=int, default=3, help="runs of each load on each server, alternating (default 3)")
    ap.add_argument("--workers", type=int, default=None,
                    help="kzlod serve's query workers (default: kzlod serve's own, one more than the processors)")
    ap.add_argument("--project", help="the project whose files both serve (default: as kzlod finds it)")
    ap.add_argument("--loads", default="memberships,memberships (distinct),mix (distinct),mix (repeated)",
                    help="which loads, comma-separated (default: all four)")
    args = ap.parse_args()

    project = resolve(Path(args.project) if args.project else None)
    files = project.graph_files()
    folder = Path(tempfile.mkdtemp(prefix="kzlod-bench-serve-"))
    env_cache = os.environ.setdefault("KZLOD_CACHE_DIR", str(folder / "cache"))
    procs = []
    try:
        oxi, oxi_url = start_oxigraph(files, project.root, folder)
        procs.append(oxi)
        kz, kz_url = start_kzlod(args.workers, args.project)
        procs.append(kz)
        every, n_entities, n_mix = workloads(oxi_url, args.requests)
        loads = {name: bodies for name, bodies in every.items() if name in args.loads.split(",")}
        servers = {"oxigraph": oxi_url, "kzlod": kz_url}
        pids = {"oxigraph": oxi.pid, "kzlod": kz.pid}
        for url in servers.values():  # warm both: first connections, first answers
            drive(url, every["memberships"][:50], args.connections)
        results: dict = {}
        for load, bodies in loads.items():
            for r in range(args.rounds):
                if "distinct" in load:  # distinct from every earlier round's too
                    bodies = [body + f"# round {r}\n".encode() for body in loads[load]]
                order = list(servers.items()) if r % 2 == 0 else list(reversed(servers.items()))
                for name, url in order:
                    results.setdefault((load, name), []).append(drive(url, bodies, args.connections, pids[name]))
    finally:
        for proc in procs:
            stop(proc)
        shutil.rmtree(folder, ignore_errors=True)
    workers = f"--workers {args.workers}" if args.workers else f"its default {default_workers()} workers"
    print(f"kzlod serve ({workers}) vs oxigraph serve-read-only, same {len(files)} files "
          f"({project.name if not project.bundled else 'the bundled graph'}); {args.requests} requests a run, "
          f"{args.connections} keep-alive connections, {args.rounds} rounds (medians); mix: entity for each of "
          f"{n_entities} entities + {n_mix - n_entities} named queries")
    print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Python {platform.python_version()}, cache {env_cache}")
    print("| load | server | q/s | p50 ms | p99 ms | server CPU ms/request | q/s kzlod/oxigraph | p99 kzlod/oxigraph |")
    print("|---|---|---|---|---|---|---|---|")
    for load in loads:
        med = {}
        for name in servers:
            runs = results[(load, name)]
            errors = [e for run in runs for e in run["errors"]]
            med[name] = {k: statistics.median(run[k] for run in runs) for k in ("qps", "p50", "p99", "cpu")}
            if errors:
                print(f"  {name} {load}: {len(errors)} errors, e.g. {errors[0]}", file=sys.stderr)
        for name in servers:
            m = med[name]
            ratio = (f"{med['kzlod']['qps'] / med['oxigraph']['qps']:.2f}×",
                     f"{med['kzlod']['p99'] / med['oxigraph']['p99']:.2f}×") if name == "kzlod" else ("", "")
            print(f"| {load} | {name} | {m['qps']:.0f} | {m['p50']:.1f} | {m['p99']:.1f} | {m['cpu']:.2f} | "
                  f"{ratio[0]} | {ratio[1]} |")


if __name__ == "__main__":
    main()
