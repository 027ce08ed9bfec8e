#!/usr/bin/env bash
# Builds a small PostgreSQL image for the Testcontainers fallback of the integration tests
# (see coordinator/src/test/.../testing/TestPostgres.java) from this machine's own PostgreSQL
# installation, for machines whose Docker cannot pull from a registry. It behaves like the
# official image as far as Testcontainers needs: POSTGRES_USER/PASSWORD/DB, password auth over
# TCP, and "database system is ready to accept connections" logged twice (init, then serve).
#   scripts/postgres-test-image.sh                # builds cohort/postgres-test:local
#   mvn -B verify -Dcohort.test.postgres.url=jdbc:postgresql://127.0.0.1:1/none \
#       -Dcohort.test.postgres.image=cohort/postgres-test:local   # forces the container path
set -euo pipefail
image="${1:-cohort/postgres-test:local}"
version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
bin="/usr/lib/postgresql/$version/bin"
[ -x "$bin/postgres" ] || { echo "no PostgreSQL server installed under /usr/lib/postgresql" >&2; exit 1; }

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,tmp,etc,var/lib/postgresql,usr/lib/postgresql,usr/share/postgresql,lib64,lib/x86_64-linux-gnu}
chmod 755 "$root"; chmod 1777 "$root/tmp"
cp -a "/usr/lib/postgresql/$version" "$root/usr/lib/postgresql/"
cp -a "/usr/share/postgresql/$version" "$root/usr/share/postgresql/"
cp /bin/dash "$root/bin/sh"
cp -a /usr/share/zoneinfo "$root/usr/share/"
# Shared libraries of everything the entry point runs (copied, not linked, into the image).
for exe in "$bin"/{postgres,initdb,pg_ctl,psql} /bin/dash; do
  ldd "$exe" | awk '/=> \//{print $3} /^\s*\/lib/{print $1}'
done | sort -u | while read -r lib; do cp -L "$lib" "$root$lib" 2>/dev/null || cp -L "$lib" "$root/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
echo "postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh" > "$root/etc/passwd"
echo "postgres:x:999:" > "$root/etc/group"
chown -R 999:999 "$root/var/lib/postgresql"
cat > "$root/entrypoint.sh" <<SCRIPT
#!/bin/sh
set -e
bin=$bin
export PGDATA=/var/lib/postgresql/data
user="\${POSTGRES_USER:-postgres}"
if [ ! -s "\$PGDATA/PG_VERSION" ]; then
  echo "\${POSTGRES_PASSWORD:-postgres}" > /tmp/pwfile
  "\$bin/initdb" -U "\$user" --pwfile=/tmp/pwfile --auth-local=trust --auth-host=scram-sha-256 -D "\$PGDATA" >/dev/null
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "\$PGDATA/pg_hba.conf"
  "\$bin/pg_ctl" -D "\$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/tmp" -w start
  if [ -n "\$POSTGRES_DB" ] && [ "\$POSTGRES_DB" != postgres ]; then
    "\$bin/psql" -h /tmp -U "\$user" -d postgres -q -c "CREATE DATABASE \\"\$POSTGRES_DB\\""
  fi
  "\$bin/pg_ctl" -D "\$PGDATA" -m fast -w stop
fi
[ "\$1" = postgres ] && shift
exec "\$bin/postgres" -c listen_addresses='*' -c unix_socket_directories=/tmp "\$@"
SCRIPT
chmod 755 "$root/entrypoint.sh"
tar -C "$root" -c . | docker import --change 'USER 999' --change 'ENTRYPOINT ["/entrypoint.sh"]' \
  --change 'CMD ["postgres"]' --change 'EXPOSE 5432' - "$image"
echo "built $image (PostgreSQL $version)"
