#!/usr/bin/env bash
# Builds eft-examples and runs the plain vs speculative EFT benchmark (a runnable main).
#   bench/speculative.sh                                  # synthetic sources, defaults
#   bench/speculative.sh --tokens 256 --spreads 0.2 --large-ratio 16
#   bench/speculative.sh --factory io.github.eft4j.examples.bench.OnnxBenchmarkSources   # ONNX graphs
#   bench/speculative.sh --factory my.pkg.OtherSources ...  # other models
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${JAVA_HOME:-}" ] && [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
"$JAVA" -version 2>&1 | head -1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])' \
  || { echo "bench/speculative.sh: needs JDK 25 (set JAVA_HOME)" >&2; exit 1; }
./mvnw -B -q -pl eft-examples -am package -DskipTests
CP="eft-examples/target/classes:$(cat eft-examples/target/classpath.txt)"
exec "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$CP" \
  io.github.eft4j.examples.bench.SpeculativeBenchmark "$@"
