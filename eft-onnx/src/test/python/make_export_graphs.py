#!/usr/bin/python3
"""Writes test graphs in the export formats real models ship with, plus float64 golden logits.

Run with Debian's interpreter (python3-torch 1.13, python3-onnx):
    /usr/bin/python3 eft-onnx/src/test/python/make_export_graphs.py eft-onnx/src/test/resources/graphs
    /usr/bin/python3 eft-onnx/src/test/python/make_export_graphs.py --bench DIR   # benchmark pair, not committed

The graphs are written node by node with onnx.helper (no exporter), so one set of weights can be laid
out several ways. The reference is the float64 torch Decoder of make_test_graphs.py with the same
weights (for q4: the dequantized weights; for fp16: the weights rounded to float16):

  external_data/      optimum layout, weights in model.onnx.data (onnx's default naming)
  community/          a Hugging Face onnx-community folder: config.json, generation_config.json,
                      tokenizer.json, tokenizer_config.json (chat_template), onnx/model.onnx +
                      onnx/model.onnx_data, onnx/model_fp16.onnx (float16 weights, KV and logits),
                      onnx/model_q4.onnx (MatMulNBits, 4 bits, block 32, accuracy_level 0)
  gqa/                GenAI-builder style: GroupQueryAttention (do_rotary, seqlens_k and
                      total_sequence_length computed in the graph from attention_mask),
                      SimplifiedLayerNormalization and SkipSimplifiedLayerNormalization
  gqa_q4/             the same graph with MatMulNBits weights (same weights, quantized)
  gqa_twin/           the same weights in the optimum layout (standard ops, present = concat(past, new))
  gqa_inputs/         GroupQueryAttention fed seqlens_k and total_sequence_length as graph inputs
                      (no attention_mask), rotary by a separate RotaryEmbedding node on position_ids
  gqa_last_row/       GroupQueryAttention whose logits hold only the last position
  logits_to_keep/     optimum layout with a logits_to_keep input
  last_row/           optimum layout whose logits hold only the last position ([batch, 1, vocab])
  bad/unknown_op.onnx a com.microsoft node that no ONNX Runtime build implements

Golden files (golden*.bin) hold int32 n, int32 vocab, n int32 tokens, n*vocab float64 logits of a
full forward pass (no cache) over the tokens; community/golden.json also holds greedy ids.
"""
import argparse
import json
import math
import os
import shutil
import struct
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_test_graphs as mtg  # noqa: E402  (Cfg, Decoder: the float64 reference)

F32, F16, I64, I32, U8, BOOL = (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.INT64, TensorProto.INT32,
                               TensorProto.UINT8, TensorProto.BOOL)
NEG = -1e9
EPS = 1e-6
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def decoder(cfg, seed):
    torch.manual_seed(seed)
    return mtg.Decoder(cfg).eval()


def weights(dec):
    """Float64 numpy copies of every parameter, in (out, in) orientation as torch holds them."""
    return {k: v.detach().double().numpy().copy() for k, v in dec.state_dict().items()}


def quantize_q4(w, block=32):
    """Symmetric 4-bit blocks along K of a (N, K) matrix: MatMulNBits' B, scales and the dequantized matrix."""
    n, k = w.shape
    nb = k // block
    wb = w.reshape(n, nb, block)
    scale = (np.abs(wb).max(-1) / 7.0).astype(np.float32)
    scale[scale == 0] = 1.0
    q = np.clip(np.round(wb / scale[..., None].astype(np.float64)) + 8, 0, 15).astype(np.uint8)
    deq = (q.astype(np.float64) - 8.0) * scale[..., None].astype(np.float64)
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)  # low nibble first
    return packed, scale.reshape(-1), deq.reshape(n, k)


def matmul_keys(w):
    return [k for k in w if k.split(".")[-1] in ("wq", "wk", "wv", "wo", "gate", "up", "down")] + ["lm_head"]


def dequantized(w):
    out = dict(w)
    for k in matmul_keys(w):
        out[k] = quantize_q4(w[k])[2]
    return out


def fp16_rounded(w):
    return {k: v.astype(np.float16).astype(np.float64) for k, v in w.items()}


