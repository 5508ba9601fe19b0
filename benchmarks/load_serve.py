"""A bounded load run against ``kzlod serve`` on 127.0.0.1.

Run by hand (not a test):

    python benchmarks/load_serve.py                       # 2,000 queries, 8 connections
    python benchmarks/load_serve.py --queries 5000 --concurrency 16 --workers 2
    python benchmarks/load_serve.py --url http://127.0.0.1:8000/   # a server already running here

Starts ``kzlod serve --port 0`` itself (unless --url is given), sends a mix of
the named queries (round robin; ``entity`` bound to kzd:kazakhstan as
``kzlod query entity --param entity kzd:kazakhstan`` binds it; POST
application/sparql-query, Accept JSON), or one --query,
over keep-alive connections, one thread per connection, and stops by itself
after --queries requests or --max-seconds, whichever comes first. Prints the
errors, the throughput, and the p50/p99 latency overall and per query.
Only loopback addresses are accepted.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kzlod.querying.run import bind_params, named_queries  # noqa: E402
from kzlod.store.backends import bind_values  # noqa: E402

PARAMS = {"entity": {"entity": "kzd:kazakhstan"}}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def start_server(*args: str, wait: float = 60, cwd: Path | None = ROOT) -> tuple[subprocess.Popen, str]:
    """``kzlod serve --port 0 ARGS`` in a subprocess, run in ``cwd`` (None: this process's folder);
    (the process, its base URL) once it says where it listens."""
    proc = subprocess.Popen([sys.executable, "-m", "kzlod", "serve", "--port", "0", *args], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
        if m:
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, m.group(1)
    proc.kill()
    sys.exit("kzlod serve did not start")


def check_loopback(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        sys.exit(f"{url}: only a server on this machine (127.0.0.0/8, ::1, localhost) may be loaded")
    return host, parts.port or 80


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=int, default=2000, help="requests in all (default 2000)")
    ap.add_argument("--concurrency", type=int, default=8, help="concurrent connections (default 8)")
    ap.add_argument("--workers", type=int, default=2, help="query worker processes of the server started here")
    ap.add_argument("--timeout", type=float, default=30, help="the server's per-query time limit, seconds")
    ap.add_argument("--max-seconds", type=float, default=300, help="stop sending after this long (default 300)")
    ap.add_argument("--url", help="load a server already running on this machine instead of starting one")
    ap.add_argument("--query", help="send this one SPARQL query instead of the mix (e.g. 'ASK {}' for the overhead)")
    args = ap.parse_args()

    if args.query:
        mix = [("query", args.query.encode("utf-8"))]
    else:
        mix = []
        for name, q in sorted(named_queries().items()):
            text = q.text
            if name in PARAMS:
                text = bind_values(text, bind_params(PARAMS[name], q))
            mix.append((name, text.encode("utf-8")))
    proc = None
    if args.url:
        url = args.url if args.url.endswith("/") else args.url + "/"
    else:
        proc, url = start_server("--workers", str(args.workers), "--timeout", str(args.timeout))
    host, port = check_loopback(url)
    path = urllib.parse.urlsplit(url).path + "sparql"

    lock = threading.Lock()
    counter = iter(range(args.queries))
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: Counter = Counter()
    stop_at = time.monotonic() + args.max_seconds

    def next_index():
        with lock:
            return next(counter, None)

    def client():
        conn = http.client.HTTPConnection(host, port, timeout=args.timeout + 30)
        while time.monotonic() < stop_at:
            i = next_index()
            if i is None:
                break
            name, body = mix[i % len(mix)]
            start = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers={"Content-Type": "application/sparql-query",
                                                                "Accept": "application/sparql-results+json"})
                res = conn.getresponse()
                payload = res.read()
                elapsed = time.perf_counter() - start
                if res.status != 200 or not payload:
                    with lock:
                        errors[f"HTTP {res.status} ({name})"] += 1
                    continue
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors[f"{type(exc).__name__} ({name})"] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=args.timeout + 30)
                continue
            with lock:
                latencies[name].append(elapsed)
        conn.close()

    try:
        began = time.perf_counter()
        threads = [threading.Thread(target=client, name=f"load-{i}") for i in range(args.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()

    every = [x for xs in latencies.values() for x in xs]
    done = len(every) + sum(errors.values())
    print(f"kzlod serve load run: {done} requests, {args.concurrency} connections, "
          f"{args.workers if proc else '?'} workers, "
          + (f"{len(mix)} named queries in turn" if len(mix) > 1 else "one query"))
    print(f"  ok {len(every)}, errors {sum(errors.values())}"
          + (" (" + ", ".join(f"{k}: {v}" for k, v in errors.items()) + ")" if errors else ""))
    print(f"  wall {wall:.2f} s, throughput {len(every) / wall:.1f} queries/s")
    if every:
        print(f"  latency p50 {percentile(every, 50) * 1000:.1f} ms, p99 {percentile(every, 99) * 1000:.1f} ms, "
              f"max {max(every) * 1000:.1f} ms, mean {statistics.mean(every) * 1000:.1f} ms")
    print(f"  {'query':<20} {'n':>5} {'p50 ms':>8} {'p99 ms':>8}")
    for name, _ in mix:
        xs = latencies.get(name, [])
        print(f"  {name:<20} {len(xs):>5} {percentile(xs, 50) * 1000:>8.1f} {percentile(xs, 99) * 1000:>8.1f}")
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
