#!/usr/bin/env bash
# Prints the home of a JDK 25 (or newer): $JAVA_HOME if it qualifies, else the usual
# /usr/lib/jvm locations. Exits 1 with a message on stderr when there is none.
find_jdk25() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/jdk-25*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    if "$c/bin/java" -version 2>&1 | head -1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
      echo "$c"; return 0
    fi
  done
  echo "eft4j needs JDK 25: none found in JAVA_HOME or /usr/lib/jvm (looked for temurin-25-jdk-amd64, java-25-openjdk-amd64). Install a JDK 25 and set JAVA_HOME to it." >&2
  return 1
}
find_jdk25
