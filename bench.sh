#!/usr/bin/env bash
# Runs one benchmark main from simulation/src/main/java/org/cohort/simulation/bench/.
#   ./bench.sh SecAggBenchmark            ./bench.sh DpSgdBenchmark
#   BENCH_JVM_ARGS=-Xmx1g ./bench.sh AggregationBenchmark --params 1000000000
# Each prints its figures next to a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")"
if [ $# -lt 1 ]; then
  echo "usage: ./bench.sh <Benchmark> [args...]; available:"; ls simulation/src/main/java/org/cohort/simulation/bench/ | sed 's/\.java$//; s/^/  /'
  exit 2
fi
. scripts/jdk-env.sh
bench="$1"; shift
mvn -B -q -DskipTests install
exec mvn -B -q -pl simulation exec:exec -Drun.main="org.cohort.simulation.bench.$bench" \
  -Drun.jvm.args="${BENCH_JVM_ARGS:--Xmx4g}" -Ddemo.args="$*"
