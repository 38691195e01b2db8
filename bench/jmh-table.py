#!/usr/bin/env python3
"""Turns a JMH JSON result (bench/jmh.sh writes eft-examples/target/jmh-result.json) into the
Markdown table of docs/benchmarks-core.md: ns/op ± error, B/op, and Panama's speed-up over scalar."""
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
    rows.setdefault(key, {})[p.get("impl", "?")] = (m["score"], m["scoreError"], alloc)

print("| benchmark | V | scalar ns/op | Panama ns/op | Panama speed-up | scalar B/op | Panama B/op |")
print("|---|---:|---:|---:|---:|---:|---:|")
for (name, v), impls in sorted(rows.items()):
    s = impls.get("scalar")
    pn = impls.get("panama")
    fmt = lambda t: f"{t[0]:,.0f} ± {t[1]:,.0f}" if t else "–"
    ratio = f"{s[0] / pn[0]:.1f}×" if s and pn else "–"
    print(f"| {name} | {v} | {fmt(s)} | {fmt(pn)} | {ratio} | {s[2]:.2f} | {pn[2]:.2f} |" if s and pn
          else f"| {name} | {v} | {fmt(s)} | {fmt(pn)} | {ratio} | | |")
