#!/usr/bin/env bash
# Builds eft-examples with the Maven wrapper and runs the JMH benchmarks on its classpath.
#   bench/jmh.sh                         # every benchmark, short settings, -prof gc
#   bench/jmh.sh CombineBenchmark -p vocab=32000
#   JMH_OPTS="-f 1 -wi 5 -i 10 -w 1s -r 1s" bench/jmh.sh CombineBenchmark
# Arguments go to org.openjdk.jmh.Main after the defaults; JMH_OPTS replaces the run-length
# defaults (JMH rejects an option given twice).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${JAVA_HOME:-}" ] && [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
"$JAVA" -version 2>&1 | head -1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])' \
  || { echo "bench/jmh.sh: needs JDK 25 (set JAVA_HOME)" >&2; exit 1; }

./mvnw -B -q -pl eft-examples -am package -DskipTests
CP="eft-examples/target/classes:$(cat eft-examples/target/classpath.txt)"
FLAGS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"

# Defaults: 1 fork per parameter set, 3×1 s warm-up, 5×1 s measurement; GC profiler for B/op.
# The forks inherit this JVM's flags (JMH copies its input arguments).
JMH_OPTS="${JMH_OPTS:--f 1 -wi 3 -i 5 -w 1s -r 1s}"
exec "$JAVA" $FLAGS -cp "$CP" org.openjdk.jmh.Main \
  $JMH_OPTS -prof gc \
  -rf json -rff eft-examples/target/jmh-result.json "${@:-io.github.eft4j.examples.bench}"
