#!/usr/bin/env bash
# Builds eft-examples and runs the eft-onnx vs official ORT Java API benchmark (a runnable main).
#   bench/onnx.sh              # graphs written to eft-examples/target/bench-graphs (needs /usr/bin/python3 with torch)
#   bench/onnx.sh DIR          # graphs in DIR/{tiny,medium}/model.onnx
set -euo pipefail
source "$(dirname "$0")/common.sh"
exec "$JAVA" $FLAGS -cp "$CP" io.github.eft4j.examples.bench.OnnxBenchmark "$@"
