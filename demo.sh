#!/usr/bin/env bash
# Runs the Cohort demo: a coordinator and several hospital agents as separate processes on
# loopback, real enrollment, mutual TLS and Deeplearning4j training. Options: ./demo.sh --help
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64; do
    if [ -x "$candidate/bin/java" ]; then export JAVA_HOME="$candidate"; break; fi
  done
fi
export PATH="$JAVA_HOME/bin:$PATH"
# Maven itself uses sun.misc.Unsafe (guava); keep JDK 25 from warning about it.
if java -version 2>&1 | grep -qE 'version "(2[4-9]|[3-9][0-9])'; then
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
echo "building (first run downloads dependencies; later runs take seconds)..."
mvn -B -q -DskipTests install
exec mvn -B -q -pl simulation exec:exec -Ddemo.args="$*"
