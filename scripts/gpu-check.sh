#!/usr/bin/env bash
# The GPU check, in two parts, each on a randomly initialised vision model (SmallCnn, no weights to
# download) with LoRA adapters, over generated images, trained by the reference PyTorch worker on CUDA:
#  1. the trainer benchmark (AdapterTransferBenchmark): 2 sites through the agent's external trainer
#     class, a few FedAvg rounds of the whole model, of the adapters, then of the adapters with
#     patient-level DP-SGD; images per second, peak GPU memory (torch.cuda.max_memory_allocated),
#     DP-SGD time over non-private time, bytes per round (adapters against the whole model);
#  2. the federation (gpu-federation.sh): the real lean coordinator and three real lean agents over
#     gRPC with mutual TLS, a module study under patient-level DP-SGD with secure aggregation; each
#     round's time and bytes, each site's images per second and peak GPU memory.
#
# Runs in the folder scripts/build-gpu-bundle.sh builds (its own Java runtime in runtime/), or in a
# built checkout with a JDK 21+ once scripts/build-lean-bundle.sh has built target/cohort-lean. Needs a Python with PyTorch, grpcio and protobuf, and protoc or
# grpcio-tools ($COHORT_PYTHON, else python3); wheels in ./wheels (COHORT_BUNDLE_WHEELS) are installed
# into ./pylib when grpc is missing. Without a CUDA GPU it runs on the CPU, smaller, and says so.
#
#   ./gpu-check.sh                 (about 3-7 minutes on one GPU; at most 11 with its time limits)
#   GPU_CHECK_ROWS=4096 GPU_CHECK_ROUNDS=5 ./gpu-check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${COHORT_PYTHON:-}"
if [ -z "$python" ]; then # the first Python that has PyTorch
  for candidate in python3 /usr/bin/python3 python; do
    if "$candidate" -c 'import torch' 2>/dev/null; then python="$candidate"; break; fi
  done
  python="${python:-python3}"
fi

if [ -x "$here/runtime/bin/java" ]; then # the bundle
  root="$here"
  java="$here/runtime/bin/java"
  classpath="$here/lib/*:$here/lib-bench/*"
else # a checkout: scripts/gpu-check.sh
  root="$(cd "$here/.." && pwd)"
  . "$root/scripts/jdk-env.sh"
  java=java
  cp_file="$root/target/gpu-check-classpath.txt"
  (cd "$root" && mvn -B -o -q -pl simulation -am compile -DskipTests \
    && mvn -B -o -q -pl simulation dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null)
  classpath="$(tr ':' '\n' <"$cp_file" | grep -v '/org/cohort/' | paste -sd:)"
  for m in protocol crypto privacy client learning coordinator site-agent simulation; do
    classpath="$root/$m/target/classes:$classpath"
  done
fi

if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "gpu-check: $python cannot import torch; set COHORT_PYTHON to a Python with PyTorch" >&2
  exit 2
fi
if ! "$python" -c 'import grpc, google.protobuf' 2>/dev/null; then
  if [ -d "$here/wheels" ]; then
    echo "gpu-check: installing grpcio and protobuf from $here/wheels into $here/pylib"
    "$python" -m pip install --quiet --no-index --find-links "$here/wheels" --target "$here/pylib" \
      grpcio grpcio-tools protobuf
    export PYTHONPATH="$here/pylib${PYTHONPATH:+:$PYTHONPATH}"
  else
    echo "gpu-check: $python cannot import grpc and google.protobuf: pip install grpcio grpcio-tools protobuf," \
      "or build the bundle with COHORT_BUNDLE_WHEELS=<this Python's version>" >&2
    exit 2
  fi
fi
export COHORT_PYTHON="$python"

"$python" - <<'EOF'
import torch
print("gpu-check: PyTorch %s (CUDA %s)" % (torch.__version__, torch.version.cuda))
if torch.cuda.is_available():
    for i in range(torch.cuda.device_count()):
        p = torch.cuda.get_device_properties(i)
        print("gpu-check: cuda:%d %s, compute capability %d.%d, %.0f GiB, bfloat16 %s"
              % (i, p.name, p.major, p.minor, p.total_memory / 2**30,
                 "yes" if torch.cuda.is_bf16_supported() else "no"))
EOF

if "$python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  device=cuda
  rows="${GPU_CHECK_ROWS:-2048}" image="${GPU_CHECK_IMAGE:-32}" rounds="${GPU_CHECK_ROUNDS:-3}"
  width="${GPU_CHECK_WIDTH:-256}" skip=()
else
  echo "gpu-check: NOTICE: no CUDA GPU is visible to PyTorch: running ON THE CPU with a smaller job;"
  echo "gpu-check: NOTICE: these are CPU figures, not a GPU check (no GPU memory, no mixed precision)."
  device=cpu
  rows="${GPU_CHECK_ROWS:-64}" image="${GPU_CHECK_IMAGE:-16}" rounds="${GPU_CHECK_ROUNDS:-2}"
  width="${GPU_CHECK_WIDTH:-256}" skip=(--skip-full)
fi

cd "$root" # the worker is found as trainers/pytorch/ from here
echo "gpu-check: part 1 of 2, the trainer benchmark"
benchmark=0
timeout "${GPU_CHECK_TIMEOUT:-360}" "$java" --sun-misc-unsafe-memory-access=allow -cp "$classpath" \
  org.cohort.simulation.bench.AdapterTransferBenchmark --device "$device" --rows "$rows" --image "$image" \
  --rounds "$rounds" --width "$width" --hidden "$width" --rank 4 --targets 'block_conv*' --dp "${skip[@]}" \
  || benchmark=$?
echo
echo "gpu-check: part 2 of 2, the federation: the lean coordinator and three lean agents on this machine"
federation=0
timeout "${GPU_FED_TIMEOUT_ALL:-300}" "$here/gpu-federation.sh" || federation=$?
echo "gpu-check: trainer benchmark exit $benchmark, federation exit $federation"
[ "$benchmark" = 0 ] && [ "$federation" = 0 ]
