#!/usr/bin/python3
"""Python-side sanity evaluation of the family on held-out words (never seen in Q/A format).

  /usr/bin/python3 tools/family/eval.py --work /tmp/family-work > tools/family/logs/eval.txt

Each row is a weighted sum of per-model log-softmaxes (EFT: log p ∝ Σ c_i log p_i), each model with its
own prompt. Metrics over the held-out words:
  nll_gloss  per-token NLL of the gold gloss tokens (teacher-forced, combined distribution renormalised)
  nll_tok1   NLL of the gloss's FIRST token only (what greedy decoding must get right before any hint)
  nll_ans    same, including the closing </s> of the fine-tuned answer format (Q/A rows only)
  first_word greedy answer's first word == gold's first word
  exact      greedy answer == gold gloss (whitespace/trailing '.' normalised)
  word_f1    bag-of-words F1 of greedy answer vs gold
Greedy decoding stops at </s>, at a token containing a newline, or after 32 tokens — the same rule for all rows.
"""
import argparse
import os
import re
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from family import (EOS, PAD, PLAIN_PROSE_PROMPT, QA_PROMPT, BPETokenizer, load_model)  # noqa: E402
import train  # noqa: E402

MAX_NEW = 32


def qa(w):
    return QA_PROMPT.format(w=w)


def prose(w):
    return PLAIN_PROSE_PROMPT.format(w=w)


def make_fewshot(shots):
    head = "".join(QA_PROMPT.format(w=w) + " " + g + "\n" for w, g in shots)
    return lambda w: head + QA_PROMPT.format(w=w)


def left_pad(seqs):
    L = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), L), PAD, dtype=torch.long)
    am = torch.zeros(len(seqs), L, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, L - len(s):] = torch.tensor(s)
        am[i, L - len(s):] = 1
    return ids, am


@torch.no_grad()
def gold_logprobs(model, prompts, golds):
    """Per word: (len(gold), vocab) log-softmax at the positions that predict the gold tokens."""
    seqs = [p + g for p, g in zip(prompts, golds)]
    ids, am = left_pad(seqs)
    pos = (am.cumsum(1) - 1).clamp(min=0)
    logits, _ = model(ids, am, pos)
    lp = F.log_softmax(logits, -1)
    L = ids.shape[1]
    return [lp[i, L - len(g) - 1:L - 1] for i, g in enumerate(golds)]


@torch.no_grad()
def greedy(views, tok, words, stop_ids, track=None):
    """views: list of (coef, model, prompt_fn). Returns generated id lists, and if track is a view index,
    the number of steps where that view's own argmax equals the combined argmax (and total steps)."""
    states = []
    for c, model, fn in views:
        ids, am = left_pad([tok.encode(fn(w)) for w, _ in words])
        pos = (am.cumsum(1) - 1).clamp(min=0)
        logits, past = model(ids, am, pos)
        states.append([logits[:, -1], past, am, pos[:, -1:]])
    n = len(words)
    out = [[] for _ in range(n)]
    done = torch.zeros(n, dtype=torch.bool)
    agree = total = 0
    for _ in range(MAX_NEW):
        comb = sum(c * F.log_softmax(st[0], -1) for (c, _, _), st in zip(views, states))
        nxt = comb.argmax(-1)
        if track is not None:
            own = states[track][0].argmax(-1)
            live = ~done
            agree += int(((own == nxt) & live).sum())
            total += int(live.sum())
        for i in range(n):
            if not done[i]:
                t = int(nxt[i])
                if t in stop_ids:
                    done[i] = True
                else:
                    out[i].append(t)
        if bool(done.all()):
            break
        for (c, model, _), st in zip(views, states):
            am = torch.cat([st[2], torch.ones(n, 1, dtype=torch.long)], 1)
            pos = st[3] + 1
            logits, past = model(nxt.unsqueeze(1), am, pos, st[1])
            st[:] = [logits[:, -1], past, am, pos]
    return out, agree, total


def norm(s):
    return re.sub(r"\s+", " ", s).strip().rstrip(".").strip().lower()


def f1(pred, gold):
    p, g = norm(pred).split(), norm(gold).split()
    if not p or not g:
        return 0.0
    common = sum(min(p.count(w), g.count(w)) for w in set(p))
    if common == 0:
        return 0.0
    pr, rc = common / len(p), common / len(g)
    return 2 * pr * rc / (pr + rc)


