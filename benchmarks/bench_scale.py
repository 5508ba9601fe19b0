"""kzlod at scale, side by side with the Oxigraph CLI and the plain rdflib/owlrl/pySHACL way.

Run by hand (not a test); every command is a fresh process, timed on the wall
clock, with its peak resident memory (``os.wait4``):

    python benchmarks/bench_scale.py                      # 10k and 100k, 3 runs each
    python benchmarks/bench_scale.py --sizes 10k,100k,1M --runs 3 --timeout 600
    python benchmarks/bench_scale.py --sizes 1M --skip-plain

For each size it generates a graph (benchmarks/generate.py, seeded) and a
100-triple delta of new claims, then times:

* load — ``kzlod load`` (one named graph, through the strict gate) against
  ``oxigraph load`` into the same named graph and into the default graph, and
  rdflib parsing the file;
* each named query — ``kzlod query NAME --store oxigraph:DIR`` against
  ``oxigraph query --union-default-graph`` on the same store, and rdflib
  parsing the files and running the query;
* validate — ``kzlod validate DELTA --store oxigraph:DIR`` (incremental) against
  pySHACL over the whole graph, comparing their verdicts on the touched nodes;
* reason — ``kzlod reason --store oxigraph:DIR`` (engine auto) against owlrl,
  comparing the instance-level entailments;
* publish — ``kzlod publish`` of the bundled graph plus the generated one,
  against rdflib writing the same dumps;
* push — ``kzlod push`` of the project plus the generated graph into a fresh
  ``oxigraph serve`` (against one Graph Store POST of the file) and a fresh
  Virtuoso when ``virtuoso-t`` is installed.

Once, on the bundled graph: the cold start of ``kzlod query`` and ``kzlod validate``.
The table shows medians; ratios are kzlod ÷ Oxigraph CLI and plain ÷ kzlod. A named query, its
``oxigraph query`` and the same query run by pyoxigraph in a bare Python (:data:`BINDING`: what
any Python program pays before kzlod's own work) run in turns; the goal is judged on
the median of the rounds' kzlod ÷ Oxigraph ratios, and the row's note has the bare Python's figure.
A second table has one row per goal: kzlod's figure, the anchor's, the ratio or figure against the
goal, and whether it is met. Wall times on a shared machine are noisy; CPU seconds (user + system)
are shown beside them.
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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOALS = {
    "cold query": 0.3,
    "validate bundled": 1.0,
    "validate delta": 2.0,
    "load ratio": 1.5,
    "query ratio": 1.2,
    "rss mb": 1024,
    "reason s": 30.0,
    "publish s": 60.0,
    "reason speedup": 10.0,
}


@dataclass
class Timing:
    times: list = field(default_factory=list)
    rss: list = field(default_factory=list)  # peak resident set, MB
    cpu: list = field(default_factory=list)  # user + system seconds (less noisy than the wall on a shared machine)
    failed: str = ""
    out: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times and not self.failed else None

    @property
    def peak(self) -> float | None:
        return max(self.rss) if self.rss else None

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu and not self.failed else None


def run(cmd, *, env, timeout, runs=1, before=None, ok=(0,), cwd=None) -> Timing:
    """Run a command ``runs`` times: wall time and peak RSS of each run (the process and its children)."""
    t = Timing()
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        out = tempfile.TemporaryFile()
        err = tempfile.TemporaryFile()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, cwd=cwd, start_new_session=True)
        deadline = start + timeout
        status = None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, 9)
                _, status, usage = os.wait4(proc.pid, 0)
                t.failed = f">{timeout:.0f} s"
                break
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if t.failed:
            break
        t.times.append(elapsed)
        t.rss.append(usage.ru_maxrss / 1024)
        t.cpu.append(usage.ru_utime + usage.ru_stime)
        out.seek(0)
        t.out = out.read().decode("utf-8", "replace")
        if proc.returncode not in ok:
            err.seek(0)
            t.failed = f"exit {proc.returncode}"
            print(f"  ! {' '.join(map(str, cmd))[:160]} failed ({proc.returncode}): "
                  f"{err.read().decode('utf-8', 'replace')[-400:]}", file=sys.stderr)
            break
    return t


def run_turns(cmds, *, env, timeout, runs=1) -> tuple[list[Timing], list[float | None]]:
    """Commands run in turns, each round in another order (a rotation, reversed every other round:
    kzlod, anchor, binding; binding, anchor, kzlod; anchor, binding, kzlod …), so a machine that slows
    down or speeds up meanwhile, or a first run's cold caches, weigh on all alike; also, for each
    command, the median of the rounds' ratios of the first command's run to its run beside it (1 for
    the first), which a shared machine's drift moves least."""
    timings = [Timing() for _ in cmds]
    order = list(range(len(cmds)))
    for n in range(runs):
        turn = order[n % len(order):] + order[:n % len(order)]
        for i in (turn if n % 2 == 0 else turn[::-1]):
            one = run(cmds[i], env=env, timeout=timeout)
            t = timings[i]
            t.times += one.times
            t.rss += one.rss
            t.cpu += one.cpu
            t.out = one.out
            t.failed = t.failed or one.failed
        if any(t.failed for t in timings):
            break
    ratios: list[float | None] = []
    for t in timings:
        pairs = [a / b for a, b in zip(timings[0].times, t.times) if b > 0]
        ratios.append(statistics.median(pairs) if pairs and not (timings[0].failed or t.failed) else None)
    return timings, ratios


