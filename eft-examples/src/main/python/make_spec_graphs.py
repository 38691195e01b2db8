#!/usr/bin/python3
"""Writes the graphs of the speculative ONNX benchmark (OnnxBenchmarkSources) into a directory.
Not committed: the benchmark runs this at start-up into a temporary directory.

    /usr/bin/python3 eft-examples/src/main/python/make_spec_graphs.py OUT [--pad-layers 30] [--near-eps 0.3]

Reuses the decoder of eft-onnx/src/test/python/make_test_graphs.py (Debian python3-torch 1.13,
python3-onnx, opset 17). Every graph has the vocabulary (64) of the committed test graphs:
  small      2-layer Llama, hidden 32: the shape of the committed llama_gqa (own random weights)
  large_pad  small's weights, then --pad-layers extra layers whose output projections (wo, down)
             are zero: the same function as small (identical logits up to float rounding) at the
             cost of a deeper model. Draft == target: the acceptance ceiling at a real cost ratio.
  large_near as large_pad, but the extra layers' wo/down are random scaled by --near-eps: a
             target close to the draft, acceptance between the two cases
  large_rand 8-layer Llama, hidden 256, independent random weights: a real cost ratio with an
             arbitrary (low) acceptance
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..",
                                "eft-onnx", "src", "test", "python"))
import make_test_graphs as g  # noqa: E402

MAX_POS = 4096


def padded(small, name, layers, eps, out):
    """small's weights in the first layers; the extra layers add eps * (random output) to the residual."""
    c = g.Cfg(name, vocab=small.c.vocab, hidden=small.c.hidden, heads=small.c.heads, kv_heads=small.c.kv_heads,
              layers=small.c.layers + layers, inter=small.c.inter, max_pos=MAX_POS)
    big = g.Decoder(c).eval()
    with torch.no_grad():
        sd = big.state_dict()
        for k, v in small.state_dict().items():
            sd[k] = v.clone()
        for i in range(small.c.layers, c.layers):
            sd[f"layers.{i}.wo"] = sd[f"layers.{i}.wo"] * eps
            sd[f"layers.{i}.down"] = sd[f"layers.{i}.down"] * eps
        big.load_state_dict(sd)
    save(big, out)


def save(dec, out):
    d = os.path.join(out, dec.c.name)
    os.makedirs(d, exist_ok=True)
    with torch.no_grad():
        g.export(dec, os.path.join(d, "model.onnx"), True)
    g.write_config(dec.c, d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--pad-layers", type=int, default=30)
    ap.add_argument("--near-eps", type=float, default=0.3)
    a = ap.parse_args()
    torch.manual_seed(1)
    small = g.Decoder(g.Cfg("small", vocab=64, hidden=32, heads=4, kv_heads=2, layers=2, inter=64,
                            max_pos=MAX_POS)).eval()
    save(small, a.out)
    padded(small, "large_pad", a.pad_layers, 0.0, a.out)
    padded(small, "large_near", a.pad_layers, a.near_eps, a.out)
    save(g.Decoder(g.Cfg("large_rand", vocab=64, hidden=256, heads=8, kv_heads=4, layers=8, inter=704,
                         max_pos=MAX_POS)).eval(), a.out)


if __name__ == "__main__":
    main()
