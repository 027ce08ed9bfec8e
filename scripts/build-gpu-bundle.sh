#!/usr/bin/env bash
# Builds what scripts/gpu-check.sh runs from on a machine with an NVIDIA GPU and a Python with PyTorch but
# possibly no Java: the lean bundle (scripts/build-lean-bundle.sh: a jlink'd runtime, the coordinator, agent
# and cli without Deeplearning4j, the PyTorch worker), the simulation jar for the trainer benchmark
# (lib-bench/), and the two check scripts; packed as one .tar.xz to copy over. Run it here (JDK 21+, Maven,
# the repository built offline), copy the archive, unpack it there and run gpu-check.sh in it.
#
#   scripts/build-gpu-bundle.sh [OUT_DIR]            (default target/gpu-bundle; the archive beside it)
#   COHORT_BUNDLE_WHEELS=3.11 scripts/build-gpu-bundle.sh
#       also puts grpcio, grpcio-tools and protobuf wheels for that CPython (manylinux x86_64) in
#       OUT_DIR/wheels, for a GPU machine whose Python lacks them and cannot reach a package index
#       (fetched here with pip download).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk-env.sh
umask 022
out="$(realpath -m "${1:-target/gpu-bundle}")"
archive="$(dirname "$out")/cohort-gpu-check.tar.xz"

COHORT_LEAN_ARCHIVE=0 scripts/build-lean-bundle.sh "$out" # the lean archive itself is not needed here
# The trainer benchmark (AdapterTransferBenchmark) runs on the lean jars plus the simulation module's classes.
mvn -B -o -q -pl simulation -am package -DskipTests
mkdir -p "$out/lib-bench"
jar --create --no-compress --file "$out/lib-bench/cohort-simulation.jar" -C simulation/target/classes .
cp scripts/gpu-check.sh scripts/gpu-federation.sh "$out/"

if [ -n "${COHORT_BUNDLE_WHEELS:-}" ]; then
  python3 -m pip download --only-binary=:all: --platform manylinux2014_x86_64 --python-version "$COHORT_BUNDLE_WHEELS" \
    --dest "$out/wheels" grpcio grpcio-tools protobuf
fi

rm -f "$archive"
tar -C "$(dirname "$out")" --owner=0 --group=0 --numeric-owner --mode=go-w -cf - "$(basename "$out")" \
  | xz -9e -T0 >"$archive"
printf '\nGPU check bundle: %s (%s); unpack it with tar -xJf and run %s/gpu-check.sh\n' "$archive" \
  "$(awk -v b="$(du -sb "$archive" | cut -f1)" 'BEGIN { printf "%.1f MB", b / 1e6 }')" "$(basename "$out")"