#: A query as pyoxigraph runs it in a bare Python (no kzlod, no click): what any Python program pays.
BINDING = ("import sys, pyoxigraph as ox\n"
           "q = open(sys.argv[1], encoding='utf-8').read()\n"
           "r = ox.Store.read_only(sys.argv[2]).query(q, use_default_graph_as_union=True)\n"
           "r.serialize(sys.stdout.buffer, ox.QueryResultsFormat.CSV)\n")


# --- the plain way (run as subprocesses of this same script: --plain TASK …) ------------------------

def plain_graph(files):
    import rdflib

    g = rdflib.Graph()
    for f in files:
        g.parse(f, format="nt" if str(f).endswith(".nt") else "turtle")
    return g


def bundled_files():
    from kzlod import project as resources

    return [str(p) for p in resources.graph_files()]


def plain_main(task: str, args: list[str]) -> None:
    if task == "parse":
        g = plain_graph(args)
        print(len(g))
    elif task == "query":
        query_file, files = args[0], args[1:]
        g = plain_graph(bundled_files() + files)
        for row in g.query(Path(query_file).read_text(encoding="utf-8")):
            print(*row, sep=",")
    elif task == "validate":
        import pyshacl

        from kzlod import project as resources
        from kzlod.gate.parse import parse_files
        from kzlod.store.rdfconv import graph_of
        from kzlod.validation.shacl import _touched

        delta, files = args[0], args[1:]
        g = plain_graph(bundled_files() + files)
        parsed = parse_files([delta])
        for pf in parsed:
            graph_of(pf.quads, g, fresh_bnodes=True)
        keep = _touched(parsed, g)
        shapes = plain_graph([str(p) for p in resources.shapes_files()])
        _, results, _ = pyshacl.validate(g, shacl_graph=shapes, inference="none", advanced=True,
                                         allow_warnings=True)
        print(json.dumps(verdict_counts(results, keep)))
    elif task == "reason":
        import owlrl

        g = plain_graph(bundled_files() + args)
        before = set(g)
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False,
                               datatype_axioms=False).expand(g)
        print(instance_level_count(t for t in g if t not in before))
    elif task == "publish":
        out = Path(args[0])
        g = plain_graph(bundled_files() + args[1:])
        out.mkdir(parents=True, exist_ok=True)
        for fmt, ext in (("turtle", "ttl"), ("nt", "nt"), ("json-ld", "jsonld"), ("xml", "rdf")):
            g.serialize(out / f"graph.{ext}", format=fmt)
    else:
        raise SystemExit(f"unknown plain task {task}")


