"""ONNX export of the family in optimum's decoder-with-past layout, plus goldens for the Java side.

Inputs:  input_ids int64 (batch, seq), attention_mask int64 (batch, past+seq), position_ids int64
         (batch, seq), past_key_values.{i}.key/.value float32 (batch, kv_heads, past, head_dim).
Outputs: logits float32 (batch, seq, vocab), present.{i}.key/.value float32 (batch, kv_heads, past+seq,
         head_dim).
"""
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from family import BOS, EOS, PAD, QA_PROMPT, BPETokenizer, load_model, load_words, param_count  # noqa: E402

MODELS = ["small-base", "small-ft", "large-base", "large-ft", "small-ft-hedge"]
OPSET = 17


class OnnxWrapper(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model
        self.n = model.cfg["num_hidden_layers"]

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(self.n)]
        logits, presents = self.model(input_ids, attention_mask, position_ids, past)
        out = [logits]
        for k, v in presents:
            out += [k, v]
        return tuple(out)


def io_names(n):
    ins = ["input_ids", "attention_mask", "position_ids"]
    outs = ["logits"]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    for i in range(n):
        for kv in ("key", "value"):
            ins.append(f"past_key_values.{i}.{kv}")
            outs.append(f"present.{i}.{kv}")
            axes[ins[-1]] = {0: "batch_size", 2: "past_sequence_length"}
            axes[outs[-1]] = {0: "batch_size", 2: "past_sequence_length + 1"}
    return ins, outs, axes


def empty_past(cfg, b, p=0):
    hd = cfg["hidden_size"] // cfg["num_attention_heads"]
    return [torch.zeros(b, cfg["num_key_value_heads"], p, hd) for _ in range(2 * cfg["num_hidden_layers"])]


def hf_config(cfg):
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "torch_dtype": "float32",
        "vocab_size": cfg["vocab_size"], "hidden_size": cfg["hidden_size"],
        "intermediate_size": cfg["intermediate_size"], "num_hidden_layers": cfg["num_hidden_layers"],
        "num_attention_heads": cfg["num_attention_heads"], "num_key_value_heads": cfg["num_key_value_heads"],
        "head_dim": cfg["hidden_size"] // cfg["num_attention_heads"], "hidden_act": "silu",
        "max_position_embeddings": cfg["max_position_embeddings"], "rms_norm_eps": cfg["rms_norm_eps"],
        "rope_theta": cfg["rope_theta"], "tie_word_embeddings": True, "use_cache": True,
        "bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD,
    }


@torch.no_grad()
def full_logits(model, ids):
    """Reference: one unpadded sequence, no cache. Returns (len, vocab)."""
    x = torch.tensor([ids])
    s = x.shape[1]
    lg, _ = model(x, torch.ones(1, s, dtype=torch.long), torch.arange(s).unsqueeze(0))
    return lg[0]


@torch.no_grad()
def make_cases(model, cfg, prompts):
    """Left-padded batch prefill with empty past, then one cached decode step; expected values come
    from unpadded, uncached runs of each sequence (so the cases test mask and position handling)."""
    b = len(prompts)
    L = max(len(p) for p in prompts)
    ids = torch.full((b, L), PAD, dtype=torch.long)
    am = torch.zeros(b, L, dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, L - len(p):] = torch.tensor(p)
        am[i, L - len(p):] = 1
    pos = (am.cumsum(1) - 1).clamp(min=0)
    prefill = {"input_ids": ids, "attention_mask": am, "position_ids": pos}
    exp1 = torch.stack([full_logits(model, p)[-1] for p in prompts])
    nxt = exp1.argmax(-1)
    exp2 = torch.stack([full_logits(model, p + [int(nxt[i])])[-1] for i, p in enumerate(prompts)])
    return prefill, exp1, nxt, exp2


def export_one(model, cfg, path):
    n = cfg["num_hidden_layers"]
    ins, outs, axes = io_names(n)
    b, s, p = 2, 3, 4
    args = (torch.randint(4, cfg["vocab_size"], (b, s)), torch.ones(b, p + s, dtype=torch.long),
            torch.arange(p, p + s).unsqueeze(0).expand(b, s).contiguous(), *empty_past(cfg, b, p))
    args = tuple(a if i < 3 else torch.randn_like(a) for i, a in enumerate(args))
    torch.onnx.export(OnnxWrapper(model), args, path, input_names=ins, output_names=outs, dynamic_axes=axes,
                      opset_version=OPSET, do_constant_folding=True)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return m


