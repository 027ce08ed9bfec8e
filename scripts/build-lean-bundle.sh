#!/usr/bin/env bash
# Builds the lean distribution: the coordinator, the site agent and the cohort tool without Deeplearning4j,
# ND4J or their native libraries (module lean/), for sites whose training runs in an external trainer (the
# reference PyTorch worker, trainers/pytorch/), with a jlink'd Java runtime, in one .tar.xz that must stay
# under 64 MB. A lean coordinator runs studies that name a PyTorch module (model.module) and refuses any
# other model; a lean agent trains and evaluates them through its external trainer (trainer.kind=external).
#
#   scripts/build-lean-bundle.sh [OUT_DIR]          (default target/cohort-lean; the archive beside it)
#   COHORT_LEAN_ARCHIVE=0 scripts/build-lean-bundle.sh DIR   (the folder only, no archive or size check)
#
# Then, on any Linux x86_64 machine (no Java needed):
#   tar -xJf cohort-lean-linux-x86_64.tar.xz && cd cohort-lean
#   bin/cohort-coordinator --cohort.coordinator.data-dir=cohort-data
#   bin/cohort sites invite Cleveland --out cleveland.join
#   bin/cohort-agent init --join cleveland.join --data site.csv --work-dir agent --out agent.properties
#   (init turns the external trainer on; the worker needs python3 with torch, grpcio and protobuf, and
#   protoc or grpcio-tools; add trainer.modules for the module studies; see the README)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk-env.sh
umask 022 # what the archive holds is read-only to all but its owner, whoever unpacks it
out="$(realpath -m "${1:-target/cohort-lean}")"
archive="$(dirname "$out")/cohort-lean-linux-x86_64.tar.xz"
limit=64000000 # bytes: 64 MB
marker=".cohort-lean-bundle"
if [ -e "$out" ] && [ ! -e "$out/$marker" ]; then
  echo "$out exists and is not a bundle this script built: give an absent folder (it is emptied first)" >&2
  exit 2
fi

step() { printf '[%3ds] %s\n' "$SECONDS" "$*"; }

