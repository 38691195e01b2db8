#!/usr/bin/env bash
# Whole-process cold start: `eft4j generate` (128 greedy tokens) vs the same generation in transformers.js
# (Node, @huggingface/transformers, CPU), 5 alternating rounds, wall and CPU time, ids compared. Each
# round runs `eft4j` in its default JIT profile for generate (quick: C1 and the scalar kernels), then
# with EFT4J_JIT=full (C2 and the Panama kernels), then Node.
#   bench/coldstart.sh [MODEL_DIR] [PAIRS]    default model: the mini family's large base
# The model folder is laid out for both (config.json, tokenizer*.json, onnx/model.onnx) under
# target/coldstart; its EOS is set to the pad id so that both generate exactly 128 tokens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
src=${1:-models/mini/large-base}
pairs=${2:-5}
tokens=128
prompt='The word "alight" means'
work=$root/target/coldstart
model=$work/model
rm -rf "$model"; mkdir -p "$model/onnx"
cp "$src/config.json" "$src/tokenizer.json" "$model/"
ln -s "$(cd "$src" && pwd)/model.onnx" "$model/onnx/model.onnx"
pad=$(python3 -c "import json;print(json.load(open('$src/config.json')).get('pad_token_id',0))")
python3 - "$model" "$pad" <<'PY'
import json, sys
d, pad = sys.argv[1], int(sys.argv[2])
c = json.load(open(d + '/config.json')); c['eos_token_id'] = pad
json.dump(c, open(d + '/config.json', 'w'), indent=1)
json.dump({'bos_token_id': c.get('bos_token_id', 1), 'eos_token_id': pad, 'pad_token_id': pad},
          open(d + '/generation_config.json', 'w'))
t = json.load(open(d + '/tokenizer.json'))
names = {a['id']: a['content'] for a in t.get('added_tokens', [])}
json.dump({'bos_token': names.get(c.get('bos_token_id')), 'eos_token': names.get(pad), 'pad_token': names.get(pad),
           'add_bos_token': True, 'model_max_length': c.get('max_position_embeddings', 2048),
           'tokenizer_class': 'PreTrainedTokenizerFast'}, open(d + '/tokenizer_config.json', 'w'))
PY
# transformers.js, installed from npm into target/ (no native GPU download)
node_dir=$work/node
if [ ! -d "$node_dir/node_modules/@huggingface/transformers" ]; then
  mkdir -p "$node_dir"; cp bench/coldstart/package.json bench/coldstart/package-lock.json "$node_dir/" 2>/dev/null || cp bench/coldstart/package.json "$node_dir/"
  (cd "$node_dir" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --silent 2>/dev/null || ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --silent)
fi
cp bench/coldstart/generate.mjs "$node_dir/"
# eft4j: build and train both start-up caches once (not timed), and record its ids with a trace
EFT4J_JIT=full ./eft4j generate --model "$model" --plain --prompt "$prompt" --max-tokens 1 >/dev/null 2>&1
./eft4j generate --model "$model" --plain --prompt "$prompt" --max-tokens $tokens --trace "$work/trace.jsonl" >/dev/null 2>&1
java_ids=$(python3 -c "
import json,sys
ids=[r['token'] for r in map(json.loads, open('$work/trace.jsonl')) if r.get('record') == 'token']
print(' '.join(map(str,ids)))")
node_ids=$(node "$node_dir/generate.mjs" "$model" "$prompt" $tokens 2>/dev/null | sed -n 's/^ids //p')
if [ "$java_ids" != "$node_ids" ]; then
  echo "ids differ:"; echo " eft4j: $java_ids"; echo " node:  $node_ids"; exit 1
fi
echo "identical ids ($(wc -w <<<"$java_ids") tokens)"
t() { /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>&1; cat "$work/time"; }
full_ids=$(EFT4J_JIT=full ./eft4j generate --model "$model" --plain --prompt "$prompt" --max-tokens $tokens 2>/dev/null)
quick_ids=$(./eft4j generate --model "$model" --plain --prompt "$prompt" --max-tokens $tokens 2>/dev/null)
[ "$full_ids" = "$quick_ids" ] || { echo "eft4j's two JIT profiles generated different text"; exit 1; }
echo "run  eft4j_wall eft4j_cpu eft4j_MiB  full_wall full_cpu full_MiB  node_wall node_cpu node_MiB"
rows=()
for i in $(seq 1 "$pairs"); do
  read -r jw ju js jm < <(t ./eft4j generate --model "$model" --plain --prompt "$prompt" --max-tokens $tokens)
  read -r fw fu fs fm < <(t env EFT4J_JIT=full ./eft4j generate --model "$model" --plain --prompt "$prompt" --max-tokens $tokens)
  read -r nw nu ns nm < <(t node "$node_dir/generate.mjs" "$model" "$prompt" $tokens)
  row=$(awk -v i=$i -v jw=$jw -v ju=$ju -v js=$js -v jm=$jm -v fw=$fw -v fu=$fu -v fs=$fs -v fm=$fm \
    -v nw=$nw -v nu=$nu -v ns=$ns -v nm=$nm \
    'BEGIN{printf "%d %.3f %.3f %.0f %.3f %.3f %.0f %.3f %.3f %.0f", i, jw, ju+js, jm/1024, fw, fu+fs, fm/1024, nw, nu+ns, nm/1024}')
  echo "$row"; rows+=("$row")
done
median() { printf '%s\n' "${rows[@]}" | sort -k"$1" -n | awk -v c="$1" '{a[NR]=$c} END{print a[int((NR+1)/2)]}'; }
echo "median wall: eft4j $(median 2) s, eft4j full $(median 5) s, node $(median 8) s"
echo "median CPU:  eft4j $(median 3) s, eft4j full $(median 6) s, node $(median 9) s"
echo "median peak RSS: eft4j $(median 4) MiB, eft4j full $(median 7) MiB, node $(median 10) MiB"
