#!/usr/bin/env bash
# The GPU check's federation: the real lean coordinator and three real lean agents on this machine, over
# gRPC with mutual TLS, each agent training through the reference PyTorch worker on the GPU, run a study
# that names a randomly initialised SmallCnn (no weights downloaded) with LoRA adapters on its convolutions,
# on generated images, under patient-level DP-SGD with secure aggregation. Prints each round's time and
# bytes as the coordinator recorded them, and each site's images per second and peak GPU memory as its
# agent logged them. Without a CUDA GPU it runs on the CPU, smaller, and says so.
#
# Runs in the lean bundle (scripts/build-lean-bundle.sh, or the GPU bundle scripts/build-gpu-bundle.sh,
# which holds it), or in a checkout once scripts/build-lean-bundle.sh has built target/cohort-lean.
#   ./gpu-federation.sh
#   GPU_FED_IMAGES=1024 GPU_FED_ROUNDS=5 ./gpu-federation.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -x "$here/bin/cohort-coordinator" ]; then
  home="$here"
elif [ -x "$here/../target/cohort-lean/bin/cohort-coordinator" ]; then
  home="$(cd "$here/../target/cohort-lean" && pwd)"
else
  echo "gpu-federation: no lean build here: run scripts/build-lean-bundle.sh first" >&2
  exit 2
fi
python="${COHORT_PYTHON:-}"
if [ -z "$python" ]; then # the first Python that has PyTorch
  for candidate in python3 /usr/bin/python3 python; do
    if "$candidate" -c 'import torch, grpc, google.protobuf' 2>/dev/null; then python="$candidate"; break; fi
  done
fi
if [ -z "$python" ]; then
  echo "gpu-federation: no Python with torch, grpc and google.protobuf: set COHORT_PYTHON" >&2
  exit 2
fi
python="$(command -v "$python")"
worker="$home/trainers/pytorch/cohort_torch_worker.py"

if "$python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  device=cuda
  images="${GPU_FED_IMAGES:-512}" side="${GPU_FED_SIDE:-32}" width="${GPU_FED_WIDTH:-128}" rounds="${GPU_FED_ROUNDS:-3}"
else
  echo "gpu-federation: NOTICE: no CUDA GPU is visible to PyTorch: running ON THE CPU with a smaller job"
  device=cpu
  images="${GPU_FED_IMAGES:-48}" side="${GPU_FED_SIDE:-16}" width="${GPU_FED_WIDTH:-16}" rounds="${GPU_FED_ROUNDS:-2}"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/cohort-gpu-federation-XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
step() { printf 'gpu-federation: [%4ds] %s\n' "$SECONDS" "$*"; }
step "work directory $work; $device; $images images of ${side}x$side per site; SmallCnn width $width; $rounds rounds"

# Generated images: two classes, "bright" ones carrying a lighter square at a random place; PNG written
# with zlib alone (no imaging library needed).
"$python" - "$work/data" "$images" "$side" <<'PY'
import os, random, struct, sys, zlib
root, count, side = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def png(path, pixels):
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
for site in range(3):
    rng = random.Random(1000 + site)
    for label in ("plain", "bright"):
        os.makedirs(os.path.join(root, "site-%d" % site, label), exist_ok=True)
    for i in range(count):
        label = ("plain", "bright")[i % 2]
        rows = [[rng.randrange(0, 120) for _ in range(3 * side)] for _ in range(side)]
        if label == "bright":
            s = max(2, side // 4); x0 = rng.randrange(0, side - s); y0 = rng.randrange(0, side - s)
            for y in range(y0, y0 + s):
                for x in range(3 * x0, 3 * (x0 + s)):
                    rows[y][x] = min(255, rows[y][x] + 120)
        png(os.path.join(root, "site-%d" % site, label, "img%05d.png" % i), rows)
PY
step "wrote $((3 * images)) PNG images"

# The module every site holds: SmallCnn, random weights from a seed, written as safetensors with its digest.
args="{\"in_channels\": 3, \"classes\": 2, \"width\": $width, \"hidden\": $width}"
written="$("$python" "$worker" --write-module "$work/modules" --name smallcnn --module-class cohort_models:SmallCnn \
  --model-args "$args" --seed 1 | tail -1)"
sha256="$("$python" -c 'import json, sys; print(json.loads(sys.argv[1])["sha256"])' "$written")"
layout="$("$python" "$worker" --layout "{\"moduleClass\": \"cohort_models:SmallCnn\", \"moduleArgsJson\": $("$python" -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$args"), \"stateDict\": \"$work/modules/smallcnn.safetensors\", \"sha256\": \"$sha256\", \"inputShape\": [3, $side, $side], \"lora\": {\"rank\": 4, \"alpha\": 8, \"targets\": [\"block_conv*\"], \"train\": [\"head\"]}}" | tail -1)"
trainable="$("$python" -c 'import json, sys; print(json.loads(sys.argv[1])["values"])' "$layout")"
base="$("$python" -c 'import json, sys; print(json.loads(sys.argv[1])["base_parameters"])' "$layout")"
step "module smallcnn: $base parameters, $trainable travel (LoRA rank 4 on block_conv*, head whole)"