step "building the lean programs (mvn -pl lean -am package, tests skipped)"
mvn -B -o -q -pl lean -am package -DskipTests
rm -rf "$out" "$archive"
mkdir -p "$out/lib" "$out/bin" "$out/trainers/pytorch" "$out/protocol/src/main/proto/cohort/trainer/v1"
touch "$out/$marker"
cp lean/target/lean-lib/*.jar "$out/lib/"

# Jars store their classes deflated one by one, which leaves xz nothing to find across them: stored
# (uncompressed) jars compress to less than half as much in the archive (39.5 MB against 88.6 MB).
# Same entries, same bytes, so a signed jar (Bouncy Castle's provider) keeps a valid signature.
step "re-storing $(ls "$out/lib" | wc -l) jars uncompressed, for the archive's compression"
# A class of DL4J, ND4J or JavaCPP in any jar (by content, not by the jar's name) stops the build.
/usr/bin/env python3 - "$out/lib" <<'PY'
import os, sys, zipfile
lib = sys.argv[1]
banned = ("org/deeplearning4j/", "org/nd4j/", "org/bytedeco/")
for name in sorted(os.listdir(lib)):
    path = os.path.join(lib, name)
    tmp = path + ".stored"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            if info.filename.startswith(banned):
                sys.exit("%s holds %s: Deeplearning4j reached the lean build (check lean/pom.xml's exclusions)"
                         % (name, info.filename))
            data = src.read(info)
            info.compress_type = zipfile.ZIP_STORED
            dst.writestr(info, data)
    os.replace(tmp, path)
PY

# The runtime: the JDK modules the jars use (jdeps), and those reached by name at run time (TLS's elliptic
# curves, DNS names, the management beans Hazelcast and the metrics read, the unsupported Unsafe Netty and
# Hazelcast use, the HTTP client of the OIDC key fetch, the zip file system).
step "finding the JDK modules the jars use (jdeps)"
modules=$(jdeps --ignore-missing-deps --multi-release 21 --print-module-deps --class-path "$out/lib/*" \
  "$out"/lib/cohort-*.jar 2>/dev/null | tail -1 || true)
[[ "$modules" =~ ^[a-z0-9.,]+$ ]] || modules="java.se" # jdeps could not tell: the whole Java SE
modules="$modules,java.base,java.logging,java.management,jdk.management,java.naming,jdk.naming.dns,java.sql"
modules="$modules,jdk.unsupported,jdk.crypto.ec,java.net.http,jdk.zipfs,java.instrument,jdk.crypto.cryptoki"
step "jlink: $modules"
jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --output "$out/runtime"

# The launchers: the agent and coordinator log through logback; the cohort tool prints only what it answers.
flags='--enable-native-access=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED'
flags="$flags --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED"
flags="$flags --add-opens java.management/sun.management=ALL-UNNAMED"
flags="$flags --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED"
flags="$flags --add-exports java.base/jdk.internal.ref=ALL-UNNAMED"
# JDK 23 and later warn about sun.misc.Unsafe's memory access (Netty, Hazelcast) unless allowed; 21 has no flag.
feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$out/runtime/release")
[ "${feature:-0}" -ge 23 ] && flags="$flags --sun-misc-unsafe-memory-access=allow"
launcher() { # NAME MAIN_CLASS
  cat >"$out/bin/$1" <<EOF
#!/bin/sh
# $1 of Cohort's lean build: the bundled Java runtime, the jars in lib/. JAVA_OPTS adds JVM options, split
# on spaces (never globbed).
set -f
self="\$(readlink -f -- "\$0")"
home="\$(dirname -- "\$(dirname -- "\$self")")"
exec "\$home/runtime/bin/java" $flags -Dcohort.home="\$home" \$JAVA_OPTS -cp "\$home/lib/*" $2 "\$@"
EOF
  chmod 755 "$out/bin/$1"
}
launcher cohort-coordinator org.cohort.coordinator.CoordinatorApplication
launcher cohort-agent org.cohort.agent.SiteAgent
launcher cohort org.cohort.cli.Cohort

# What a person unpacking it reads first.
version=$(sed -n '0,/<version>/s/.*<version>\(.*\)<\/version>.*/\1/p' pom.xml)
[ -n "$version" ] || { echo "cannot read the project's version from pom.xml" >&2; exit 1; }
printf 'Cohort %s, the lean build for Linux x86_64:\n' "$version" >"$out/README.txt"
cat >>"$out/README.txt" <<'EOF'
the coordinator, the site agent and the cohort tool without Deeplearning4j, with their own Java runtime.
Training runs in the reference PyTorch worker (trainers/pytorch/), which needs python3 with PyTorch
(Debian's python3-torch or PyTorch 2.x), grpcio and protobuf, and protoc or grpcio-tools.

  bin/cohort-coordinator --cohort.coordinator.data-dir=cohort-data     the coordinator (REST 8080, agents 9443)
  bin/cohort sites invite NAME --out NAME.join                        a join code for a hospital
  bin/cohort-agent init --join NAME.join --data FILE_OR_FOLDER --work-dir DIR --out agent.properties
  echo "trainer.modules=/path/to/modules" >> agent.properties          the PyTorch modules this site holds
  bin/cohort-agent check --config agent.properties                    says what to fix; exit 0 when ready
  bin/cohort-agent --config agent.properties                          the agent

A lean coordinator runs studies that name a PyTorch module (model.module) and refuses any other model;
a lean agent trains and evaluates them through the worker. Presets, DL4J configurations and Keras
files need the full build. JAVA_OPTS adds JVM options to every launcher. The project's README,
section "The lean build: no Deeplearning4j", has the rest.
EOF

# The reference PyTorch worker and the protocol it compiles its stubs from (trainer.command points here).
cp trainers/pytorch/*.py "$out/trainers/pytorch/"
cp protocol/src/main/proto/cohort/trainer/v1/trainer.proto "$out/protocol/src/main/proto/cohort/trainer/v1/"

step "smoke test: each program answers --version, and the coordinator starts and gets ready"
smoke="$(mktemp -d)"
for program in cohort-coordinator cohort-agent cohort; do
  "$out/bin/$program" --version >/dev/null 2>"$smoke/version.log" \
    || { echo "bin/$program --version failed with the bundled runtime:" >&2; cat "$smoke/version.log" >&2; exit 1; }
done
port=$(/usr/bin/env python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$out/bin/cohort-coordinator" --cohort.coordinator.data-dir="$smoke/data" --server.port="$port" \
  --cohort.coordinator.grpc-port=0 >"$smoke/coordinator.log" 2>&1 &
coordinator=$!
ready=""
for _ in $(seq 90); do
  if /usr/bin/env python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
      "http://127.0.0.1:$port/actuator/health/readiness" 2>/dev/null; then ready=yes; break; fi
  kill -0 "$coordinator" 2>/dev/null || break
  sleep 1
done
kill "$coordinator" 2>/dev/null || true
wait "$coordinator" 2>/dev/null || true
if [ -z "$ready" ]; then
  echo "the lean coordinator did not get ready on the bundled runtime; its log:" >&2
  tail -40 "$smoke/coordinator.log" >&2
  exit 1
fi
step "the lean coordinator got ready ($(grep -o 'Started CoordinatorApplication in [0-9.]* seconds' "$smoke/coordinator.log"))"
rm -rf "$smoke"

if [ "${COHORT_LEAN_ARCHIVE:-1}" = 0 ]; then # scripts/build-gpu-bundle.sh adds to the folder, then packs it
  step "the folder is ready in $out (no archive: COHORT_LEAN_ARCHIVE=0)"
  exit 0
fi
step "packing $archive (xz -9)"
tar -C "$(dirname "$out")" --owner=0 --group=0 --numeric-owner --mode=go-w -cf - "$(basename "$out")" \
  | xz -9e -T0 >"$archive"

size() { du -sb "$1" | cut -f1; }
mb() { awk -v b="$1" 'BEGIN { printf "%6.1f MB", b / 1e6 }'; }
runtime=$(size "$out/runtime"); jars=$(size "$out/lib"); total=$(size "$out"); packed=$(size "$archive")
printf '\n%-44s %s\n' "runtime (jlink, $(echo "$modules" | tr ',' '\n' | sort -u | wc -l) modules), unpacked" "$(mb "$runtime")"
printf '%-44s %s\n' "jars ($(ls "$out/lib" | wc -l): coordinator, agent, cli), unpacked" "$(mb "$jars")"
printf '%-44s %s\n' "the whole bundle, unpacked" "$(mb "$total")"
printf '%-44s %s  (limit %s, %.0f%% of it)\n' "$(basename "$archive")" "$(mb "$packed")" "$(mb "$limit")" \
  "$(awk -v p="$packed" -v l="$limit" 'BEGIN { print 100 * p / l }')"
if [ "$packed" -gt "$limit" ]; then
  echo "the lean bundle is over 64 MB compressed" >&2
  exit 1
fi