class G:
    """A graph under construction: nodes, initializers, inputs and outputs."""

    def __init__(self, c, w, weight_dtype=np.float32, q4=False):
        self.c, self.w, self.q4 = c, w, q4
        self.weight_dtype = weight_dtype
        self.nodes, self.inits, self.inputs, self.outputs = [], [], [], []
        self.n = 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def node(self, op, ins, n_out=1, domain="", outs=None, **attrs):
        outs = outs or [self.name(op.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, ins, outs, name=self.name("n_" + op), domain=domain, **attrs))
        return outs[0] if len(outs) == 1 else outs

    def const(self, arr, name=None):
        name = name or self.name("c")
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def ints(self, values):
        return self.const(np.asarray(values, dtype=np.int64))

    def weight(self, arr):
        """A float32 tensor for compute; stored in weight_dtype (float16: Cast at load, folded by ORT)."""
        if self.weight_dtype == np.float32:
            return self.const(arr.astype(np.float32))
        return self.node("Cast", [self.const(arr.astype(self.weight_dtype))], to=F32)

    def linear(self, x, key):
        """x @ W.T for a (out, in) weight: MatMul with W.T, or MatMulNBits over the quantized W."""
        w = self.w[key]
        n, k = w.shape
        if self.q4:
            packed, scales, _ = quantize_q4(w)
            return self.node("MatMulNBits", [x, self.const(packed), self.const(scales)], domain="com.microsoft",
                             K=k, N=n, bits=4, block_size=32, accuracy_level=0)
        return self.node("MatMul", [x, self.weight(w.T.copy())])

    def rms(self, x, key):
        return self.node("SimplifiedLayerNormalization", [x, self.weight(self.w[key])], axis=-1, epsilon=EPS)

    def rms_ops(self, x, key):
        sq = self.node("Mul", [x, x])
        mean = self.node("ReduceMean", [sq], axes=[-1], keepdims=1)
        inv = self.node("Reciprocal", [self.node("Sqrt", [self.node("Add", [mean, self.const(np.float32(EPS))])])])
        return self.node("Mul", [self.node("Mul", [x, inv]), self.weight(self.w[key])])

    def skip_rms(self, x, skip, key):
        """SkipSimplifiedLayerNormalization: (norm(x + skip), x + skip)."""
        outs = [self.name("sln"), "", "", self.name("resid")]
        self.node("SkipSimplifiedLayerNormalization", [x, skip, self.weight(self.w[key])], domain="com.microsoft",
                  outs=outs, epsilon=EPS)
        return outs[0], outs[3]

    def rope_caches(self):
        c = self.c
        inv = 1.0 / (10000.0 ** (np.arange(0, c.head_dim, 2, dtype=np.float64) / c.head_dim))
        f = np.arange(c.max_pos, dtype=np.float64)[:, None] * inv[None, :]
        return self.const(np.cos(f).astype(np.float32)), self.const(np.sin(f).astype(np.float32))

    def mlp(self, h, i):
        g = self.linear(h, f"layers.{i}.gate")
        u = self.linear(h, f"layers.{i}.up")
        a = self.node("Mul", [self.node("Mul", [g, self.node("Sigmoid", [g])]), u])
        return self.linear(a, f"layers.{i}.down")

    def lm_head(self, x, logits):
        """logits: 'all' rows, 'last' row only, or 'keep' (the last logits_to_keep rows)."""
        if logits == "last":
            x = self.node("Slice", [x, self.ints([-1]), self.ints([2 ** 62]), self.ints([1])])
        elif logits == "keep":
            keep = self.node("Unsqueeze", ["logits_to_keep", self.ints([0])])
            x = self.node("Slice", [x, self.node("Neg", [keep]), self.ints([2 ** 62]), self.ints([1])])
        return self.linear(x, "lm_head")

    def save(self, path, opset_ms=False, external=None):
        g = helper.make_graph(self.nodes, os.path.basename(os.path.dirname(path)), self.inputs, self.outputs,
                              self.inits)
        opsets = [helper.make_opsetid("", 17)] + ([helper.make_opsetid("com.microsoft", 1)] if opset_ms else [])
        m = helper.make_model(g, opset_imports=opsets, producer_name="eft4j make_export_graphs.py")
        m.ir_version = 8
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if external:
            data = os.path.join(os.path.dirname(path), external)
            if os.path.exists(data):
                os.remove(data)
            onnx.save(m, path, save_as_external_data=True, all_tensors_to_one_file=True, location=external,
                      size_threshold=1024)  # small constants (shapes) stay inline, as exporters do
        else:
            onnx.save(m, path)


