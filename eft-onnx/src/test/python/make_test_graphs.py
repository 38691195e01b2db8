#!/usr/bin/python3
"""Writes the small decoder graphs the eft-onnx tests run, plus float64 golden logits.

Run with Debian's interpreter (python3-torch 1.13, python3-onnx):
    /usr/bin/python3 eft-onnx/src/test/python/make_test_graphs.py eft-onnx/src/test/resources/graphs
    /usr/bin/python3 eft-onnx/src/test/python/make_test_graphs.py --bench DIR   # benchmark graphs, not committed

Every graph uses the HF optimum decoder layout: inputs input_ids [b, s], attention_mask [b, past+s],
optional position_ids [b, s], past_key_values.{i}.key|value [b, kv_heads, past, head_dim];
outputs logits [b, s, vocab], present.{i}.key|value [b, kv_heads, past+s, head_dim].
The golden file holds float64 logits [golden_len, vocab] of a full forward pass (no cache) of the
same weights over golden_tokens, computed by torch in float64: an independent reference.
"""
import argparse
import json
import math
import os
import struct

import numpy as np
import onnx
import torch
from onnx import helper, TensorProto

torch.manual_seed(0)
NEG = -1e9  # finite mask value: fully masked (padding) rows stay finite


class Cfg:
    def __init__(self, name, style="llama", vocab=64, hidden=32, heads=4, kv_heads=2, layers=2, inter=64,
                 max_pos=64, position_ids=True, io_dtype=torch.float32, merged=False, logits_to_keep=False):
        self.__dict__.update(locals())
        del self.__dict__["self"]
        self.head_dim = hidden // heads


