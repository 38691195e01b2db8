#!/usr/bin/env bash
# Builds eft-spark's test classes and runs its benchmark (a runnable main): N prompts through a
# plain single-JVM loop, Spark local[1] and Spark local[2]; prompts/s of each, rows checked equal.
#   bench/spark.sh                                   # 400 prompts, 32 tokens, models/mini
#   bench/spark.sh --prompts 1000 --batch-size 8 --rounds 5
set -euo pipefail
export SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=localhost   # loopback only
cd "$(dirname "${BASH_SOURCE[0]}")/.."
JAVA_HOME=$(tools/find-jdk25.sh) || exit 1
export JAVA_HOME
MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ./mvnw -B -q -pl eft-spark -am test-compile
CP="eft-spark/target/test-classes:eft-spark/target/classes:$(cat eft-spark/target/classpath.txt)"
FLAGS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
# Spark 4.2 on JDK 25: what Spark's launcher passes (JavaModuleOptions), as in eft-spark/pom.xml.
SPARK_FLAGS="-XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  -Dio.netty.tryReflectionSetAccessible=true --sun-misc-unsafe-memory-access=allow"
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" $FLAGS $SPARK_FLAGS -Xmx2g \
  -Dlog4j2.configurationFile=eft-spark/src/test/resources/log4j2.properties \
  -cp "$CP" io.github.eft4j.spark.EFTSparkBenchmark "$@"