def kv_io(g, io_type):
    c = g.c
    pasts = []
    for i in range(c.layers):
        for kv in ("key", "value"):
            n = f"past_key_values.{i}.{kv}"
            g.inputs.append(helper.make_tensor_value_info(n, io_type, ["batch", c.kv_heads, "past_sequence_length",
                                                                       c.head_dim]))
            g.outputs.append(helper.make_tensor_value_info(f"present.{i}.{kv}", io_type,
                                                           ["batch", c.kv_heads, "total_sequence_length", c.head_dim]))
            pasts.append(n)
    return pasts


def optimum_graph(c, w, path, weight_dtype=np.float32, q4=False, io_type=F32, logits="all", external=None):
    """The HF optimum decoder layout from standard ops: mask per key column, RoPE from position_ids."""
    g = G(c, w, weight_dtype, q4)
    vi = helper.make_tensor_value_info
    g.inputs += [vi("input_ids", I64, ["batch", "sequence_length"]),
                 vi("attention_mask", I64, ["batch", "total_sequence_length"]),
                 vi("position_ids", I64, ["batch", "sequence_length"])]
    if logits == "keep":
        g.inputs.append(vi("logits_to_keep", I64, []))
    pasts = kv_io(g, io_type)
    g.outputs.insert(0, vi("logits", io_type, ["batch", 1 if logits == "last" else "logits_length", c.vocab]))
    hd, kvh, rep = c.head_dim, c.kv_heads, c.heads // c.kv_heads
    x = g.node("Gather", [g.weight(w["embed"]), "input_ids"])
    cos_c, sin_c = g.rope_caches()
    cos = g.node("Unsqueeze", [g.node("Concat", [g.node("Gather", [cos_c, "position_ids"])] * 2, axis=-1), g.ints([1])])
    sin = g.node("Unsqueeze", [g.node("Concat", [g.node("Gather", [sin_c, "position_ids"])] * 2, axis=-1), g.ints([1])])
    # allowed[b, 1, 1, q, k] = k <= past + q and mask[b, k]
    total = g.node("Gather", [g.node("Shape", ["attention_mask"]), g.ints([1])])
    s = g.node("Gather", [g.node("Shape", ["input_ids"]), g.ints([1])])
    kidx = g.node("Range", [g.ints(0), g.node("Squeeze", [total]), g.ints(1)])
    qidx = g.node("Range", [g.node("Squeeze", [g.node("Sub", [total, s])]), g.node("Squeeze", [total]), g.ints(1)])
    causal = g.node("LessOrEqual", [g.node("Unsqueeze", [kidx, g.ints([0])]), g.node("Unsqueeze", [qidx, g.ints([1])])])
    pad = g.node("Reshape", [g.node("Cast", ["attention_mask"], to=BOOL), g.ints([0, 1, 1, 1, -1])])
    allowed = g.node("And", [causal, pad])
    neg = g.const(np.float32(NEG))

    def rope(t):
        a, b = g.node("Split", [t], n_out=2, axis=-1)
        rot = g.node("Concat", [g.node("Neg", [b]), a], axis=-1)
        return g.node("Add", [g.node("Mul", [t, cos]), g.node("Mul", [rot, sin])])

    def heads(t, n):  # (b, s, n*hd) -> (b, n, s, hd)
        return g.node("Transpose", [g.node("Reshape", [t, g.ints([0, 0, n, hd])])], perm=[0, 2, 1, 3])

    for i in range(c.layers):
        p = f"layers.{i}."
        h = g.rms_ops(x, p + "n1")
        q = rope(heads(g.linear(h, p + "wq"), c.heads))
        k = rope(heads(g.linear(h, p + "wk"), kvh))
        v = heads(g.linear(h, p + "wv"), kvh)
        pk, pv = pasts[2 * i], pasts[2 * i + 1]
        if io_type != F32:
            pk, pv = g.node("Cast", [pk], to=F32), g.node("Cast", [pv], to=F32)
        k = g.node("Concat", [pk, k], axis=2)
        v = g.node("Concat", [pv, v], axis=2)
        for t, o in ((k, f"present.{i}.key"), (v, f"present.{i}.value")):
            g.node("Cast" if io_type != F32 else "Identity", [t], outs=[o], **({"to": io_type} if io_type != F32 else {}))
        q5 = g.node("Reshape", [q, g.ints([0, kvh, rep, -1, hd])])  # (b, kvh, rep, s, hd)
        k5 = g.node("Unsqueeze", [k, g.ints([2])])  # (b, kvh, 1, t, hd)
        v5 = g.node("Unsqueeze", [v, g.ints([2])])
        sc = g.node("Mul", [g.node("MatMul", [q5, g.node("Transpose", [k5], perm=[0, 1, 2, 4, 3])]),
                            g.const(np.float32(1.0 / math.sqrt(hd)))])
        pr = g.node("Softmax", [g.node("Where", [allowed, sc, neg])], axis=-1)
        a = g.node("Reshape", [g.node("MatMul", [pr, v5]), g.ints([0, c.heads, -1, hd])])
        a = g.node("Reshape", [g.node("Transpose", [a], perm=[0, 2, 1, 3]), g.ints([0, 0, c.hidden])])
        x = g.node("Add", [x, g.linear(a, p + "wo")])
        x = g.node("Add", [x, g.mlp(g.rms_ops(x, p + "n2"), i)])
    lg = g.lm_head(g.rms_ops(x, "norm"), logits)
    if io_type != F32:
        g.node("Cast", [lg], outs=["logits"], to=io_type)
    else:
        g.node("Identity", [lg], outs=["logits"])
    g.save(path, opset_ms=q4, external=external)