free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
rest="$(free_port)" grpc="$(free_port)"
(cd "$work" && exec "$home/bin/cohort-coordinator" --cohort.coordinator.data-dir="$work/coordinator" \
  --server.port="$rest" --cohort.coordinator.grpc-port="$grpc" >"$work/coordinator.log" 2>&1) &
pids+=($!)
# The cohort tool finds the coordinator and its admin token through these.
export COHORT_COORDINATOR="http://localhost:$rest" COHORT_DATA_DIR="$work/coordinator"
for _ in $(seq 120); do
  "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "http://localhost:$rest/actuator/health/readiness" 2>/dev/null && break
  sleep 1
done
cohort() { "$home/bin/cohort" "$@"; }
step "coordinator ready (REST $rest, agents $grpc)"

for site in 0 1 2; do
  cohort sites invite "site-$site" --out "$work/site-$site.join" >/dev/null
  "$home/bin/cohort-agent" init --join "$work/site-$site.join" --data "$work/data/site-$site" \
    --work-dir "$work/agent-$site" --out "$work/site-$site.properties" >/dev/null
  sed -i "s|^trainer.command=.*|trainer.command=$python $worker --device $device|" "$work/site-$site.properties"
  echo "trainer.modules=$work/modules" >>"$work/site-$site.properties"
  (exec "$home/bin/cohort-agent" --config "$work/site-$site.properties" >"$work/agent-$site.log" 2>&1) &
  pids+=($!)
done
step "3 agents started (trainer: $python $worker --device $device)"

cat >"$work/study.json" <<EOF
{
  "name": "gpu-check-smallcnn-lora",
  "model": {"module": {"name": "smallcnn", "sha256": "$sha256", "trainable": $trainable,
            "lora": {"rank": 4, "alpha": 8, "targets": ["block_conv*"], "train": ["head"]}}},
  "plan": {"localEpochs": 1, "batchSize": 64, "optimizer": "sgd", "learningRate": 0.05, "seed": 7},
  "dataset": {"format": "image-folder", "testFraction": 0.25, "splitSeed": 3,
              "image": {"height": $side, "width": $side, "channels": 3, "classes": ["plain", "bright"],
                        "resize": "none", "mean": [0.3, 0.3, 0.3], "std": [0.25, 0.25, 0.25]}},
  "rounds": $rounds, "minSites": 3, "roundTimeoutSeconds": 540, "maxRetries": 1,
  "privacy": {"mode": "patient", "clipNorm": 1.0, "noiseMultiplier": 1.0, "delta": 1e-5, "epsilonBudget": 10,
              "accountant": "rdp", "expectedBatchSize": 64},
  "secureAggregation": {"enabled": true, "clipRange": 4.0, "stageTimeoutSeconds": 120}
}
EOF
study="$(cohort studies create "$work/study.json")"
for site in 0 1 2; do
  "$home/bin/cohort-agent" studies show "$study" --config "$work/site-$site.properties" >"$work/review-$site.txt"
  # The training size the review says this site's split leaves (public once declared).
  training="$(sed -n 's/.*fits the study: \([0-9]*\) training rows.*/\1/p' "$work/review-$site.txt")"
  "$home/bin/cohort-agent" studies accept "$study" --reviewed "$work/review-$site.txt" \
    --training-examples "$training" --config "$work/site-$site.properties" >/dev/null
done
step "study $study created and accepted by the 3 sites; starting it"
cohort studies start "$study" >/dev/null
status=0
cohort studies wait "$study" --timeout "${GPU_FED_TIMEOUT:-480}" || status=$?

echo
echo "per site, as each agent logged its trainer's jobs (the site's own log; nothing of it is sent):"
for site in 0 1 2; do
  grep -h "external trainer: job" "$work/agent-$site/logs/agent.log" 2>/dev/null \
    | sed -E "s/.*external trainer: job [^ ]+ /  site-$site: /" || true
done
echo
"$python" - "$COHORT_COORDINATOR" "$COHORT_DATA_DIR/admin-token" "$study" "$base" "$trainable" <<'PY'
import json, sys, urllib.request
url, token_file, study, base, trainable = sys.argv[1:6]
token = open(token_file).read().strip()
def get(path):
    req = urllib.request.Request(url + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req, timeout=30))
print("rounds, as the coordinator recorded them (upload B: the accepted uploads' payloads together):")
print("%5s %-9s %-10s %9s %6s %12s %18s" % ("round", "kind", "status", "seconds", "sites", "upload B", "whole model B/site"))
for r in get("/api/studies/%s/rounds" % study):
    up = r.get("upload") or {}
    ms = r.get("durationMillis")
    print("%5s %-9s %-10s %9s %6s %12s %18s" % (
        r.get("roundNumber"), r.get("kind"), r.get("status"), "-" if ms is None else "%.1f" % (ms / 1000),
        len(r.get("reported") or []), up.get("bytesReceived", "-"), 4 * int(base) if up else "-"))
print("model: %s parameters, %s travel per site and round (%.2f%%, float32): %.0fx fewer bytes than the whole model"
      % (base, trainable, 100.0 * int(trainable) / int(base), int(base) / int(trainable)))
PY
exit "$status"
