#!/usr/bin/env bash
# Soak test of eft-onnx's native lifetimes: 100,000 generated tokens (default) over repeatedly
# opened and closed sources and states; prints RSS (VmRSS) growth and the live native object count.
#   bench/soak.sh                          # the llama_gqa test graph, 100,000 tokens, 50 states per source
#   bench/soak.sh MODEL.onnx [TOKENS [STATES_PER_SOURCE]]
#   BENCH_JAVA_OPTS="-Xmx64m -Xms64m -XX:+AlwaysPreTouch" bench/soak.sh   # heap fixed: RSS then shows native memory
set -euo pipefail
source "$(dirname "$0")/common.sh"
exec "$JAVA" $FLAGS -cp "$CP" io.github.eft4j.examples.bench.Soak "$@"