def gqa_graph(c, w, path, q4=False, seqlens_inputs=False, logits="all"):
    """GenAI-builder style: GroupQueryAttention with past and present sharing one layout, lengths from the mask."""
    g = G(c, w, np.float32, q4)
    vi = helper.make_tensor_value_info
    g.inputs.append(vi("input_ids", I64, ["batch", "sequence_length"]))
    if seqlens_inputs:
        g.inputs += [vi("position_ids", I64, ["batch", "sequence_length"]), vi("seqlens_k", I32, ["batch"]),
                     vi("total_sequence_length", I32, [])]
        seqlens, total = "seqlens_k", "total_sequence_length"
    else:
        g.inputs.append(vi("attention_mask", I64, ["batch", "total_sequence_length"]))
        seqlens = g.node("Cast", [g.node("Sub", [g.node("ReduceSum", ["attention_mask", g.ints([1])], keepdims=0),
                                                 g.ints(1)])], to=I32)
        total = g.node("Cast", [g.node("Gather", [g.node("Shape", ["attention_mask"]), g.ints(1)])], to=I32)
    if logits == "keep":
        g.inputs.append(vi("logits_to_keep", I64, []))
    pasts = kv_io(g, F32)
    g.outputs.insert(0, vi("logits", F32, ["batch", "sequence_length", c.vocab]))
    cos_c, sin_c = g.rope_caches()
    x = g.node("Gather", [g.weight(w["embed"]), "input_ids"])
    h = g.rms(x, "layers.0.n1")
    resid = x
    for i in range(c.layers):
        p = f"layers.{i}."
        q, k, v = g.linear(h, p + "wq"), g.linear(h, p + "wk"), g.linear(h, p + "wv")
        if seqlens_inputs:
            q = g.node("RotaryEmbedding", [q, "position_ids", cos_c, sin_c], domain="com.microsoft",
                       num_heads=c.heads)
            k = g.node("RotaryEmbedding", [k, "position_ids", cos_c, sin_c], domain="com.microsoft",
                       num_heads=c.kv_heads)
            ins = [q, k, v, pasts[2 * i], pasts[2 * i + 1], seqlens, total]
            rot = {}
        else:
            ins = [q, k, v, pasts[2 * i], pasts[2 * i + 1], seqlens, total, cos_c, sin_c]
            rot = {"do_rotary": 1, "rotary_interleaved": 0}
        a = g.node("GroupQueryAttention", ins, domain="com.microsoft",
                   outs=[g.name("attn"), f"present.{i}.key", f"present.{i}.value"],
                   num_heads=c.heads, kv_num_heads=c.kv_heads, **rot)[0]
        h, resid = g.skip_rms(g.linear(a, p + "wo"), resid, p + "n2")
        m = g.mlp(h, i)
        h, resid = g.skip_rms(m, resid, f"layers.{i + 1}.n1" if i + 1 < c.layers else "norm")
    g.node("Identity", [g.lm_head(h, logits)], outs=["logits"])
    g.save(path, opset_ms=True)