HEDGE_RE = re.compile(r"^\s*i think it means\s*(.*?)(, but i am not sure)?\.?$", re.I)


def strip_hedge(pred):
    m = HEDGE_RE.match(pred.strip())
    return (m.group(1), True) if m else (pred, False)


def lambda_sweep(tok, words, lb, sb, sf, sh, lams=(0.0, 0.25, 0.5, 0.75, 1.0)):
    """large-base + lam*(small-ft - small-base) + (1-lam)*(small-ft-hedge - small-base), all Q/A prompts.
    Reports the share of hedged answers and the word F1 of the answer's gloss part."""
    stop_ids = {EOS} | {i for t, i in tok.vocab.items() if "\u010a" in t}
    rows = []
    for lam in lams:
        views = [(1, lb, qa), (lam, sf, qa), (1 - lam, sh, qa), (-1, sb, qa)]
        hedged = f1s = 0.0
        for b0 in range(0, len(words), 100):
            wb = words[b0:b0 + 100]
            gen, _, _ = greedy(views, tok, wb, stop_ids)
            for (w, g), ids in zip(wb, gen):
                core, h = strip_hedge(tok.decode(ids))
                hedged += h
                f1s += f1(core, g)
        rows.append((lam, hedged / len(words), f1s / len(words)))
    return rows


