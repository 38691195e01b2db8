#!/usr/bin/env bash
# Repeats eft-onnx's crash scenarios many times, each start in its own JVM, and counts failures.
#   bench/startup-stress.sh [STARTS [RACE_REPS]]
# STARTS (default 1000): JVMs started with a 70 KB command line (ONNX Runtime 1.29's telemetry
# start-up used to overflow the creating thread's stack there: SIGSEGV, exit 139); each loads the
# llama_gqa test graph and generates 20 tokens. With TELEMETRY_ON=1 the variable
# ORT_DISABLE_TELEMETRY=0 is set, so only eft-onnx's large start-up stack protects the JVM (ORT's
# telemetry client then runs and may try to send events).
# RACE_REPS (default 0 = skip): also runs NativeLifetimeRaceTest with that many repetitions per race.
set -uo pipefail
cd "$(dirname "$0")/.."
STARTS=${1:-1000}
RACE_REPS=${2:-0}
JAVA_HOME=$(tools/find-jdk25.sh) || exit 1
export JAVA_HOME
./mvnw -B -q -o -pl eft-onnx -am test-compile >/dev/null || exit 1
# ChildMain needs eft-core, eft-onnx and the onnxruntime jar only
ORT_JAR=$(find ~/.m2/repository/com/microsoft/onnxruntime -name "${ORT_ARTIFACT:-onnxruntime_gpu}-1.29.0.jar" | head -1)
# a snapshot of the classes, so a rebuild during the run cannot change what the JVMs load
SNAP=$(mktemp -d)
trap 'rm -rf "$SNAP"' EXIT
for d in eft-onnx/target/test-classes eft-onnx/target/classes eft-core/target/classes; do
  mkdir -p "$SNAP/$d" && cp -r "$d/." "$SNAP/$d/"
done
CP="$SNAP/eft-onnx/target/test-classes:$SNAP/eft-onnx/target/classes:$SNAP/eft-core/target/classes:$ORT_JAR"
PADDING="-Deft4j.test.padding=$(head -c 70000 /dev/zero | tr '\0' x)"
MODEL=eft-onnx/src/test/resources/graphs/llama_gqa/model.onnx
ENVS=(env -u ORT_DISABLE_TELEMETRY)
[[ "${TELEMETRY_ON:-0}" == 1 ]] && ENVS=(env ORT_DISABLE_TELEMETRY=0)
fail=0
declare -A codes=()
for ((i = 1; i <= STARTS; i++)); do
  out=$("${ENVS[@]}" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED "$PADDING" -cp "$CP" \
      io.github.eft4j.onnx.ChildMain generate "$MODEL" 20 2>&1)
  rc=$?
  if [[ $rc -ne 0 ]] || ! grep -qx ok <<<"$out" || ! grep -qx length=23 <<<"$out"; then
    fail=$((fail + 1))
    codes[$rc]=$((${codes[$rc]:-0} + 1))
    echo "start $i: exit $rc"; tail -3 <<<"$out"
  fi
  (( i % 100 == 0 )) && echo "$i starts, $fail failed"
done
echo "long command line: $STARTS starts, $fail failed ${codes[*]:+(exit codes: ${!codes[*]})}"
if (( RACE_REPS > 0 )); then
  ./mvnw -B -o -pl eft-onnx -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=NativeLifetimeRaceTest \
      -Dsurefire.extra.args="-Deft4j.test.raceReps=$RACE_REPS" | grep -E "Tests run:|closeDuring|twoThreads|cancelDuring|sourceClose|staleLogits|FAIL"
fi
(( fail == 0 ))