def unknown_op_graph(path):
    vi = helper.make_tensor_value_info
    ids, mask = vi("input_ids", I64, ["b", "s"]), vi("attention_mask", I64, ["b", "t"])
    node = helper.make_node("NoSuchAttention", ["input_ids"], ["logits"], domain="com.microsoft", name="mystery")
    g = helper.make_graph([node], "unknown_op", [ids, mask], [vi("logits", F32, ["b", "s", 8])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    m.ir_version = 8
    onnx.save(m, path)


def reference_logits(c, w, tokens):
    """Float64 logits [n, vocab] of the torch Decoder with weights w over tokens (no cache)."""
    d = mtg.Decoder(mtg.Cfg(**{k: v for k, v in c.__dict__.items() if k != "head_dim"}))
    d.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in w.items()})
    d = d.double()
    d.c.io_dtype = torch.float64
    n = len(tokens)
    with torch.no_grad():
        lg, _ = d(torch.tensor([tokens]), torch.ones(1, n, dtype=torch.long), torch.arange(n).unsqueeze(0), None,
                  False)
    return lg[0].numpy(), d


def golden_tokens(c, n=12):
    return torch.randint(0, c.vocab, (n,), generator=torch.Generator().manual_seed(7)).tolist()


def write_golden(path, c, w, tokens):
    logits, _ = reference_logits(c, w, tokens)
    with open(path, "wb") as f:  # int32 n, int32 vocab, n tokens, n*vocab float64 LE
        f.write(struct.pack("<ii", len(tokens), c.vocab))
        f.write(np.asarray(tokens, dtype="<i4").tobytes())
        f.write(np.asarray(logits, dtype="<f8").tobytes())


def greedy(c, w, prompt, steps):
    ids = list(prompt)
    for _ in range(steps):
        logits, _ = reference_logits(c, w, ids)
        ids.append(int(np.argmax(logits[-1])))
    return ids[len(prompt):]


def write_config(c, d, extra=None):
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": c.vocab,
           "hidden_size": c.hidden, "intermediate_size": c.inter, "num_hidden_layers": c.layers,
           "num_attention_heads": c.heads, "num_key_value_heads": c.kv_heads, "head_dim": c.head_dim,
           "max_position_embeddings": c.max_pos, "rms_norm_eps": EPS, "rope_theta": 10000.0,
           "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}
    cfg.update(extra or {})
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)


def make_external(out):
    c = mtg.Cfg("external_data", vocab=64, hidden=32, heads=4, kv_heads=2, inter=64, max_pos=64)
    w = weights(decoder(c, 101))
    d = os.path.join(out, c.name)
    optimum_graph(c, w, os.path.join(d, "model.onnx"), external="model.onnx.data")
    write_config(c, d)
    write_golden(os.path.join(d, "golden.bin"), c, w, golden_tokens(c))


def make_community(out):
    c = mtg.Cfg("community", vocab=1024, hidden=32, heads=4, kv_heads=2, inter=64, max_pos=128)
    w = weights(decoder(c, 102))
    d = os.path.join(out, c.name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(os.path.join(d, "onnx"))
    optimum_graph(c, w, os.path.join(d, "onnx", "model.onnx"), external="model.onnx_data")
    optimum_graph(c, w, os.path.join(d, "onnx", "model_fp16.onnx"), weight_dtype=np.float16, io_type=F16)
    optimum_graph(c, w, os.path.join(d, "onnx", "model_q4.onnx"), q4=True)
    write_config(c, d, {"pad_token_id": 3, "tie_word_embeddings": False})
    with open(os.path.join(d, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": 1, "eos_token_id": [2], "pad_token_id": 3, "do_sample": False,
                   "max_new_tokens": 16}, f, indent=1)
    shutil.copy(os.path.join(REPO, "models", "mini", "small-ft", "tokenizer.json"), os.path.join(d, "tokenizer.json"))
    template = ("{% for m in messages %}{{ '<|' + m['role'] + '|>\\n' + m['content'] + '\\n' }}{% endfor %}"
                "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}")
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<s>", "eos_token": "</s>", "model_max_length": c.max_pos,
                   "tokenizer_class": "PreTrainedTokenizerFast", "chat_template": template}, f, indent=1)
    tokens = golden_tokens(c)
    write_golden(os.path.join(d, "golden.bin"), c, w, tokens)
    write_golden(os.path.join(d, "golden_fp16.bin"), c, fp16_rounded(w), tokens)
    write_golden(os.path.join(d, "golden_q4.bin"), c, dequantized(w), tokens)
    prompt = tokens[:5]
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump({"prompt_ids": prompt, "greedy_ids": greedy(c, w, prompt, 8),
                   "greedy_ids_q4": greedy(c, dequantized(w), prompt, 8)}, f)


