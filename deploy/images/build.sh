#!/usr/bin/env bash
# Builds Cohort's container images without a registry:
#   cohort-base:bookworm      Debian bookworm minbase from Debian's packages (debootstrap), user cohort (10001)
#   cohort-runtime:<version>  + a jlink'd Java runtime (no JDK tools) under /opt/java
#   cohort-coordinator:<version>, cohort-agent:<version> (+ :latest)  + the executable jar
#   cohort-postgres:15        PostgreSQL 15 from Debian, for deploy/compose
# Idempotent: the debootstrap root filesystem and the runtime are cached under deploy/images/.cache/
# (delete it to start over); jars are built with Maven when missing (or with --rebuild-jars).
# Usage: deploy/images/build.sh [--rebuild-jars] [--no-postgres]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="$here/.cache"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
rebuild_jars=false
postgres=true
for arg in "$@"; do
  case "$arg" in
    --rebuild-jars) rebuild_jars=true ;;
    --no-postgres) postgres=false ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }
# docker build, without the classic builder's deprecation notice (its exit status is kept: pipefail).
dbuild() { docker build "$@" 2>&1 | { grep -vE 'DEPRECATED|BuildKit|environment-variable|^$' || true; }; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# The docker CLI may be newer than the daemon (Debian's 20.10 speaks API 1.41): ask the daemon.
if ! docker version >/dev/null 2>&1; then
  echo "docker cannot reach a daemon: start one (dockerd) and run this again" >&2
  exit 1
fi
if [ -z "${DOCKER_API_VERSION:-}" ]; then
  export DOCKER_API_VERSION="$(docker version --format '{{.Server.APIVersion}}')"
fi
# Classic builder: no buildx plugin needed, and FROM a local image never asks a registry.
export DOCKER_BUILDKIT=0

. "$repo/scripts/jdk-env.sh"
# The project's version: the first <version> of the root POM (it has no parent).
version="$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' "$repo/pom.xml" | head -1)"
tag="${version%-SNAPSHOT}"
mkdir -p "$cache"

step "1/5 base root filesystem: Debian bookworm minbase (debootstrap, cached in $cache)"
rootfs_tar="$cache/rootfs-bookworm.tar"
if [ ! -s "$rootfs_tar" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "debootstrap needs root: run this once as root (the result is cached)" >&2
    exit 1
  fi
  rootfs="$cache/rootfs-bookworm"
  if [ ! -e "$rootfs/.debootstrapped" ]; then
    rm -rf "$rootfs"
    # libgomp1: ND4J's native CPU backend (OpenMP); libc6 and libstdc++6 are in minbase already.
    debootstrap --variant=minbase --include=libgomp1 bookworm "$rootfs" "$mirror"
    touch "$rootfs/.debootstrapped"
  fi
  chroot "$rootfs" getent group cohort >/dev/null || chroot "$rootfs" groupadd --gid 10001 cohort
  chroot "$rootfs" getent passwd cohort >/dev/null || chroot "$rootfs" useradd --uid 10001 --gid 10001 --no-create-home --home-dir /var/lib/cohort \
    --shell /usr/sbin/nologin cohort
  install -d -m 0700 -o 10001 -g 10001 "$rootfs/var/lib/cohort" "$rootfs/var/lib/cohort-agent"
  install -d -m 0755 "$rootfs/etc/cohort" "$rootfs/data"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
  rm -f "$rootfs/.debootstrapped"
  tar --numeric-owner -C "$rootfs" -cf "$rootfs_tar.part" .
  mv "$rootfs_tar.part" "$rootfs_tar"
  rm -rf "$rootfs"
else
  echo "cached: $rootfs_tar"
fi
# Imported again when the image is gone or the cached root filesystem is newer than the import.
if ! have_image cohort-base:bookworm || [ "$rootfs_tar" -nt "$cache/base.imported" ]; then
  docker import --change 'CMD ["/bin/bash"]' "$rootfs_tar" cohort-base:bookworm
  touch "$cache/base.imported"
else
  echo "image cohort-base:bookworm is up to date"
fi

step "2/5 executable jars (coordinator, site agent)"
coordinator_jar="$repo/coordinator/target/cohort-coordinator-exec.jar"
agent_jar="$repo/site-agent/target/cohort-agent-exec.jar"
if $rebuild_jars || [ ! -s "$coordinator_jar" ] || [ ! -s "$agent_jar" ]; then
  (cd "$repo" && mvn -B -q -pl coordinator,site-agent -am package -DskipTests)
else
  echo "present: $(basename "$coordinator_jar"), $(basename "$agent_jar") (--rebuild-jars to rebuild)"
fi

step "3/5 Java runtime (jlink from $JAVA_HOME)"
# A fixed list (jdeps cannot see into the nested jars of a Spring Boot jar), checked by running both
# images end to end (deploy/compose/run.sh, ContainerFederationTest): Spring Boot and Tomcat (desktop
# for java.beans, naming, instrument, sql, management), Hazelcast (jdk.management), Netty and ND4J
# (jdk.unsupported), TLS (crypto.ec, jgss, sasl), JFR for diagnostics, DNS for member names.
modules=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,java.xml.crypto,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.charsets,jdk.localedata,jdk.jfr,jdk.management,jdk.management.jfr,jdk.naming.dns,jdk.net,jdk.unsupported,jdk.zipfs,jdk.httpserver
java_version="$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')"
runtime_key="$java_version $modules"
runtime="$cache/runtime"
if [ ! -x "$runtime/java/bin/java" ] || [ "$(cat "$runtime/key" 2>/dev/null)" != "$runtime_key" ]; then
  rm -rf "$runtime"
  mkdir -p "$runtime"
  "$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-6 --output "$runtime/java"
  echo "$runtime_key" >"$runtime/key"
else
  echo "cached: Java $java_version runtime"
fi
cp "$here/runtime/Dockerfile" "$runtime/Dockerfile"
dbuild -q -t "cohort-runtime:$tag" --label "org.cohort.java=$java_version" "$runtime"

step "4/5 images cohort-coordinator:$tag and cohort-agent:$tag"
build_app() { # name jar
  local ctx="$cache/context-$1"
  rm -rf "$ctx"
  mkdir -p "$ctx"
  cp "$here/$1/Dockerfile" "$ctx/"
  cp "$2" "$ctx/cohort-$1.jar"
  dbuild -q --build-arg "RUNTIME=cohort-runtime:$tag" --label "org.opencontainers.image.version=$version" \
    -t "cohort-$1:$tag" -t "cohort-$1:latest" "$ctx"
  rm -rf "$ctx"
}
build_app coordinator "$coordinator_jar"
build_app agent "$agent_jar"

step "5/5 image cohort-postgres:15 (for deploy/compose)"
if $postgres; then
  # apt-get inside the build: the host's network, since the daemon may have no bridge.
  dbuild -q --network host -t cohort-postgres:15 "$here/postgres"
else
  echo "skipped (--no-postgres)"
fi

step "images"
docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' |
  grep -E '^cohort-(base|runtime|coordinator|agent|postgres):' | sort | column -t
echo
echo "run one: docker run --rm cohort-coordinator:$tag --version; docker run --rm cohort-agent:$tag --version"
