# Sourced by the bench scripts: a JDK 25, a fresh eft-examples build, its class path, the JVM flags.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
JAVA_HOME=$(tools/find-jdk25.sh) || exit 1
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ./mvnw -B -q -pl eft-examples -am package -DskipTests
CP="eft-examples/target/classes:$(cat eft-examples/target/classpath.txt)"
# BENCH_JAVA_OPTS adds JVM options (e.g. a fixed heap for bench/soak.sh)
FLAGS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED ${BENCH_JAVA_OPTS:-}"
