"""Writes models/mini/words.tsv: the family's fine-tuning (train) and held-out words with glosses,
as train.py splits them. The Java reproduction (`eft4j reproduce`) reads it."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import splits  # noqa: E402

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "mini", "words.tsv")
train, held = splits()
with open(out, "w") as f:
    f.write("# split\tword\tgloss (written by tools/family/dump_words.py)\n")
    for w, g in held:
        f.write(f"heldout\t{w}\t{g}\n")
    for w, g in train:
        f.write(f"train\t{w}\t{g}\n")
print(f"{len(held)} held-out, {len(train)} train -> {os.path.normpath(out)}")
