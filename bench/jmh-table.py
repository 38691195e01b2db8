#!/usr/bin/env python3
"""Turns a JMH JSON result (bench/jmh.sh writes eft-examples/target/jmh-result.json) into the
Markdown table of docs/benchmarks-core.md: ns/op (mean ± error, and the median iteration, which
a shared, noisy machine distorts less), B/op, and Panama's speed-up over scalar."""
import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "eft-examples/target/jmh-result.json"
rows = {}
for r in json.load(open(path)):
    name = r["benchmark"].rsplit(".", 2)[-2] + "." + r["benchmark"].rsplit(".", 1)[-1]
    p = r.get("params", {})
    key = (name, int(p.get("vocab", 0)))
    alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
    m = r["primaryMetric"]
    raw = sorted(x for fork in m["rawData"] for x in fork)
    median = raw[len(raw) // 2] if len(raw) % 2 else (raw[len(raw) // 2 - 1] + raw[len(raw) // 2]) / 2
    rows.setdefault(key, {})[p.get("impl", "?")] = (m["score"], m["scoreError"], alloc, median)

print("| benchmark | V | scalar ns/op (mean ± error) | Panama ns/op (mean ± error) | speed-up (means) "
      "| scalar median | Panama median | speed-up (medians) | scalar B/op | Panama B/op |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for (name, v), impls in sorted(rows.items()):
    s = impls.get("scalar")
    pn = impls.get("panama")
    fmt = lambda t: f"{t[0]:,.0f} ± {t[1]:,.0f}" if t else "–"
    if s and pn:
        print(f"| {name} | {v} | {fmt(s)} | {fmt(pn)} | {s[0] / pn[0]:.1f}× | {s[3]:,.0f} | {pn[3]:,.0f} "
              f"| {s[3] / pn[3]:.1f}× | {s[2]:.2f} | {pn[2]:.2f} |")
    else:
        print(f"| {name} | {v} | {fmt(s)} | {fmt(pn)} | – | | | – | | |")
