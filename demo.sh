#!/usr/bin/env bash
# Runs the Cohort demo: a coordinator and several hospital agents as separate processes on
# loopback, real enrollment, mutual TLS and Deeplearning4j training. Options: ./demo.sh --help
set -euo pipefail
cd "$(dirname "$0")"
. scripts/jdk-env.sh
echo "building (first run downloads dependencies; later runs take seconds)..."
mvn -B -q -DskipTests install
exec mvn -B -q -pl simulation exec:exec -Ddemo.args="$*"