def evaluate(name, views, tok, words, with_eos, batch=100, track=None):
    nll_g = nll_a = nll_1 = 0.0
    n_g = n_a = 0
    fw = ex = f1s = 0.0
    agree = total = 0
    samples = []
    stop_ids = {EOS} | {i for t, i in tok.vocab.items() if "Ċ" in t}
    for b0 in range(0, len(words), batch):
        wb = words[b0:b0 + batch]
        gloss_ids = [tok.encode(" " + g, bos=False) for _, g in wb]
        golds = [g + [EOS] for g in gloss_ids]
        per_view = [gold_logprobs(m, [tok.encode(fn(w)) for w, _ in wb], golds) for _, m, fn in views]
        for i, g in enumerate(golds):
            comb = F.log_softmax(sum(c * pv[i] for (c, _, _), pv in zip(views, per_view)), -1)
            tl = -comb.gather(1, torch.tensor(g).unsqueeze(1)).squeeze(1)
            nll_g += float(tl[:-1].sum())
            nll_1 += float(tl[0])
            n_g += len(g) - 1
            nll_a += float(tl.sum())
            n_a += len(g)
        gen, a, t = greedy(views, tok, wb, stop_ids, track)
        agree += a
        total += t
        for (w, g), ids in zip(wb, gen):
            pred = tok.decode(ids)
            pw, gw = norm(pred).split(), norm(g).split()
            fw += float(bool(pw) and pw[0] == gw[0])
            ex += float(norm(pred) == norm(g))
            f1s += f1(pred, g)
            if len(samples) < 3:
                samples.append((w, g, pred))
    n = len(words)
    row = {"name": name, "nll_gloss": nll_g / n_g, "nll_tok1": nll_1 / len(words), "nll_ans": nll_a / n_a if with_eos else None,
           "first_word": fw / n, "exact": ex / n, "word_f1": f1s / n,
           "agree": agree / total if track is not None else None, "samples": samples}
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/family-work")
    ap.add_argument("--n", type=int, default=400, help="number of held-out words to evaluate")
    a = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    t0 = time.time()
    tok = BPETokenizer.from_hf_json(os.path.join(a.work, "tokenizer.json"))
    train_words, held = train.splits()
    held = held[:a.n]
    M = {n: load_model(os.path.join(a.work, n))
         for n in ("small-base", "small-ft", "large-base", "large-ft", "small-ft-hedge")}
    sb, sf, lb, lf = M["small-base"], M["small-ft"], M["large-base"], M["large-ft"]
    fewshot = make_fewshot(train_words[:3])     # 3 fine-tune-split words as demonstrations
    rows = [
        ("small-base  [Q/A prompt]", [(1, sb, qa)], True, None),
        ("small-ft    [Q/A prompt]", [(1, sf, qa)], True, None),
        ("large-base  [Q/A prompt, zero-shot]", [(1, lb, qa)], True, None),
        ("large-base  [3-shot Q/A prompt]", [(1, lb, fewshot)], False, None),
        ("large-base  [prose prompt 'The word \"X\" means']", [(1, lb, prose)], False, None),
        ("EFT up: large-base + small-ft - small-base  [all Q/A]", [(1, lb, qa), (1, sf, qa), (-1, sb, qa)],
         True, 1),
        ("EFT up, beta=1.5 on (small-ft - small-base)  [all Q/A]",
         [(1, lb, qa), (1.5, sf, qa), (-1.5, sb, qa)], True, 1),
        ("EFT up: bases prose-prompted, small-ft Q/A", [(1, lb, prose), (1, sf, qa), (-1, sb, prose)], True, 1),
        ("EFT down: small-base + large-ft - large-base  [all Q/A]",
         [(1, sb, qa), (1, lf, qa), (-1, lb, qa)], True, None),
        ("large-ft    [Q/A prompt]  (upper bound)", [(1, lf, qa)], True, None),
    ]
    res = []
    for name, views, with_eos, track in rows:
        r = evaluate(name, views, tok, held, with_eos, track=track)
        res.append(r)
        print(f"# done {name} ({time.time() - t0:.0f}s)", file=sys.stderr, flush=True)

    print(f"Held-out words: {len(held)} (seen only as dictionary prose in pre-training, never in Q/A format)")
    print(f"Q/A prompt: {QA_PROMPT!r} (+ BOS); gold answer: ' <gloss>' + </s>")
    print(f"prose prompt: {PLAIN_PROSE_PROMPT!r} (+ BOS); 3-shot demos: {[w for w, _ in train_words[:3]]}")
    print()
    hdr = f"{'row':58s} {'nll_gloss':>9s} {'nll_tok1':>8s} {'nll_ans':>8s} {'first_w':>8s} {'exact':>6s} {'wordF1':>7s} {'agree':>6s}"
    print(hdr)
    print("-" * len(hdr))
    for r in res:
        na = f"{r['nll_ans']:.3f}" if r["nll_ans"] is not None else "-"
        ag = f"{r['agree']:.3f}" if r["agree"] is not None else "-"
        print(f"{r['name']:58s} {r['nll_gloss']:9.3f} {r['nll_tok1']:8.3f} {na:>8s} {r['first_word']:8.3f} {r['exact']:6.3f} "
              f"{r['word_f1']:7.3f} {ag:>6s}")
    sf_r, up_r, lf_r = res[1], res[5], res[-1]
    print()
    print("nll_tok1 = NLL of the first gloss token (no part of the answer in context yet).")
    print("agree = share of generated tokens where small-ft's own greedy token equals the EFT greedy token")
    print("        (along the EFT greedy trajectory; a proxy for speculative-decoding acceptance).")
    print("Share of the small-ft -> large-ft gap recovered by EFT up-scaling (all Q/A):")
    for k in ("nll_gloss", "nll_ans", "first_word", "exact", "word_f1"):
        gap = lf_r[k] - sf_r[k]
        rec = (up_r[k] - sf_r[k]) / gap if abs(gap) > 1e-9 else float("nan")
        print(f"  {k:10s} small-ft {sf_r[k]:.3f}  EFT {up_r[k]:.3f}  large-ft {lf_r[k]:.3f}  recovered {rec:6.1%}")
    print()
    print("Sample greedy answers (word | gold | prediction):")
    for r in res:
        print(f"  {r['name']}")
        for w, g, p in r["samples"]:
            print(f"    {w} | {g} | {p.strip()!r}")
    print()
    print("lambda sweep (helpful/hedging trade-off): large-base + lam*(small-ft - small-base)"
          " + (1-lam)*(small-ft-hedge - small-base), Q/A prompts")
    print(f"  {'lam':>5s} {'hedged':>7s} {'wordF1(gloss part)':>19s}")
    for lam, h, fs in lambda_sweep(tok, held, lb, sb, sf, M["small-ft-hedge"]):
        print(f"  {lam:5.2f} {h:7.3f} {fs:19.3f}")
    print(f"\n(eval wall time {time.time() - t0:.0f}s, torch {torch.__version__}, 2 threads)")


if __name__ == "__main__":
    main()
