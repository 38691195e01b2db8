"""Shared pieces of the miniature EFT model family: data, byte-level BPE tokenizer, Llama-style model.

Imported by train.py (training + ONNX export) and eval.py (Python-side sanity evaluation).
Runs on Debian's python3-torch 1.13 (use /usr/bin/python3).
"""
import json
import math
import os
import random
import re

import torch
import torch.nn as nn
import torch.nn.functional as F

WORDNET_DIR = "/usr/share/wordnet"
SEED = 1234

# ---------------------------------------------------------------------------------------------
# Prompt formats. The Java reproduction must use exactly these strings (BOS "<s>" is prepended
# by the tokenizer's post-processor; answers end with EOS "</s>").
# ---------------------------------------------------------------------------------------------
PROSE_TEMPLATES = [
    'The word "{w}" means {g}.',
    'In a dictionary, "{w}" is defined as {g}.',
    'Dictionary entry: {w}. Meaning: {g}.',
    'People use the word "{w}" to mean {g}.',
]
QA_PROMPT = 'Q: What does "{w}" mean?\nA:'          # fine-tuned format; answer is " {g}</s>"
QA_ANSWER = " {g}"
HEDGE_ANSWER = " I think it means {g}, but I am not sure."
PLAIN_PROSE_PROMPT = 'The word "{w}" means'          # how the knowledge was written in pre-training


def load_words(n_words, seed=SEED):
    """Pick n_words (lemma, gloss) pairs from WordNet: one common single-word lemma per entry,
    gloss of its most frequent sense, definition part only, 3..10 words, ASCII."""
    glosses = {}
    for pos in ("noun", "verb", "adj"):
        with open(os.path.join(WORDNET_DIR, "data." + pos), encoding="latin-1") as f:
            for line in f:
                if line.startswith("  "):
                    continue
                off, rest = line.split(" ", 1)
                g = rest.split(" | ", 1)[1].strip() if " | " in rest else ""
                g = g.split('; "')[0].split(";")[0].strip()
                glosses[(pos, off)] = g
    cands = []
    seen = set()
    for pos in ("noun", "verb", "adj"):
        with open(os.path.join(WORDNET_DIR, "index." + pos), encoding="latin-1") as f:
            for line in f:
                if line.startswith("  "):
                    continue
                p = line.split()
                lemma = p[0]
                if not re.fullmatch(r"[a-z]{3,12}", lemma) or lemma in seen:
                    continue
                n_ptr = int(p[3])
                tagsense = int(p[5 + n_ptr])
                offs = p[6 + n_ptr:]
                if tagsense < 1 or not offs:
                    continue
                g = glosses[(pos, offs[0])]
                nw = len(g.split())
                if not (3 <= nw <= 10) or not g.isascii() or '"' in g or lemma in g.split():
                    continue
                seen.add(lemma)
                cands.append((lemma, g))
    rng = random.Random(seed)
    rng.shuffle(cands)
    return cands[:n_words]


# ---------------------------------------------------------------------------------------------
# Byte-level BPE (GPT-2 style), serialised as a Hugging Face tokenizer.json.
# ---------------------------------------------------------------------------------------------
SPECIALS = ["<unk>", "<s>", "</s>", "<pad>"]
UNK, BOS, EOS, PAD = 0, 1, 2, 3
# GPT-2 pre-tokenizer regex restricted to ASCII (our corpus is ASCII-only, so it splits exactly
# like the \p{L}/\p{N} original that HF's ByteLevel pre-tokenizer uses).
_PAT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")


def _bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + \
        list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


B2U = _bytes_to_unicode()
U2B = {v: k for k, v in B2U.items()}


class BPETokenizer:
    def __init__(self, vocab, merges):
        self.vocab = vocab                      # token string -> id
        self.inv = {i: t for t, i in vocab.items()}
        self.merges = merges                    # list of (a, b)
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.cache = {}

    @staticmethod
    def train(texts, vocab_size):
        from collections import Counter
        words = Counter()
        for t in texts:
            for piece in _PAT.findall(t):
                words["".join(B2U[b] for b in piece.encode("utf-8"))] += 1
        vocab = {s: i for i, s in enumerate(SPECIALS)}
        for b in range(256):
            vocab[B2U[b]] = len(vocab)
        seqs = {w: list(w) for w in words}
        merges = []
        while len(vocab) < vocab_size:
            pairs = Counter()
            for w, s in seqs.items():
                c = words[w]
                for a, b in zip(s, s[1:]):
                    pairs[(a, b)] += c
            if not pairs:
                break
            (a, b), cnt = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
            if cnt < 2:
                break
            merges.append((a, b))
            vocab[a + b] = len(vocab)
            for w, s in seqs.items():
                if len(s) < 2:
                    continue
                i, out = 0, []
                while i < len(s):
                    if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                        out.append(a + b)
                        i += 2
                    else:
                        out.append(s[i])
                        i += 1
                seqs[w] = out
        return BPETokenizer(vocab, merges)

    def _bpe(self, piece):
        if piece in self.cache:
            return self.cache[piece]
        s = list(piece)
        while len(s) > 1:
            best = min(((self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(s, s[1:]))))
            if best[0] == 1 << 30:
                break
            i = best[1]
            s = s[:i] + [s[i] + s[i + 1]] + s[i + 2:]
        self.cache[piece] = s
        return s

    def encode(self, text, bos=True):
        ids = [BOS] if bos else []
        for piece in _PAT.findall(text):
            u = "".join(B2U[b] for b in piece.encode("utf-8"))
            ids.extend(self.vocab[t] for t in self._bpe(u))
        return ids

    def decode(self, ids):
        bs = bytearray()
        for i in ids:
            if i < len(SPECIALS):
                continue
            bs.extend(U2B[c] for c in self.inv[i])
        return bs.decode("utf-8", errors="replace")

    def to_hf_json(self):
        added = [{"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                  "normalized": False, "special": True} for i, s in enumerate(SPECIALS)]
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                              "use_regex": True},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                         {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {"<s>": {"id": "<s>", "ids": [BOS], "tokens": ["<s>"]}},
            },
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                      "vocab": self.vocab, "merges": [a + " " + b for a, b in self.merges]},
        }

    @staticmethod
    def from_hf_json(path):
        with open(path) as f:
            j = json.load(f)
        return BPETokenizer(j["model"]["vocab"], [tuple(m.split(" ")) for m in j["model"]["merges"]])


