#!/usr/bin/env bash
# README's test command and what CI runs (.ci/run): the build with every unit test
# (./mvnw -B verify), then eft4j as a dependency of a separate project (it/run.sh), then the eft4j
# launcher in both JIT profiles (it/launcher.sh). ./mvnw and
# it/run.sh find a JDK 25 themselves (tools/find-jdk25.sh). Extra Maven options: MAVEN_ARGS.
set -euo pipefail
cd "$(dirname "$0")"
tools/with-download-progress.sh ./mvnw -B verify
it/run.sh
it/launcher.sh