def tensor_json(t):
    return {"shape": list(t.shape), "dtype": "int64" if t.dtype == torch.long else "float32",
            "data": t.reshape(-1).tolist()}


def export_all(work, out):
    tok = BPETokenizer.from_hf_json(os.path.join(work, "tokenizer.json"))
    held = load_words(1600)[:3]
    prompts = [tok.encode(QA_PROMPT.format(w=w)) for w, _ in held[:2]]
    prompts[1] = prompts[1][:-3]            # different lengths -> left padding in the batch case
    verify_dir = os.path.join(work, "verify")
    os.makedirs(verify_dir, exist_ok=True)
    summary = {}
    for name in MODELS:
        src = os.path.join(work, name)
        if not os.path.exists(src):
            print(f"skip {name}: not trained")
            continue
        model = load_model(src)
        cfg = model.cfg
        dst = os.path.join(out, name)
        os.makedirs(dst, exist_ok=True)
        export_one(model, cfg, os.path.join(dst, "model.onnx"))
        with open(os.path.join(dst, "config.json"), "w") as f:
            json.dump(hf_config(cfg), f, indent=2)
        with open(os.path.join(dst, "generation_config.json"), "w") as f:
            json.dump({"bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD}, f, indent=2)
        shutil.copy(os.path.join(work, "tokenizer.json"), os.path.join(dst, "tokenizer.json"))
        # golden for the Java side: one unpadded prompt, last-row logits, 8 greedy tokens.
        g_ids = tok.encode(QA_PROMPT.format(w=held[2][0]))
        seq = list(g_ids)
        for _ in range(8):
            seq.append(int(full_logits(model, seq)[-1].argmax()))
        golden = {"prompt": QA_PROMPT.format(w=held[2][0]), "input_ids": g_ids,
                  "last_logits": [round(v, 6) for v in full_logits(model, g_ids)[-1].tolist()],
                  "greedy_ids": seq[len(g_ids):], "greedy_text": tok.decode(seq[len(g_ids):])}
        with open(os.path.join(dst, "golden.json"), "w") as f:
            json.dump(golden, f)
        prefill, exp1, nxt, exp2 = make_cases(model, cfg, prompts)
        case = {"layers": cfg["num_hidden_layers"], "kv_heads": cfg["num_key_value_heads"],
                "head_dim": cfg["hidden_size"] // cfg["num_attention_heads"],
                "prefill": {k: tensor_json(v) for k, v in prefill.items()},
                "expected_prefill_last": tensor_json(exp1), "next_ids": nxt.tolist(),
                "expected_step_last": tensor_json(exp2)}
        with open(os.path.join(verify_dir, name + ".json"), "w") as f:
            json.dump(case, f)
        size = os.path.getsize(os.path.join(dst, "model.onnx"))
        summary[name] = {"params": param_count(model), "onnx_bytes": size}
        print(f"exported {name}: {param_count(model)} params, {size / 1e6:.2f} MB", flush=True)
    write_tokenizer_cases(tok, work)
    with open(os.path.join(work, "export-summary.json"), "w") as f:
        json.dump(summary, f, indent=2)


def write_tokenizer_cases(tok, work):
    """Texts and their ids from this (Python) tokenizer, for verify_tokenizer.mjs."""
    from family import PROSE_TEMPLATES, QA_ANSWER
    words = load_words(1600)
    texts = [QA_PROMPT.format(w=w) + QA_ANSWER.format(g=g) for w, g in words[:100]]
    texts += [PROSE_TEMPLATES[1].format(w=w, g=g) for w, g in words[400:500]]
    texts += ["Hello, world!  It's 3 o'clock\n\nok", " leading space"]
    with open(os.path.join(work, "tokcases.json"), "w") as f:
        json.dump([{"text": t, "ids": tok.encode(t)} for t in texts], f)
