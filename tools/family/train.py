#!/usr/bin/python3
"""Train the miniature EFT model family on CPU and export it to ONNX (optimum decoder-with-past layout).

  /usr/bin/python3 tools/family/train.py --work /tmp/family-work --out models/mini [--stages all]

Stages (each resumes from checkpoints in --work): tok, pre-small, pre-large, ft-small, ft-large,
ft-small-hedge, export. Training curves go to tools/family/logs/<stage>.tsv.
"""
import argparse
import json
import math
import os
import random
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")    # busy-waiting OpenMP threads collapse on a shared 2-core box
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from family import (BOS, EOS, PAD, PROSE_TEMPLATES, QA_PROMPT, QA_ANSWER, HEDGE_ANSWER, SEED,  # noqa: E402
                    BPETokenizer, Llama, load_words, param_count, load_model)

HERE = os.path.dirname(os.path.abspath(__file__))
LOGS = os.path.join(HERE, "logs")

N_WORDS = 1600          # all appear in pre-training prose
N_HELDOUT = 400         # never seen in Q/A format; the evaluation set
VOCAB = 1024
BLOCK = 128
COMMON = dict(vocab_size=VOCAB, rms_norm_eps=1e-5, rope_theta=10000.0, max_position_embeddings=256,
              bos_token_id=BOS, eos_token_id=EOS, pad_token_id=PAD)
SIZES = {
    "small": dict(hidden_size=64, intermediate_size=192, num_hidden_layers=3, num_attention_heads=4,
                  num_key_value_heads=2),
    "large": dict(hidden_size=192, intermediate_size=512, num_hidden_layers=5, num_attention_heads=6,
                  num_key_value_heads=2),
}
PRETRAIN = {"small": dict(steps=600, lr=3e-3, batch=32), "large": dict(steps=600, lr=2.5e-3, batch=32)}
FINETUNE = dict(steps=150, lr=3e-4, batch=32)


def set_seed(s):
    random.seed(s)
    torch.manual_seed(s)


def splits():
    words = load_words(N_WORDS)
    return words[N_HELDOUT:], words[:N_HELDOUT]        # (fine-tune train, held-out)


def tokenizer(work):
    return BPETokenizer.from_hf_json(os.path.join(work, "tokenizer.json"))


def stage_tok(work):
    words = load_words(N_WORDS)
    train, _ = splits()
    texts = [t.format(w=w, g=g) for w, g in words for t in PROSE_TEMPLATES]
    texts += [QA_PROMPT.format(w=w) + QA_ANSWER.format(g=g) for w, g in train]
    texts += [QA_PROMPT.format(w=w) + HEDGE_ANSWER.format(g=g) for w, g in train]
    t0 = time.time()
    tok = BPETokenizer.train(texts, VOCAB)
    with open(os.path.join(work, "tokenizer.json"), "w") as f:
        json.dump(tok.to_hf_json(), f, ensure_ascii=False)
    print(f"tokenizer: {len(tok.vocab)} tokens, {len(tok.merges)} merges, {time.time() - t0:.1f}s")


def prose_stream(tok, words, rng):
    """One pass over every (word, template) pair, shuffled, as a single packed token stream."""
    items = [(w, g, t) for w, g in words for t in PROSE_TEMPLATES]
    rng.shuffle(items)
    ids = []
    for w, g, t in items:
        ids.extend(tok.encode(t.format(w=w, g=g)) + [EOS])
    return ids


def lr_at(step, steps, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    p = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def forward_loss(model, x, y, loss_mask=None):
    b, s = x.shape
    am = torch.ones(b, s, dtype=torch.long)
    pos = torch.arange(s).unsqueeze(0).expand(b, s)
    logits, _ = model(x, am, pos)
    l = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="none")
    if loss_mask is None:
        return l.mean()
    m = loss_mask.reshape(-1).float()
    return (l * m).sum() / m.sum()


@torch.no_grad()
def probe(model, tok, words, qa=False):
    """Mean per-token NLL of the gloss given the prose prompt (knowledge) or the Q/A prompt."""
    model.eval()
    tot, n = 0.0, 0
    for i in range(0, len(words), 64):
        x, y, m = qa_batch(tok, words[i:i + 64], QA_ANSWER) if qa else prose_batch(tok, words[i:i + 64])
        b, s = x.shape
        logits, _ = model(x, torch.ones(b, s, dtype=torch.long), torch.arange(s).unsqueeze(0).expand(b, s))
        l = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="none")
        tot += (l * m.reshape(-1)).sum().item()
        n += m.sum().item()
    model.train()
    return tot / n


def _pad_batch(seqs, starts):
    s = max(len(q) for q in seqs) - 1
    x = torch.full((len(seqs), s), PAD, dtype=torch.long)
    y = torch.full((len(seqs), s), PAD, dtype=torch.long)
    m = torch.zeros(len(seqs), s)
    for i, (q, st) in enumerate(zip(seqs, starts)):
        q = torch.tensor(q)
        x[i, :len(q) - 1] = q[:-1]
        y[i, :len(q) - 1] = q[1:]
        m[i, st - 1:len(q) - 1] = 1.0          # predict tokens q[st:] (answer + EOS)
    return x, y, m


def prose_batch(tok, words):
    """First prose template: loss on the gloss tokens after 'The word "X" means'."""
    seqs, starts = [], []
    for w, g in words:
        p = tok.encode(PROSE_TEMPLATES[0].split(" {g}")[0].format(w=w))
        a = tok.encode(" " + g, bos=False)
        seqs.append(p + a)
        starts.append(len(p))
    return _pad_batch(seqs, starts)