def verdict_counts(results_graph, keep) -> dict:
    from collections import Counter

    from rdflib import RDF
    from rdflib.namespace import SH

    counts = Counter()
    for r in results_graph.subjects(RDF.type, SH.ValidationResult):
        if results_graph.value(r, SH.focusNode) in keep:
            shape = results_graph.value(r, SH.sourceShape)
            sev = str(results_graph.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
            counts[f"{shape if not shape.__class__.__name__ == 'BNode' else '[]'} {sev}"] += 1
    return dict(sorted(counts.items()))


VOCAB_EXCLUDE = ("kzd", "kzsrc", "wd")


def instance_level_count(triples) -> int:
    """Inferred triples about IRIs of the data, less the trivial x owl:sameAs x and x a owl:Thing."""
    from kzlod.vocab import NAMESPACES

    vocab = tuple(v for k, v in NAMESPACES.items() if k not in VOCAB_EXCLUDE)
    owl = "http://www.w3.org/2002/07/owl#"
    n = 0
    for s, p, o in triples:
        s, p, o = str(s), str(p), str(o)
        if s.startswith(vocab) or not s.startswith(("http://", "https://", "urn:")):
            continue
        if (p == owl + "sameAs" and s == o) or (p.endswith("#type") and o == owl + "Thing"):
            continue
        n += 1
    return n


def store_instance_level_count(store_dir: Path) -> int:
    import pyoxigraph as ox

    from kzlod.store.backends import INFERRED_DIR, INFERRED_GRAPH

    sub = ox.Store.read_only(str(store_dir / INFERRED_DIR))
    return instance_level_count((q.subject.value if isinstance(q.subject, ox.NamedNode) else "_:",
                                 q.predicate.value, q.object.value)
                                for q in sub.quads_for_pattern(None, None, None, INFERRED_GRAPH))


# --- the benchmark ------------------------------------------------------------------------------

@dataclass
class Row:
    size: str
    task: str
    kzlod: Timing
    oxigraph: Timing | None = None
    plain: Timing | None = None
    goal: str = ""
    verdict: str = ""
    note: str = ""


@dataclass
class Goal:
    """One row of the goals table: what kzlod did, what the anchor did, the ratio or figure against the goal."""

    size: str
    goal: str
    kzlod: str
    anchor: str = "—"
    against: str = ""
    met: str = ""


GOAL_ROWS: list[Goal] = []


def secs(t: Timing | None, *, cpu: bool = False) -> str:
    if t is None:
        return "—"
    if t.failed:
        return t.failed
    value = t.cpu_median if cpu else t.median
    return f"{value:.2f} s" if value is not None else "—"


def print_goals(rows: list[Goal]) -> None:
    head = ["size", "goal", "kzlod", "anchor", "ratio / figure", "met"]
    table = [head] + [[r.size, r.goal, r.kzlod, r.anchor, r.against, r.met] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in table[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")


def fmt_t(t: Timing | None) -> str:
    if t is None:
        return "—"
    if t.failed:
        return t.failed
    return f"{t.median:.3f}" if t.median is not None else "—"


def ratio(a: Timing | None, b: Timing | None) -> str:
    if a is None or b is None or a.median is None or b.median is None or b.median == 0:
        return "—"
    return f"{a.median / b.median:.2f}×"


def print_table(rows: list[Row]) -> None:
    head = ["size", "task", "kzlod s", "oxigraph s", "plain s", "kzlod/oxi", "plain/kzlod", "kzlod MB",
            "goal", "met"]
    table = [head]
    for r in rows:
        table.append([r.size, r.task, fmt_t(r.kzlod), fmt_t(r.oxigraph), fmt_t(r.plain), ratio(r.kzlod, r.oxigraph),
                      ratio(r.plain, r.kzlod), f"{r.kzlod.peak:.0f}" if r.kzlod.peak else "—", r.goal,
                      r.verdict + (f" {r.note}" if r.note else "")])
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in table[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")


def check(ok: bool) -> str:
    return "yes" if ok else "NO"


def bench_bundled(args, env, rows):
    kz = [sys.executable, "-m", "kzlod"]
    work = Path(tempfile.mkdtemp(prefix="kzlod-bench-bundled-"))
    store = work / "bundled-store"
    subprocess.run(kz + ["-q", "load", "--store", f"oxigraph:{store}"], env=env, check=True, capture_output=True)
    qfile = ROOT / "kzlod" / "querying" / "queries" / "memberships.rq"
    runs = max(args.runs, 5)
    cold = run(kz + ["query", "memberships", "--format", "csv"], env=env, timeout=args.timeout, runs=runs)
    oxi = run(["oxigraph", "query", "--location", str(store), "--query-file", str(qfile), "--results-format", "csv",
               "--union-default-graph"], env=env, timeout=args.timeout, runs=runs) if shutil.which("oxigraph") else None
    plain = run([sys.executable, __file__, "--plain", "query", str(qfile)], env=env, timeout=args.timeout, runs=runs)
    rows.append(Row("bundled", "cold start: query memberships", cold, oxi, plain, "≤ 0.3 s",
                    check(cold.median is not None and cold.median <= GOALS["cold query"])))
    run(kz + ["validate"], env=env, timeout=args.timeout, ok=(0, 1))  # fills the report and closure caches
    warm = run(kz + ["validate"], env=env, timeout=args.timeout, runs=runs, ok=(0, 1))
    cache = Path(env["KZLOD_CACHE_DIR"])
    coldv = run(kz + ["validate"], env=env, timeout=args.timeout, runs=max(3, args.runs), ok=(0, 1),
                before=lambda: shutil.rmtree(cache, ignore_errors=True))
    pshacl = run([sys.executable, __file__, "--plain", "validate", str(work / "empty.ttl")], env=env,
                 timeout=args.timeout, runs=args.runs,
                 before=lambda: (work / "empty.ttl").write_text("", encoding="utf-8"))
    rows.append(Row("bundled", "validate (report cached)", warm, None, pshacl, "≤ 1.0 s",
                    check(warm.median is not None and warm.median <= GOALS["validate bundled"])))
    rows.append(Row("bundled", "validate (cold: no cache)", coldv, None, pshacl, "≤ 1.0 s",
                    check(coldv.median is not None and coldv.median <= GOALS["validate bundled"])))
    shutil.rmtree(work, ignore_errors=True)


def bench_size(label: str, args, env, rows):
    from benchmarks.generate import Generator, write
    from kzlod.project import bundled
    from kzlod.querying.run import named_queries, prefixed_query
    from kzlod.sparqltext import inline_constants
    from kzlod.store.backends import file_graph

    kz = [sys.executable, "-m", "kzlod"]
    oxigraph = shutil.which("oxigraph")
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"kzlod-bench-{label}-", dir=args.workdir))
    size = _size(label)
    print(f"[{label}] generating …", file=sys.stderr)
    gen = Generator(size, seed=args.seed)
    data = work / f"generated-{label}.nt"
    write(gen.triples(), data)
    delta = work / "delta.ttl"
    delta_triples = gen.delta(100)
    write(delta_triples, delta)
    print(f"[{label}] {gen.count} triples, {data.stat().st_size / 1e6:.0f} MB", file=sys.stderr)
    plain_ok = not args.skip_plain and size <= args.plain_max
    big = size >= 1_000_000  # the brief sets the load and query ratios for 1M triples

    if "load" in args.only:
        target = work / "load-target"

        def fresh():
            shutil.rmtree(target, ignore_errors=True)

        print(f"[{label}] load …", file=sys.stderr)
        k = run(kz + ["-q", "load", str(data), "--store", f"oxigraph:{target}", "--no-bundled"], env=env,
                timeout=args.timeout, runs=args.runs, before=fresh)
        graph = file_graph(data, bundled().root).value  # the graph kzlod load gives it
        o = run([oxigraph, "load", "--location", str(target), "--file", str(data), "--graph", graph], env=env,
                timeout=args.timeout, runs=args.runs, before=fresh) if oxigraph else None
        od = run([oxigraph, "load", "--location", str(target), "--file", str(data)], env=env,
                 timeout=args.timeout, runs=args.runs, before=fresh) if oxigraph else None
        p = run([sys.executable, __file__, "--plain", "parse", str(data)], env=env, timeout=args.timeout,
                runs=1) if plain_ok else None
        ok = k.median is not None and o is not None and o.median and k.median <= GOALS["load ratio"] * o.median
        rows.append(Row(label, "load (one named graph)", k, o, p, "≤ 1.5× oxigraph" if big else "(1M goal)",
                        check(ok) if big else ""))
        rows.append(Row(label, "  oxigraph load, default graph", k, od, None, "", "",
                        note="(for reference: no named graph)"))
        fresh()

    # the store the other tasks use: bundled graph + generated graph, loaded by kzlod
    store = work / "store"
    subprocess.run(kz + ["-q", "load", str(data), "--store", f"oxigraph:{store}"], env=env, check=True,
                   capture_output=True)

    for name, q in sorted(named_queries().items()) if "query" in args.only else []:
        if name in args.skip_query:
            continue
        print(f"[{label}] query {name} …", file=sys.stderr)
        params = ["--param", "entity", "kzd:kazakhstan"] if name == "entity" else []
        text = q.text
        if name == "entity":
            # the IRI written into the text, as kzlod does on its own stores (the Oxigraph CLI takes no
            # parameters, and with a VALUES block it evaluates the query for every entity first)
            text = inline_constants(text, {"entity": "<https://w3id.org/kzlod/id/kazakhstan>"})
        qfile = work / f"{name}.rq"
        qfile.write_text(prefixed_query(text), encoding="utf-8")
        mine = kz + ["query", name, *params, "--store", f"oxigraph:{store}", "--format", "csv",
                     "--timeout", str(args.timeout), "--max-rows", "10000000"]
        anchor = [oxigraph, "query", "--location", str(store), "--query-file", str(qfile), "--results-format", "csv",
                  "--union-default-graph"]
        binding = [sys.executable, "-c", BINDING, str(qfile), str(store)]
        paired = b = by_binding = None
        if oxigraph:
            (k, o, b), (_, paired, by_binding) = run_turns([mine, anchor, binding], env=env, timeout=args.timeout,
                                                           runs=args.runs)
        else:
            k, o = run(mine, env=env, timeout=args.timeout, runs=args.runs), None
        p = run([sys.executable, __file__, "--plain", "query", str(qfile), str(data)], env=env,
                timeout=args.plain_timeout, runs=1) if plain_ok and size <= args.plain_query_max else None
        same = ""
        if k.out and o is not None and o.out and len(_rows(k.out)) != len(_rows(o.out)):
            same = f" (rows: {len(_rows(k.out))} vs {len(_rows(o.out))})"
        if o is None or o.failed or k.failed:
            met = "both timed out" if (o is not None and o.failed and k.failed) else check(not k.failed)
        else:
            met = check((paired or k.median / o.median) <= GOALS["query ratio"])
        note = ""
        if b is not None and not b.failed and o is not None and not o.failed:
            note = (f"(pyoxigraph in a bare Python {b.median:.3f} s, {b.median / o.median:.2f}× oxigraph; "
                    f"kzlod {by_binding or k.median / b.median:.2f}× it)")
        rows.append(Row(label, f"query {name}", k, o, p, "≤ 1.2× oxigraph" if big else "(1M goal)",
                        (met if big else "") + same, note))
        if o is not None and not (o.failed or k.failed):
            GOAL_ROWS.append(Goal(label, f"query {name} ≤ 1.2× oxigraph query", f"{secs(k)} (cpu {secs(k, cpu=True)})",
                                  f"{secs(o)} (cpu {secs(o, cpu=True)})",
                                  f"{paired or k.median / o.median:.2f}× paired (medians "
                                  f"{k.median / o.median:.2f}×, cpu {k.cpu_median / max(o.cpu_median, 1e-9):.2f}×)",
                                  met + same))

    if "validate" in args.only:
        # validate a 100-triple delta, incrementally
        print(f"[{label}] validate …", file=sys.stderr)
        k = run(kz + ["validate", str(delta), "--store", f"oxigraph:{store}", "--format", "json"], env=env,
                timeout=args.timeout, runs=args.runs, ok=(0, 1))
        p = run([sys.executable, __file__, "--plain", "validate", str(delta), str(data)], env=env,
                timeout=args.timeout, runs=1) if plain_ok else None
        same = ""
        if k.out and p is not None and p.out and not p.failed:
            mine = _kzlod_counts(k.out)
            theirs = json.loads(p.out.strip().splitlines()[-1])
            same = "same verdict" if mine == theirs else f"VERDICTS DIFFER: {mine} vs {theirs}"
        ok = k.median is not None and k.median <= GOALS["validate delta"]
        rows.append(Row(label, f"validate a {len(delta_triples)}-triple delta", k, None, p,
                        "≤ 2 s", check(ok), note=same))
        GOAL_ROWS.append(Goal(label, f"validate a {len(delta_triples)}-triple delta ≤ 2 s",
                              f"{secs(k)} (cpu {secs(k, cpu=True)}), {k.peak or 0:.0f} MB",
                              f"pySHACL, whole graph: {secs(p)}" if p is not None else "—",
                              f"{k.median:.2f} s" if k.median is not None else k.failed,
                              check(ok) + (f"; {same}" if same else "")))

    if "reason" in args.only:
        # reason
        print(f"[{label}] reason …", file=sys.stderr)

        def unreasoned():
            from kzlod.store.backends import INFERRED_DIR, read_meta, write_meta

            shutil.rmtree(store / INFERRED_DIR, ignore_errors=True)
            meta = read_meta(store)
            meta.pop("inferred", None)
            write_meta(store, meta)

        k = run(kz + ["-q", "reason", "--store", f"oxigraph:{store}"], env=env, timeout=args.timeout,
                runs=args.runs, before=unreasoned, ok=(0, 1))
        p = run([sys.executable, __file__, "--plain", "reason", str(data)], env=env, timeout=args.timeout,
                runs=1) if plain_ok and size <= args.owlrl_max else None
        note = ""
        if not k.failed and p is not None and not p.failed:
            mine, theirs = store_instance_level_count(store), int(p.out.strip().splitlines()[-1])
            note = f"instance-level: {mine} vs owlrl {theirs}" + (" (same)" if mine == theirs else " (DIFFER)")
        speed = None if (p is None or p.median is None or k.median is None) else p.median / k.median
        if size >= 1_000_000:
            goal = "≤ 30 s, ≤ 1 GB"
            met = check(not k.failed and (k.peak or 0) <= GOALS["rss mb"] and (k.median or 0) <= GOALS["reason s"])
        elif size >= 100_000:
            goal = "≥ 10× owlrl"
            met = check(speed is not None and speed >= GOALS["reason speedup"]) if p is not None else ""
        else:
            goal, met = "(100k goal)", ""
        rows.append(Row(label, "reason (closure into the store)", k, None, p, goal, met, note=note))
        GOAL_ROWS.append(Goal(label, "OWL RL closure into the store ≤ 30 s, ≤ 1 GB",
                              f"{secs(k)} (cpu {secs(k, cpu=True)}), {k.peak or 0:.0f} MB",
                              f"owlrl: {secs(p)}" if p is not None else "—",
                              f"{k.median:.1f} s, {k.peak or 0:.0f} MB" if k.median is not None else k.failed,
                              (met or check(not k.failed and (k.peak or 0) <= GOALS["rss mb"]
                                            and (k.median or 0) <= GOALS["reason s"])) + (f"; {note}" if note else "")))

    # publish
    if "publish" in args.only and size <= args.publish_max:
        print(f"[{label}] publish …", file=sys.stderr)
        out = work / "release"
        k = run(kz + ["-q", "publish", str(out), "--data", str(data), "--force"], env=env, timeout=args.timeout,
                runs=1, before=lambda: shutil.rmtree(out, ignore_errors=True))
        p = run([sys.executable, __file__, "--plain", "publish", str(work / "plain-release"), str(data)], env=env,
                timeout=args.timeout, runs=1) if plain_ok else None
        ok = not k.failed and (k.median or 0) <= GOALS["publish s"] and (k.peak or 0) <= GOALS["rss mb"]
        rows.append(Row(label, "publish (dumps, pages, VoID)", k, None, p, "≤ 60 s, ≤ 1 GB", check(ok)))
        GOAL_ROWS.append(Goal(label, "publish ≤ 60 s, ≤ 1 GB RSS", f"{secs(k)} (cpu {secs(k, cpu=True)}), "
                              f"{k.peak or 0:.0f} MB", f"rdflib writing the dumps: {secs(p)}" if p is not None else "—",
                              f"{k.median:.1f} s, {k.peak or 0:.0f} MB" if k.median is not None else k.failed,
                              check(ok)))
    if "push" in args.only and size <= args.push_max:
        bench_push(label, data, work, args, env, rows)
    peak = max(((r.kzlod.peak or 0) for r in rows if r.size == label), default=0)
    rows.append(Row(label, "peak RSS of any kzlod command", Timing(), None, None, "≤ 1 GB",
                    check(peak <= GOALS["rss mb"]), note=f"{peak:.0f} MB"))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def bench_push(label: str, data: Path, work: Path, args, env, rows) -> None:
    """``kzlod push`` of the project plus the generated graph into Oxigraph and Virtuoso (when installed),
    each started on 127.0.0.1 with a throw-away database (tests/servers.py); the anchor for Oxigraph is
    the same N-Triples file sent as it is, in one Graph Store Protocol POST (no gate, no graphs)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from servers import start_oxigraph, start_virtuoso

    kz = [sys.executable, "-m", "kzlod", "-q"]
    project = work / "push-project"
    subprocess.run(kz + ["init", str(project), "--with-data"], env=env, check=True, capture_output=True)
    shutil.copy(data, project / "data" / f"{data.stem}.ttl")  # a project's data are .ttl files (N-Triples is Turtle)
    env = dict(env, KZLOD_PASSWORD="dba")
    stores = [("oxigraph", start_oxigraph)] + ([("virtuoso", start_virtuoso)] if shutil.which("virtuoso-t") else [])
    for kind, start in stores:
        print(f"[{label}] push to {kind} …", file=sys.stderr)
        server = start(work / f"push-{kind}")
        try:
            base = server.url if kind == "oxigraph" else server.base_url
            target = ["--endpoint", base] + ([] if kind == "oxigraph" else ["--server", "virtuoso", "--user", "dba"])
            k = run(kz + ["--project", str(project), "push", *target], env=env, timeout=args.timeout)
            anchor = None
            if kind == "oxigraph":
                anchor = run([sys.executable, "-c", PLAIN_POST, f"{server.url}/store?graph=urn:bench:plain", str(data)],
                             env=env, timeout=args.timeout)
            rows.append(Row(label, f"push to {kind} (every graph)", k, anchor, None, "timed", ""))
            GOAL_ROWS.append(Goal(label, f"push to {kind}, timed", f"{secs(k)}, {k.peak or 0:.0f} MB",
                                  f"one POST of the file: {secs(anchor)}" if anchor is not None else "—",
                                  ratio(k, anchor) if anchor is not None else "", "timed"))
        finally:
            server.stop()


#: The anchor of a push: the generated file sent as it is to a Graph Store Protocol endpoint.
PLAIN_POST = """
import sys, urllib.request
with open(sys.argv[2], "rb") as fh:
    body = fh.read()
req = urllib.request.Request(sys.argv[1], data=body, method="POST", headers={"Content-Type": "application/n-triples"})
urllib.request.urlopen(req, timeout=3600).read()
"""


def _kzlod_counts(out: str) -> dict:
    from collections import Counter

    report = json.loads(out)
    counts = Counter(f"{r['shape'] or '[]'} {r['severity']}" for r in report["results"])
    return dict(sorted(counts.items()))


def _rows(csv_text: str) -> list:
    import csv
    import io

    return sorted(tuple(r) for r in csv.reader(io.StringIO(csv_text)))[1:] if csv_text else []


#: The steps of :func:`bench_size`, in the order they run.
STEPS = ("load", "query", "validate", "reason", "publish", "push")


def _steps(value: str) -> tuple:
    steps = tuple(s.strip() for s in value.split(",") if s.strip())
    unknown = [s for s in steps if s not in STEPS]
    if unknown or not steps:
        raise argparse.ArgumentTypeError(f"steps are {', '.join(STEPS)}; got {value!r}")
    return steps


def _size(label: str) -> int:
    from benchmarks.generate import parse_size

    return parse_size(label)


def main(argv=None) -> None:
    if argv is None and len(sys.argv) > 2 and sys.argv[1] == "--plain":
        plain_main(sys.argv[2], sys.argv[3:])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k", help="comma-separated sizes (default 10k,100k)")
    ap.add_argument("--runs", type=int, default=3, help="runs per command (the plain way runs once)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds before a command is given up")
    ap.add_argument("--plain-timeout", type=float, default=300, help="the same for the plain way")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-plain", action="store_true", help="do not run the plain rdflib/owlrl/pySHACL way")
    ap.add_argument("--plain-max", type=_size, default=100_000, help="largest size for the plain way (100k)")
    ap.add_argument("--plain-query-max", type=_size, default=100_000, help="largest size for rdflib queries")
    ap.add_argument("--owlrl-max", type=_size, default=100_000, help="largest size for owlrl (100k)")
    ap.add_argument("--publish-max", type=_size, default=1_000_000, help="largest size for publish (1M)")
    ap.add_argument("--push-max", type=_size, default=1_000_000, help="largest size for push (1M)")
    ap.add_argument("--skip-query", action="append", default=[], metavar="NAME",
                    help="leave out this named query (repeatable), e.g. claims, which takes minutes at 1M")
    ap.add_argument("--no-bundled", action="store_true", help="skip the cold-start rows of the bundled graph")
    ap.add_argument("--only", type=_steps, default=STEPS, metavar="STEP,…",
                    help=f"run only these steps at each size ({', '.join(STEPS)}; default: all); the store the "
                         "query and validate steps read is loaded in any case")
    ap.add_argument("--workdir", help="where to put generated graphs and stores (default: the temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the generated graphs and stores")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = ap.parse_args(argv)
    cache = tempfile.mkdtemp(prefix="kzlod-bench-cache-")
    env = dict(os.environ, KZLOD_CACHE_DIR=cache,
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    rows: list[Row] = []
    started = time.time()
    if not args.no_bundled:
        bench_bundled(args, env, rows)
    for label in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        bench_size(label, args, env, rows)
    shutil.rmtree(cache, ignore_errors=True)
    print_table(rows)
    print()
    print_goals(GOAL_ROWS)
    import platform

    print(f"\n{args.runs} runs per kzlod/oxigraph command (medians), plain way once; {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {time.time() - started:.0f} s in all")
    if args.json:
        args.json.write_text(json.dumps([{
            "size": r.size, "task": r.task, "kzlod": r.kzlod.median, "kzlod_failed": r.kzlod.failed,
            "kzlod_mb": r.kzlod.peak, "oxigraph": r.oxigraph.median if r.oxigraph else None,
            "plain": r.plain.median if r.plain else None, "plain_failed": r.plain.failed if r.plain else "",
            "goal": r.goal, "met": r.verdict, "note": r.note,
            "kzlod_cpu": r.kzlod.cpu_median, "oxigraph_cpu": r.oxigraph.cpu_median if r.oxigraph else None}
            for r in rows], indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
