#!/usr/bin/env bash
# Builds the folder scripts/gpu-check.sh runs from on a machine with an NVIDIA GPU and a Python with
# PyTorch but possibly no Java: a jlink'd Java runtime, the agent's jars (the external trainer, the
# protocol, gRPC) and the PyTorch worker, without Deeplearning4j's native libraries (the external
# trainer does not load them). Run it here (JDK 21+, Maven, the repository built offline), copy the
# folder to the GPU machine, run gpu-check.sh in it.
#
#   scripts/build-gpu-bundle.sh [OUT_DIR]            (default target/gpu-bundle)
#   COHORT_BUNDLE_WHEELS=3.11 scripts/build-gpu-bundle.sh
#       also puts grpcio, grpcio-tools and protobuf wheels for that CPython (manylinux x86_64) in
#       OUT_DIR/wheels, for a GPU machine whose Python lacks them and cannot reach a package index
#       (fetched here with pip download).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk-env.sh
out="$(realpath -m "${1:-target/gpu-bundle}")"
rm -rf "$out"
mkdir -p "$out/lib" "$out/all" "$out/trainers/pytorch" "$out/protocol/src/main/proto/cohort/trainer/v1"

# The simulation module (AdapterTransferBenchmark drives the rounds) and what it needs, compiled offline.
mvn -B -o -q -pl simulation -am compile -DskipTests
mvn -B -o -q -pl simulation dependency:build-classpath -Dmdep.outputFile="$out/classpath.txt" >/dev/null
# Native libraries for other platforms and DL4J's CPU backend (ND4J natives, OpenBLAS, MKL-DNN) stay out:
# the external trainer never builds a DL4J network. Everything else travels.
# The project's own jars in ~/.m2 may be another version: its modules come from this checkout's classes below.
tr ':' '\n' <"$out/classpath.txt" \
  | grep -v '/org/cohort/' \
  | grep -vE -- '-(linux|macosx|windows|android|ios)-(x86|x86_64|arm64|aarch64|armhf|ppc64le)[^/]*\.jar$' \
  | grep -vE '/(nd4j-native|openblas|mkl|mkl-dnn|onnxruntime|opencv|leptonica|ffmpeg|hdf5|tensorflow)[^/]*\.jar$' \
  | while read -r jar; do [ -f "$jar" ] && cp "$jar" "$out/all/"; done
# Netty's epoll for the Unix domain socket is inside grpc-netty-shaded: it stays.
for module in protocol crypto privacy client cli learning coordinator site-agent simulation; do
  [ "$module" = simulation ] || grep -q "/cohort-$module/" "$out/classpath.txt" || continue
  jar --create --file "$out/all/cohort-$module.jar" -C "$module/target/classes" .
done
rm "$out/classpath.txt"

# Only the jars the check loads travel: a small dry run of it on the CPU (the same Java code paths as on a
# GPU) logs every class's source; DL4J's and the coordinator's other jars stay behind.
python=""
for candidate in ${COHORT_PYTHON:-} python3 /usr/bin/python3; do
  if "$candidate" -c 'import torch, grpc, google.protobuf' 2>/dev/null; then python="$candidate"; break; fi
done
if [ -n "$python" ]; then
  COHORT_PYTHON="$python" java --sun-misc-unsafe-memory-access=allow -Xshare:off -Xlog:class+load=info:file="$out/loaded.txt" -cp "$out/all/*" \
    org.cohort.simulation.bench.AdapterTransferBenchmark --rows 8 --image 8 --width 8 --hidden 8 --rank 1 \
    --rounds 1 --dp >/dev/null 2>"$out/dry-run.log" \
    || { echo "the dry run failed ($python): see $out/dry-run.log" >&2; exit 1; }
  grep -oE 'source: (jar:)?file:[^ !]+\.jar' "$out/loaded.txt" | sed -E 's/^source: (jar:)?file://' | sort -u \
    | while read -r jar; do cp "$jar" "$out/lib/"; done
  # ... and the JDK modules it loaded classes from (-Xshare:off, so each class names its module).
  grep -oE 'source: jrt:/[a-z0-9.]+' "$out/loaded.txt" | sed 's|source: jrt:/||' | sort -u | paste -sd, >"$out/modules.txt"
  rm -r "$out/all" "$out/loaded.txt" "$out/dry-run.log"
else
  echo "no python3 with torch, grpc and protobuf here: every jar travels (no dry run to choose them)" >&2
  mv "$out"/all/* "$out/lib/" && rmdir "$out/all"
fi

# The runtime: the JDK modules the dry run loaded from (else what jdeps finds in the jars), plus providers
# loaded by name (Ed25519, name service, management) in case a GPU run reaches them.
if [ -s "$out/modules.txt" ]; then
  modules="$(cat "$out/modules.txt")"
  rm "$out/modules.txt"
else
modules=$(jdeps --ignore-missing-deps --multi-release 21 --print-module-deps --class-path "$out/lib/*" \
  "$out"/lib/cohort-*.jar 2>/dev/null | tail -1 || true)
[[ "$modules" =~ ^[a-z0-9.,]+$ ]] || modules="" # jdeps could not tell: the fixed list below
fi
modules="${modules:+$modules,}java.base,java.logging,java.management,java.naming,jdk.unsupported,jdk.crypto.ec,java.net.http"
locales=() # the locale data module is large: English only (the check prints in Locale.ROOT)
[[ ",$modules," == *,jdk.localedata,* ]] && locales=(--include-locales=en)
jlink --add-modules "$modules" "${locales[@]}" --strip-debug --no-header-files --no-man-pages --compress=zip-9 \
  --output "$out/runtime"

cp trainers/pytorch/cohort_torch_worker.py trainers/pytorch/cohort_models.py trainers/pytorch/cohort_lora.py \
  "$out/trainers/pytorch/"
cp protocol/src/main/proto/cohort/trainer/v1/trainer.proto "$out/protocol/src/main/proto/cohort/trainer/v1/"
cp scripts/gpu-check.sh "$out/"

if [ -n "${COHORT_BUNDLE_WHEELS:-}" ]; then
  python3 -m pip download --only-binary=:all: --platform manylinux2014_x86_64 --python-version "$COHORT_BUNDLE_WHEELS" \
    --dest "$out/wheels" grpcio grpcio-tools protobuf
fi

echo "GPU bundle in $out:"
du -sh "$out/runtime" "$out/lib" "$out/trainers" | sed 's/^/  /'
printf '  total %s, compressed (tar.gz) %s\n' "$(du -sh "$out" | cut -f1)" \
  "$(tar -C "$(dirname "$out")" -czf - "$(basename "$out")" | wc -c | numfmt --to=iec)"
