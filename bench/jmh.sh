#!/usr/bin/env bash
# Builds eft-examples with the Maven wrapper and runs the JMH benchmarks on its classpath.
#   bench/jmh.sh                         # every benchmark, short settings, -prof gc
#   bench/jmh.sh CombineBenchmark -p vocab=32000
#   JMH_OPTS="-f 1 -wi 5 -i 10 -w 1s -r 1s" bench/jmh.sh CombineBenchmark
# Arguments go to org.openjdk.jmh.Main after the defaults; JMH_OPTS replaces the run-length
# defaults (JMH rejects an option given twice).
set -euo pipefail
source "$(dirname "$0")/common.sh"

# Defaults: 1 fork per parameter set, 3×1 s warm-up, 5×1 s measurement; GC profiler for B/op.
# The forks inherit this JVM's flags (JMH copies its input arguments).
JMH_OPTS="${JMH_OPTS:--f 1 -wi 3 -i 5 -w 1s -r 1s}"
exec "$JAVA" $FLAGS -cp "$CP" org.openjdk.jmh.Main \
  $JMH_OPTS -prof gc \
  -rf json -rff eft-examples/target/jmh-result.json "${@:-io.github.eft4j.examples.bench}"
