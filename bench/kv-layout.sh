#!/usr/bin/env bash
# Builds eft-examples and runs the KV layout benchmark (a runnable main): per-token time of a
# GroupQueryAttention graph with the KV cache written in place, the same graph with present.*
# allocated per step, and the optimum-layout twin with the same weights, at contexts 16, 512, 1536.
#   bench/kv-layout.sh                 # graphs written to eft-examples/target/bench-graphs/kv-layout/default (needs /usr/bin/python3 with torch)
#   bench/kv-layout.sh --shape wide    # other shapes: kv-heavy, vocab32k, wide (see make_export_graphs.py BENCH_SHAPES)
#   bench/kv-layout.sh DIR             # graphs in DIR/{gqa,twin}/model.onnx
#   bench/kv-layout.sh --contexts 16,512 --tokens 16 --rounds 2   # a short smoke run
set -euo pipefail
source "$(dirname "$0")/common.sh"
exec "$JAVA" $FLAGS -cp "$CP" io.github.eft4j.examples.bench.KvLayoutBenchmark "$@"