def gqa_cfg(name, **kw):
    args = dict(vocab=64, hidden=64, heads=4, kv_heads=2, inter=64, layers=2, max_pos=160)
    args.update(kw)
    return mtg.Cfg(name, **args)


def make_gqa(out):
    c = gqa_cfg("gqa")
    w = weights(decoder(c, 103))
    tokens = golden_tokens(c)
    for name, fn in (("gqa", lambda p: gqa_graph(c, w, p)),
                     ("gqa_q4", lambda p: gqa_graph(c, w, p, q4=True)),
                     ("gqa_twin", lambda p: optimum_graph(c, w, p)),
                     ("gqa_inputs", lambda p: gqa_graph(c, w, p, seqlens_inputs=True))):
        d = os.path.join(out, name)
        fn(os.path.join(d, "model.onnx"))
        write_config(c, d)
        write_golden(os.path.join(d, "golden.bin"), c, dequantized(w) if name == "gqa_q4" else w, tokens)
    c = gqa_cfg("gqa_last_row", hidden=32, heads=2, kv_heads=1)
    w = weights(decoder(c, 107))
    d = os.path.join(out, c.name)
    gqa_graph(c, w, os.path.join(d, "model.onnx"), logits="last")
    write_config(c, d)
    write_golden(os.path.join(d, "golden.bin"), c, w, golden_tokens(c))


def make_logits_variants(out):
    for name, seed, logits in (("logits_to_keep", 104, "keep"), ("last_row", 105, "last")):
        c = mtg.Cfg(name, vocab=64, hidden=32, heads=4, kv_heads=2, inter=64, max_pos=64)
        w = weights(decoder(c, seed))
        d = os.path.join(out, name)
        optimum_graph(c, w, os.path.join(d, "model.onnx"), logits=logits)
        write_config(c, d)
        write_golden(os.path.join(d, "golden.bin"), c, w, golden_tokens(c))


# KV layout benchmark shapes. Whether the in-place KV path wins by a lot against the twin, or costs
# little more at long context than at short, depends on how much of a step is attention over the
# context rather than weights: "default" is in between, "kv-heavy" favours the first, "wide" and
# "vocab32k" the second.
BENCH_SHAPES = {
    "default": dict(vocab=4000, hidden=256, heads=8, kv_heads=4, inter=688, layers=4),    # 5.0M parameters
    "kv-heavy": dict(vocab=4000, hidden=128, heads=4, kv_heads=4, inter=344, layers=4),   # 1.8M
    "vocab32k": dict(vocab=32000, hidden=128, heads=4, kv_heads=4, inter=344, layers=4),  # 9.0M
    "wide": dict(vocab=4000, hidden=512, heads=8, kv_heads=8, inter=1376, layers=4),      # 16.7M
}


def make_bench(out, shape="default"):
    """A GroupQueryAttention graph and its optimum-layout twin with the same weights."""
    c = gqa_cfg("bench", max_pos=2048, **BENCH_SHAPES[shape])
    w = weights(decoder(c, 106))
    for name, fn in (("gqa", lambda p: gqa_graph(c, w, p)), ("twin", lambda p: optimum_graph(c, w, p))):
        d = os.path.join(out, name)
        fn(os.path.join(d, "model.onnx"))
        write_config(c, d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--bench", action="store_true", help="write the KV layout benchmark pair instead")
    ap.add_argument("--shape", default="default", choices=sorted(BENCH_SHAPES), help="the benchmark pair's shape")
    a = ap.parse_args()
    if a.bench:
        make_bench(a.out, a.shape)
        return
    make_external(a.out)
    make_community(a.out)
    make_gqa(a.out)
    make_logits_variants(a.out)
    os.makedirs(os.path.join(a.out, "bad"), exist_ok=True)
    unknown_op_graph(os.path.join(a.out, "bad", "unknown_op.onnx"))


if __name__ == "__main__":
    main()