def rms_norm(x, w):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + 1e-6) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Decoder(torch.nn.Module):
    """A miniature Llama (GQA, RMSNorm, SwiGLU) or Falcon-7B (MQA, LayerNorm, parallel attn+MLP)."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        d, kvd = c.hidden, c.kv_heads * c.head_dim
        p = lambda *shape: torch.nn.Parameter(torch.randn(*shape) * (0.3 / math.sqrt(shape[-1])) if len(shape) > 1
                                             else 1.0 + 0.1 * torch.randn(*shape))
        self.embed = torch.nn.Parameter(torch.randn(c.vocab, d) * 0.5)
        self.layers = torch.nn.ModuleList()
        for _ in range(c.layers):
            m = torch.nn.Module()
            m.wq, m.wk, m.wv, m.wo = p(d, d), p(kvd, d), p(kvd, d), p(d, d)
            m.up, m.down = p(c.inter, d), p(d, c.inter)
            m.n1 = p(d)
            if c.style == "llama":
                m.gate, m.n2 = p(c.inter, d), p(d)
            else:
                m.n1b = torch.nn.Parameter(0.1 * torch.randn(d))
            self.layers.append(m)
        self.norm = p(d)
        self.lm_head = p(c.vocab, d)
        self.inv_freq = 1.0 / (10000.0 ** (torch.arange(0, c.head_dim, 2).double() / c.head_dim))

    def forward(self, input_ids, attention_mask, position_ids, pasts, use_cache=True, keep=None):
        c = self.c
        dt = self.embed.dtype
        b, s = input_ids.shape[0], input_ids.shape[1]
        t = attention_mask.shape[1]
        if position_ids is None:  # positions from the mask (left padding, rolled-back holes)
            position_ids = (torch.cumsum(attention_mask, dim=1) - 1).clamp(min=0)[:, t - s:]
        x = self.embed[input_ids]
        freqs = position_ids.unsqueeze(-1).to(dt) * self.inv_freq.to(dt)  # (b, s, hd/2)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().unsqueeze(1), emb.sin().unsqueeze(1)  # (b, 1, s, hd)
        q_idx = torch.arange(s).unsqueeze(1) + (t - s)
        k_idx = torch.arange(t).unsqueeze(0)
        allowed = (k_idx <= q_idx).unsqueeze(0).unsqueeze(0) & (attention_mask > 0).unsqueeze(1).unsqueeze(1)
        presents = []
        rep = c.heads // c.kv_heads
        for i, m in enumerate(self.layers):
            if c.style == "llama":
                h = rms_norm(x, m.n1)
            else:
                h = torch.nn.functional.layer_norm(x, (c.hidden,), m.n1, m.n1b)
            q = (h @ m.wq.t()).reshape(b, s, c.heads, c.head_dim).transpose(1, 2)
            k = (h @ m.wk.t()).reshape(b, s, c.kv_heads, c.head_dim).transpose(1, 2)
            v = (h @ m.wv.t()).reshape(b, s, c.kv_heads, c.head_dim).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if use_cache:
                pk, pv = pasts[2 * i].to(dt), pasts[2 * i + 1].to(dt)
                k = torch.cat((pk, k), dim=2)
                v = torch.cat((pv, v), dim=2)
            presents += [k.to(c.io_dtype), v.to(c.io_dtype)]
            kk = k.unsqueeze(2).expand(b, c.kv_heads, rep, t, c.head_dim).reshape(b, c.heads, t, c.head_dim)
            vv = v.unsqueeze(2).expand(b, c.kv_heads, rep, t, c.head_dim).reshape(b, c.heads, t, c.head_dim)
            sc = (q @ kk.transpose(2, 3)) / math.sqrt(c.head_dim)
            sc = torch.where(allowed, sc, torch.full_like(sc, NEG))
            a = (torch.softmax(sc, dim=-1) @ vv).transpose(1, 2).reshape(b, s, c.hidden) @ m.wo.t()
            if c.style == "llama":
                x = x + a
                h2 = rms_norm(x, m.n2)
                x = x + (torch.nn.functional.silu(h2 @ m.gate.t()) * (h2 @ m.up.t())) @ m.down.t()
            else:  # parallel attention and MLP on the same normed input
                x = x + a + torch.nn.functional.gelu(h @ m.up.t()) @ m.down.t()
        x = rms_norm(x, self.norm)
        if keep is not None:
            x = x.index_select(1, torch.arange(s - keep, s))
        return (x @ self.lm_head.t()).to(c.io_dtype), presents


class Export(torch.nn.Module):
    def __init__(self, dec, use_cache):
        super().__init__()
        self.dec, self.use_cache = dec, use_cache

    def forward(self, *args):
        c = self.dec.c
        input_ids, attention_mask = args[0], args[1]
        i = 2
        position_ids = None
        if c.position_ids:
            position_ids, i = args[2], 3
        keep = None
        if c.logits_to_keep:
            keep, i = args[i], i + 1
        pasts = args[i:] if self.use_cache else None
        logits, presents = self.dec(input_ids, attention_mask, position_ids, pasts, self.use_cache, keep)
        return (logits, *presents)


def export(dec, path, use_cache):
    c = dec.c
    b, s, p = 2, 3, 4
    ids = torch.randint(0, c.vocab, (b, s))
    names, args, axes = ["input_ids", "attention_mask"], [ids], {"input_ids": {0: "batch", 1: "seq"},
                                                                 "attention_mask": {0: "batch", 1: "total"}}
    t = s + (p if use_cache else 0)
    args.append(torch.ones(b, t, dtype=torch.long))
    if c.position_ids:
        names.append("position_ids")
        args.append(torch.arange(t - s, t).unsqueeze(0).expand(b, s).contiguous())
        axes["position_ids"] = {0: "batch", 1: "seq"}
    if c.logits_to_keep:
        names.append("num_logits_to_keep")
        args.append(torch.tensor(1, dtype=torch.long))
    outs = ["logits"]
    axes["logits"] = {0: "batch", 1: "seq"}
    for i in range(c.layers):
        for kv in ("key", "value"):
            if use_cache:
                n = f"past_key_values.{i}.{kv}"
                names.append(n)
                args.append(torch.randn(b, c.kv_heads, p, c.head_dim).to(c.io_dtype))
                axes[n] = {0: "batch", 2: "past"}
            o = f"present.{i}.{kv}"
            outs.append(o)
            axes[o] = {0: "batch", 2: "total"}
    torch.onnx.export(Export(dec, use_cache), tuple(args), path, input_names=names, output_names=outs,
                      dynamic_axes=axes, opset_version=17, do_constant_folding=True)


def rename_subgraph(g, prefix, outer_inputs):
    """Returns nodes/initializers/outputs of g with every internal name prefixed (If branches share one scope)."""
    keep = set(outer_inputs) | {""}
    ren = lambda n: n if n in keep else prefix + n
    nodes = []
    for n in g.node:
        n2 = onnx.NodeProto()
        n2.CopyFrom(n)
        del n2.input[:]
        n2.input.extend([ren(x) for x in n.input])
        del n2.output[:]
        n2.output.extend([ren(x) for x in n.output])
        n2.name = prefix + n.name
        nodes.append(n2)
    inits = []
    for t in g.initializer:
        t2 = onnx.TensorProto()
        t2.CopyFrom(t)
        t2.name = ren(t.name)
        inits.append(t2)
    outs = [helper.make_tensor_value_info(ren(o.name), o.type.tensor_type.elem_type, None) for o in g.output]
    return nodes, inits, outs


def merge(with_past_path, no_past_path, path):
    """optimum-style merged decoder: If(use_cache_branch) over the with-past and the no-past graphs."""
    a, b = onnx.load(with_past_path), onnx.load(no_past_path)
    outer_in = [i.name for i in a.graph.input]
    an, ai, ao = rename_subgraph(a.graph, "wc_", outer_in)
    bn, bi, bo = rename_subgraph(b.graph, "nc_", outer_in)
    then_g = helper.make_graph(an, "with_past", [], ao, ai)
    else_g = helper.make_graph(bn, "no_past", [], bo, bi)
    cond = helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1])
    node = helper.make_node("If", ["use_cache_branch"], [o.name for o in a.graph.output], then_branch=then_g,
                            else_branch=else_g)
    g = helper.make_graph([node], "merged_decoder", list(a.graph.input) + [cond], list(a.graph.output))
    m = helper.make_model(g, opset_imports=a.opset_import)
    m.ir_version = a.ir_version
    onnx.checker.check_model(m)
    onnx.save(m, path)


def write_config(c, d):
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"model_type": c.style, "vocab_size": c.vocab, "bos_token_id": 1, "eos_token_id": 2,
                   "max_position_embeddings": c.max_pos, "num_attention_heads": c.heads,
                   "num_key_value_heads": c.kv_heads, "num_hidden_layers": c.layers}, f, indent=1)


def write_golden(dec, d, n=12):
    c = dec.c
    g = torch.Generator().manual_seed(7)
    tokens = torch.randint(0, c.vocab, (1, n), generator=g)
    d64 = Decoder(c)
    d64.load_state_dict(dec.state_dict())
    d64 = d64.double()
    d64.c = Cfg(**{k: v for k, v in c.__dict__.items() if k != "head_dim"})
    d64.c.io_dtype = torch.float64
    with torch.no_grad():
        logits, _ = d64(tokens, torch.ones(1, n, dtype=torch.long), torch.arange(n).unsqueeze(0), None, False)
    with open(os.path.join(d, "golden.bin"), "wb") as f:  # int32 n, int32 vocab, n tokens, n*vocab float64 LE
        f.write(struct.pack("<ii", n, c.vocab))
        f.write(np.asarray(tokens[0].numpy(), dtype="<i4").tobytes())
        f.write(np.asarray(logits[0].numpy(), dtype="<f8").tobytes())


def make_model(c, out):
    d = os.path.join(out, c.name)
    os.makedirs(d, exist_ok=True)
    dec = Decoder(c).eval()
    with torch.no_grad():
        if c.merged:
            tmp_a, tmp_b = os.path.join(d, "a.onnx"), os.path.join(d, "b.onnx")
            export(dec, tmp_a, True)
            export(dec, tmp_b, False)
            merge(tmp_a, tmp_b, os.path.join(d, "model.onnx"))
            os.remove(tmp_a)
            os.remove(tmp_b)
        else:
            export(dec, os.path.join(d, "model.onnx"), True)
    write_config(c, d)
    write_golden(dec, d)


def bad_graphs(out):
    """Tiny graphs that discovery must reject with a clear message."""
    d = os.path.join(out, "bad")
    os.makedirs(d, exist_ok=True)
    F, I, D = TensorProto.FLOAT, TensorProto.INT64, TensorProto.DOUBLE
    vi = helper.make_tensor_value_info

    def save(name, inputs, outputs, nodes):
        g = helper.make_graph(nodes, name, inputs, outputs)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        m.ir_version = 8
        onnx.checker.check_model(m)
        onnx.save(m, os.path.join(d, name + ".onnx"))

    ids, mask = vi("input_ids", I, ["b", "s"]), vi("attention_mask", I, ["b", "t"])
    kv = lambda n, t=F: vi(n, t, ["b", 2, "p", 8])
    # no logits output
    save("no_logits", [ids, mask], [vi("scores", F, ["b", "s"])],
         [helper.make_node("Cast", ["input_ids"], ["scores"], to=F)])
    # past 0 without present 0
    save("unpaired", [ids, mask, kv("past_key_values.0.key"), kv("past_key_values.0.value")],
         [vi("logits", F, ["b", "s"]), kv("present.1.key"), kv("present.1.value")],
         [helper.make_node("Cast", ["input_ids"], ["logits"], to=F),
          helper.make_node("Identity", ["past_key_values.0.key"], ["present.1.key"]),
          helper.make_node("Identity", ["past_key_values.0.value"], ["present.1.value"])])
    # float64 KV cache
    save("float64_kv", [ids, mask, kv("past_key_values.0.key", D), kv("past_key_values.0.value", D)],
         [vi("logits", F, ["b", "s"]), kv("present.0.key", D), kv("present.0.value", D)],
         [helper.make_node("Cast", ["input_ids"], ["logits"], to=F),
          helper.make_node("Identity", ["past_key_values.0.key"], ["present.0.key"]),
          helper.make_node("Identity", ["past_key_values.0.value"], ["present.0.value"])])


def micro_graph(out, vocab=128, dim=16, heads=2):
    """An overhead-bound decoder: the optimum I/O layout around a handful of nodes (embedding,
    one KV concat per tensor, an output projection), so a step costs little more than the API."""
    d = os.path.join(out, "micro")
    os.makedirs(d, exist_ok=True)
    F, I = TensorProto.FLOAT, TensorProto.INT64
    vi = helper.make_tensor_value_info
    hd = dim // heads
    rng = np.random.default_rng(0)
    emb = helper.make_tensor("emb", F, [vocab, dim], rng.standard_normal((vocab, dim)).astype(np.float32).ravel())
    w = helper.make_tensor("w", F, [dim, vocab], rng.standard_normal((dim, vocab)).astype(np.float32).ravel())
    shape = helper.make_tensor("kv_shape", I, [4], [0, 0, heads, hd])
    kv = lambda n: vi(n, F, ["batch", heads, n.startswith("past") and "past" or "total", hd])
    nodes = [helper.make_node("Gather", ["emb", "input_ids"], ["e"]),
             helper.make_node("Reshape", ["e", "kv_shape"], ["e4"]),
             helper.make_node("Transpose", ["e4"], ["k"], perm=[0, 2, 1, 3]),
             helper.make_node("Concat", ["past_key_values.0.key", "k"], ["present.0.key"], axis=2),
             helper.make_node("Concat", ["past_key_values.0.value", "k"], ["present.0.value"], axis=2),
             helper.make_node("MatMul", ["e", "w"], ["logits"])]
    g = helper.make_graph(nodes, "micro", [vi("input_ids", I, ["batch", "seq"]), vi("attention_mask", I, ["batch", "total"]),
                                           vi("position_ids", I, ["batch", "seq"]), kv("past_key_values.0.key"),
                                           kv("past_key_values.0.value")],
                          [vi("logits", F, ["batch", "seq", vocab]), kv("present.0.key"), kv("present.0.value")],
                          [emb, w, shape])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(d, "model.onnx"))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"vocab_size": vocab, "max_position_embeddings": 4096}, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--bench", action="store_true", help="write the tiny and medium benchmark graphs instead")
    a = ap.parse_args()
    if a.bench:
        micro_graph(a.out)
        make_model(Cfg("tiny", vocab=128, hidden=32, heads=4, kv_heads=2, layers=2, inter=64, max_pos=2048), a.out)
        make_model(Cfg("medium", vocab=8000, hidden=512, heads=8, kv_heads=4, layers=8, inter=1408,
                       max_pos=2048), a.out)
        return
    make_model(Cfg("llama_gqa"), a.out)
    make_model(Cfg("falcon_mqa", style="falcon", kv_heads=1), a.out)
    make_model(Cfg("llama_nopos", position_ids=False), a.out)
    make_model(Cfg("llama_merged", merged=True, logits_to_keep=True), a.out)
    make_model(Cfg("llama_fp16", io_dtype=torch.float16), a.out)
    make_model(Cfg("llama_bf16", io_dtype=torch.bfloat16), a.out)
    bad_graphs(a.out)


if __name__ == "__main__":
    main()