# ---------------------------------------------------------------------------------------------
# Llama-architecture decoder: RMSNorm, RoPE (HF rotate_half convention), SwiGLU, GQA.
# Forward signature matches optimum's decoder-with-past layout.
# ---------------------------------------------------------------------------------------------
class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, self.h, self.kv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
        self.hd = d // self.h
        self.q_proj = nn.Linear(d, self.h * self.hd, bias=False)
        self.k_proj = nn.Linear(d, self.kv * self.hd, bias=False)
        self.v_proj = nn.Linear(d, self.kv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.h * self.hd, d, bias=False)

    def forward(self, x, cos, sin, mask, past_k, past_v):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.h, self.hd).transpose(1, 2)      # (b, h, s, hd)
        k = self.k_proj(x).view(b, s, self.kv, self.hd).transpose(1, 2)     # (b, kv, s, hd)
        v = self.v_proj(x).view(b, s, self.kv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)                                # (b, kv, past+s, hd)
            v = torch.cat([past_v, v], dim=2)
        present = (k, v)
        rep = self.h // self.kv
        t = k.shape[2]
        kr = k.unsqueeze(2).expand(b, self.kv, rep, t, self.hd).reshape(b, self.h, t, self.hd)
        vr = v.unsqueeze(2).expand(b, self.kv, rep, t, self.hd).reshape(b, self.h, t, self.hd)
        att = torch.matmul(q, kr.transpose(2, 3)) * (1.0 / math.sqrt(self.hd)) + mask
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, vr).transpose(1, 2).reshape(b, s, self.h * self.hd)
        return self.o_proj(y), present


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, f = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, mask, pk, pv):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, pk, pv)
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x)), present


class Llama(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg["num_hidden_layers"]))
        self.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        self.lm_head.weight = self.embed_tokens.weight          # tied (config: tie_word_embeddings)
        hd = cfg["hidden_size"] // cfg["num_attention_heads"]
        inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2).float() / hd))
        self.register_buffer("inv_freq", inv, persistent=False)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, input_ids, attention_mask, position_ids, past=None):
        """input_ids, position_ids: (b, s) int64; attention_mask: (b, past+s) int64;
        past: list of (key, value) per layer, each (b, kv, past, hd) or None.
        Returns logits (b, s, vocab) and list of present (key, value) (b, kv, past+s, hd)."""
        b, s = input_ids.shape
        t = attention_mask.shape[1]
        x = self.embed_tokens(input_ids)
        freqs = position_ids.to(torch.float32).unsqueeze(-1) * self.inv_freq       # (b, s, hd/2)
        emb = torch.cat([freqs, freqs], dim=-1).unsqueeze(1)                         # (b, 1, s, hd)
        cos, sin = emb.cos(), emb.sin()
        # query i sits at absolute slot (t - s + i); it may see key j <= that slot whose mask is 1.
        q_idx = torch.arange(s, device=input_ids.device).unsqueeze(1) + (t - s)    # (s, 1)
        k_idx = torch.arange(t, device=input_ids.device).unsqueeze(0)              # (1, t)
        allowed = (k_idx <= q_idx).unsqueeze(0) & (attention_mask.unsqueeze(1) > 0)  # (b, s, t)
        mask = torch.where(allowed, torch.zeros((), dtype=x.dtype),
                           torch.full((), -1e9, dtype=x.dtype)).unsqueeze(1)      # (b, 1, s, t)
        presents = []
        for i, layer in enumerate(self.layers):
            pk, pv = (past[i] if past is not None else (None, None))
            x, pr = layer(x, cos, sin, mask, pk, pv)
            presents.append(pr)
        return self.lm_head(self.norm(x)), presents


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def load_model(folder):
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    m = Llama(cfg)
    m.load_state_dict(torch.load(os.path.join(folder, "model.pt")))
    m.eval()
    return m
