#!/usr/bin/env python3
"""Turns a JMH JSON result (bench/jmh.sh writes eft-examples/target/jmh-result.json) into the
Markdown tables of README.md and docs/benchmarks-core.md, in µs/op.

  python3 bench/jmh-table.py [result.json] [--medians]

Table 1, every benchmark: scalar and Panama µs/op (mean ± JMH's 99.9 % error), Panama's
speed-up, and B/op (-prof gc). --medians adds the median iteration, which a shared, noisy
machine distorts less. Table 2, for a benchmark class with a `legacy` method (CombineBenchmark):
each method's µs/op next to `legacy` in the same fork set, and its speed-up over it.

A run with one iteration has no error estimate (JMH writes "NaN"): the ± part is left out."""
import json
import math
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
medians = "--medians" in sys.argv[1:]
path = args[0] if args else "eft-examples/target/jmh-result.json"


def num(v):
    """JMH writes NaN as the string "NaN" (and may write numbers as strings)."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def us(t):
    """µs/op (mean ± error) from a (score ns, error ns, ...) tuple, as README's tables show it."""
    if t is None:
        return "–"
    mean, err = t[0] / 1000, t[1] / 1000
    return f"{mean:,.1f}" if math.isnan(err) else f"{mean:,.1f} ± {err:,.1f}"


def bop(t):
    return "–" if t is None or math.isnan(t[2]) else f"{t[2]:.2f}"


def ratio(a, b):
    return "–" if a is None or b is None or b[0] == 0 else f"**{a[0] / b[0]:.1f}×**"


rows = {}          # (class.method, other params) -> impl -> (score, error, B/op, median)
params_seen = []   # non-impl parameter names, in first-seen order
for r in json.load(open(path)):
    cls, method = r["benchmark"].rsplit(".", 2)[-2:]
    p = r.get("params", {})
    for k in p:
        if k != "impl" and k not in params_seen:
            params_seen.append(k)
    m = r["primaryMetric"]
    unit = m.get("scoreUnit", "ns/op")
    scale = {"ns/op": 1, "us/op": 1e3, "ms/op": 1e6, "s/op": 1e9}.get(unit)
    if scale is None:
        sys.exit(f"unsupported score unit {unit} in {r['benchmark']}")
    raw = sorted(num(x) * scale for fork in m["rawData"] for x in fork)
    median = raw[len(raw) // 2] if len(raw) % 2 else (raw[len(raw) // 2 - 1] + raw[len(raw) // 2]) / 2
    alloc = num(r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", "NaN"))
    key = (cls, method, tuple(sorted((k, v) for k, v in p.items() if k != "impl")))
    rows.setdefault(key, {})[p.get("impl", "?")] = (num(m["score"]) * scale, num(m["scoreError"]) * scale, alloc, median)

HEADERS = {"vocab": "V", "components": "k"}
first_seen = list(params_seen)
params_seen.sort(key=lambda k: (list(HEADERS).index(k) if k in HEADERS else len(HEADERS), first_seen.index(k)))


def param_cells(key):
    d = dict(key[2])
    return [d.get(k, "") for k in params_seen]


def sort_key(key):
    d = dict(key[2])
    return (key[0], key[1], [int(d[k]) if str(d.get(k, "")).isdigit() else str(d.get(k, "")) for k in params_seen])


def short(cls):
    return cls[:-len("Benchmark")] if cls.endswith("Benchmark") else cls


# Table 1: scalar vs Panama per benchmark
cols = ["benchmark"] + [HEADERS.get(k, k) for k in params_seen] + ["scalar µs/op", "Panama µs/op", "Panama speed-up"]
if medians:
    cols += ["scalar median µs", "Panama median µs"]
cols += ["scalar B/op", "Panama B/op"]
print("| " + " | ".join(cols) + " |")
print("|---" + "|---:" * (len(cols) - 1) + "|")
for key in sorted(rows, key=sort_key):
    s, pn = rows[key].get("scalar"), rows[key].get("panama")
    cells = [f"{short(key[0])}.{key[1]}"] + [str(c) for c in param_cells(key)] + [us(s), us(pn), ratio(s, pn)]
    if medians:
        cells += [f"{s[3] / 1000:,.1f}" if s else "–", f"{pn[3] / 1000:,.1f}" if pn else "–"]
    cells += [bop(s), bop(pn)]
    print("| " + " | ".join(cells) + " |")

# Table 2: every method against `legacy` of the same class, impl and parameters
classes = sorted({k[0] for k in rows if k[1] == "legacy"})
for cls in classes:
    methods = sorted({k[1] for k in rows if k[0] == cls and k[1] != "legacy"})
    impls = sorted({i for k, v in rows.items() if k[0] == cls for i in v}, key=lambda i: (i != "panama", i))
    settings = sorted({k[2] for k in rows if k[0] == cls}, key=lambda t: sort_key((cls, "", t)))
    print()
    cols = ["impl"] + [HEADERS.get(k, k) for k in params_seen] + ["legacy µs/op"] + [f"{m} µs/op" for m in methods] \
        + [f"{m} speed-up" for m in methods] + ["B/op legacy / " + " / ".join(methods)]
    print(f"{short(cls)}: each method against `legacy` (the algorithm before), same run")
    print()
    print("| " + " | ".join(cols) + " |")
    print("|---" + "|---:" * (len(cols) - 1) + "|")
    for impl in impls:
        for st in settings:
            base = rows.get((cls, "legacy", st), {}).get(impl)
            got = [rows.get((cls, m, st), {}).get(impl) for m in methods]
            if base is None and all(g is None for g in got):
                continue
            cells = [impl] + [str(c) for c in param_cells((cls, "", st))] + [us(base)] + [us(g) for g in got] \
                + [ratio(base, g) for g in got] + [" / ".join(bop(t) for t in [base] + got)]
            print("| " + " | ".join(cells) + " |")
