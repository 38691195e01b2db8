#!/usr/bin/env bash
# Builds eft-examples and runs the plain vs speculative EFT benchmark (a runnable main).
#   bench/speculative.sh                                  # synthetic sources, defaults
#   bench/speculative.sh --tokens 256 --spreads 0.2 --large-ratio 16
#   bench/speculative.sh --factory io.github.eft4j.examples.bench.OnnxBenchmarkSources   # ONNX graphs
#   bench/speculative.sh --factory my.pkg.OtherSources ...  # other models
set -euo pipefail
source "$(dirname "$0")/common.sh"
exec "$JAVA" $FLAGS -cp "$CP" io.github.eft4j.examples.bench.SpeculativeBenchmark "$@"