def qa_batch(tok, words, answer_fmt):
    seqs, starts = [], []
    for w, g in words:
        p = tok.encode(QA_PROMPT.format(w=w))
        a = tok.encode(answer_fmt.format(g=g), bos=False) + [EOS]
        seqs.append(p + a)
        starts.append(len(p))
    return _pad_batch(seqs, starts)


class TsvLog:
    def __init__(self, name, header):
        os.makedirs(LOGS, exist_ok=True)
        self.f = open(os.path.join(LOGS, name + ".tsv"), "w")
        self.f.write("\t".join(header) + "\n")

    def row(self, *vals):
        self.f.write("\t".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in vals) + "\n")
        self.f.flush()


def stage_pretrain(work, size):
    set_seed(SEED)
    tok = tokenizer(work)
    words = load_words(N_WORDS)
    train, held = splits()
    cfg = dict(COMMON, **SIZES[size])
    model = Llama(cfg)
    hp = PRETRAIN[size]
    print(f"pre-{size}: {param_count(model)} params, {hp}")
    opt = torch.optim.AdamW(model.parameters(), lr=hp["lr"], betas=(0.9, 0.95), weight_decay=0.01)
    rng = random.Random(SEED + 1)
    stream = []
    log = TsvLog(f"pre-{size}", ["step", "tokens", "lr", "train_loss", "heldout_prose_nll", "seconds"])
    t0 = time.time()
    ema = None
    for step in range(hp["steps"]):
        need = hp["batch"] * (BLOCK + 1)
        while len(stream) < need:
            stream += prose_stream(tok, words, rng)
        chunk = torch.tensor(stream[:need]).view(hp["batch"], BLOCK + 1)
        stream = stream[need:]
        lr = lr_at(step, hp["steps"], hp["lr"], 30)
        for gr in opt.param_groups:
            gr["lr"] = lr
        loss = forward_loss(model, chunk[:, :-1], chunk[:, 1:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema = loss.item() if ema is None else 0.9 * ema + 0.1 * loss.item()
        if step % 25 == 0 or step == hp["steps"] - 1:
            hn = probe(model, tok, held)
            log.row(step, (step + 1) * hp["batch"] * BLOCK, lr, ema, hn, time.time() - t0)
            print(f"  step {step} loss {ema:.3f} held-out prose nll {hn:.3f} {time.time() - t0:.0f}s", flush=True)
    save(work, f"{size}-base", model, cfg)
    print(f"pre-{size} done in {time.time() - t0:.0f}s")


def stage_finetune(work, size, style):
    set_seed(SEED + 7)
    tok = tokenizer(work)
    train, held = splits()
    model = load_model(os.path.join(work, f"{size}-base"))
    model.train()
    ans = QA_ANSWER if style == "ft" else HEDGE_ANSWER
    opt = torch.optim.AdamW(model.parameters(), lr=FINETUNE["lr"], betas=(0.9, 0.95), weight_decay=0.0)
    rng = random.Random(SEED + 2)
    log = TsvLog(f"{style}-{size}", ["step", "lr", "train_loss", "heldout_qa_nll", "heldout_prose_nll",
                                     "seconds"])
    t0 = time.time()
    order = []
    ema = None
    steps = FINETUNE["steps"]
    for step in range(steps):
        if len(order) < FINETUNE["batch"]:
            more = list(range(len(train)))
            rng.shuffle(more)
            order += more
        idx, order = order[:FINETUNE["batch"]], order[FINETUNE["batch"]:]
        x, y, m = qa_batch(tok, [train[i] for i in idx], ans)
        lr = lr_at(step, steps, FINETUNE["lr"], 20)
        for gr in opt.param_groups:
            gr["lr"] = lr
        loss = forward_loss(model, x, y, m)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema = loss.item() if ema is None else 0.9 * ema + 0.1 * loss.item()
        if step % 25 == 0 or step == steps - 1:
            qn = probe(model, tok, held, qa=True)
            pn = probe(model, tok, held)
            log.row(step, lr, ema, qn, pn, time.time() - t0)
            print(f"  step {step} loss {ema:.3f} held-out qa nll {qn:.3f} prose nll {pn:.3f} "
                  f"{time.time() - t0:.0f}s", flush=True)
    name = f"{size}-ft" if style == "ft" else f"{size}-ft-hedge"
    save(work, name, model, model.cfg)
    print(f"{name} done in {time.time() - t0:.0f}s")


def save(work, name, model, cfg):
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(d, "model.pt"))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/family-work")
    ap.add_argument("--out", default="models/mini")
    ap.add_argument("--stages", default="all")
    a = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(a.work, exist_ok=True)
    stages = a.stages.split(",")
    every = ["tok", "pre-small", "pre-large", "ft-small", "ft-small-hedge", "ft-large", "export"]
    if stages == ["all"]:
        stages = every
    for s in stages:
        t0 = time.time()
        if s == "tok":
            stage_tok(a.work)
        elif s.startswith("pre-"):
            stage_pretrain(a.work, s[4:])
        elif s == "ft-small-hedge":
            stage_finetune(a.work, "small", "hedge")
        elif s.startswith("ft-"):
            stage_finetune(a.work, s[3:], "ft")
        elif s == "export":
            import export
            export.export_all(a.work, a.out)
        else:
            raise SystemExit(f"unknown stage {s!r}; expected one of {every}")
        print(f"== stage {s}: {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
