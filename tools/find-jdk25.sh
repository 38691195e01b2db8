#!/usr/bin/env bash
# Prints the home of a JDK 25 (or newer): $JAVA_HOME if it qualifies, else the `java` on PATH,
# else the usual /usr/lib/jvm locations. Exits 1 with a message on stderr when there is none.
# Used by ./mvnw, ./eft4j and .ci/run, so that they run on a machine whose default java is older.
is_jdk25() {
  [ -n "$1" ] && [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  # The JDK's release file says its version without starting a JVM (tens of ms per candidate).
  if [ -f "$1/release" ] && grep -q '^JAVA_VERSION=' "$1/release"; then
    grep -Eq '^JAVA_VERSION="(2[5-9]|[3-9][0-9])' "$1/release"
  else
    "$1/bin/java" -version 2>&1 | head -1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'
  fi
}
find_jdk25() {
  local c on_path=""
  if command -v java >/dev/null 2>&1; then
    on_path=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  fi
  for c in "${JAVA_HOME:-}" "$on_path" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk \
           /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/jdk-25* /usr/lib/jvm/*; do
    if is_jdk25 "$c"; then
      if [ -n "${JAVA_HOME:-}" ] && [ "$c" != "$JAVA_HOME" ]; then
        echo "note: JAVA_HOME=$JAVA_HOME is not a JDK 25; using $c" >&2
      fi
      echo "$c"; return 0
    fi
  done
  echo "eft4j needs JDK 25: none found in JAVA_HOME, on PATH or in /usr/lib/jvm (looked for temurin-25-jdk-amd64, java-25-openjdk-amd64). Install a JDK 25 and set JAVA_HOME to it." >&2
  return 1
}
find_jdk25
