#!/usr/bin/env bash
# Runs deploy/compose/compose.yaml end to end: PostgreSQL, three coordinator replicas, three Heart
# Disease hospitals; issues enrollment tokens, creates a study with patient-level DP and secure
# aggregation (study.json), runs it to completion, prints the round history and ε, then tears
# everything down (volumes included; KEEP=1 leaves it running). Images: deploy/images/build.sh.
# Usage: deploy/compose/run.sh            (logs of every container end up in $COHORT_COMPOSE_LOGS, else a new
#                                          mktemp -d directory it names)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export COHORT_HEART_DATA="${COHORT_HEART_DATA:-$(cd "$repo/.." && pwd)/shared/datasets/fed-heart-disease}"
# A fresh private directory unless one is named: a fixed /tmp path could be another user's, planted first.
logs="${COHORT_COMPOSE_LOGS:-$(mktemp -d /tmp/cohort-compose-logs.XXXXXX)}"
project=cohort-compose
sites=(cleveland hungarian va)
rest_ports=(8081 8082 8083)
agent_addresses="localhost:9441,localhost:9442,localhost:9443"
started=$SECONDS
mkdir -p "$logs"

say() { printf '[%4ds] %s\n' "$((SECONDS - started))" "$*"; }
fail() { say "FAILED: $*" >&2; exit 1; }

for tool in docker curl jq; do command -v "$tool" >/dev/null || fail "run.sh needs $tool"; done
if ! docker version >/dev/null 2>&1; then fail "docker cannot reach a daemon"; fi
export DOCKER_API_VERSION="${DOCKER_API_VERSION:-$(docker version --format '{{.Server.APIVersion}}')}"
if docker compose version >/dev/null 2>&1; then compose_cmd=(docker compose); else compose_cmd=(docker-compose); fi
compose() { "${compose_cmd[@]}" -p "$project" -f "$here/compose.yaml" "$@"; }
for image in cohort-coordinator:latest cohort-agent:latest cohort-postgres:15; do
  docker image inspect "$image" >/dev/null 2>&1 || fail "no image $image: run deploy/images/build.sh first"
done
for s in "${sites[@]}"; do
  [ -r "$COHORT_HEART_DATA/processed.$s.data" ] || fail "no $COHORT_HEART_DATA/processed.$s.data (set COHORT_HEART_DATA)"
done

# Secrets of this run only: the CA keystore's password and the database's, as compose secrets (files
# in a private directory, removed at the end), never in an environment variable or on a command line.
secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
COHORT_SECRETS="$(mktemp -d "${TMPDIR:-/tmp}/cohort-compose-secrets.XXXXXX")" # 0700
export COHORT_SECRETS
(
  umask 077
  secret >"$COHORT_SECRETS/ca-password"
  secret >"$COHORT_SECRETS/db-password"
  cp "$COHORT_SECRETS/db-password" "$COHORT_SECRETS/postgres-password"
)
# Compose bind-mounts secret files with their owner and mode: each owner-only (0400) for the user
# that reads it (the coordinator's 10001, the PostgreSQL image's postgres). The coordinator refuses a
# keystore password file that others could read.
docker run --rm --network none --user 0 --entrypoint /bin/sh -v "$COHORT_SECRETS:/s" cohort-postgres:15 -c \
  'chown postgres:postgres /s/postgres-password && chown 10001:10001 /s/ca-password /s/db-password && chmod 0400 /s/*'

teardown() {
  local rc=$?
  mkdir -p "$logs"
  compose logs --no-color --timestamps >"$logs/compose.log" 2>&1 || true
  if [ "${KEEP:-0}" = 1 ]; then
    say "left running (KEEP=1): ${compose_cmd[*]} -p $project -f $here/compose.yaml down -v; then rm -rf $COHORT_SECRETS"
  else
    say "tearing down (containers and volumes); container logs: $logs/compose.log"
    compose down -v --timeout 30 >/dev/null 2>&1 || true
    rm -rf "$COHORT_SECRETS"
  fi
  say "done in $((SECONDS - started)) s, exit $rc"
}
compose down -v --timeout 10 >/dev/null 2>&1 || true
trap teardown EXIT

# REST helper: api METHOD PORT TOKEN PATH [JSON]. The token goes to curl on its standard input
# (-H @-; printf is a shell builtin), never on a command line that ps or /proc shows other users.
api() {
  local args=(-sS --fail-with-body -X "$1" -H @- "http://127.0.0.1:$2/api$4")
  if [ $# -ge 5 ]; then args+=(-H 'Content-Type: application/json' --data-binary "$5"); fi
  printf 'Authorization: Bearer %s\n' "$3" | curl "${args[@]}"
}
ready() { curl -sf "http://127.0.0.1:$1/actuator/health/readiness" 2>/dev/null | grep -q '"UP"'; }

say "starting PostgreSQL and coordinator-1 (it creates the CA in the shared data volume)"
compose up -d postgres coordinator-1 2>&1 | sed 's/^/    /'
t0=$SECONDS
live() { curl -sf "http://127.0.0.1:$1/actuator/health/liveness" 2>/dev/null | grep -q '"UP"'; }
until live 8081; do sleep 1; [ $((SECONDS - t0)) -lt 300 ] || fail "coordinator-1 not started in 300 s"; done
say "coordinator-1 started ($((SECONDS - t0)) s; not ready alone: it needs a majority of the 3 replicas)"
say "starting coordinator-2 and coordinator-3"
t0=$SECONDS
compose up -d coordinator-2 coordinator-3 2>&1 | sed 's/^/    /'
until ready 8081 && ready 8082 && ready 8083; do sleep 1; [ $((SECONDS - t0)) -lt 300 ] || fail "replicas not ready in 300 s"; done
say "all three replicas ready ($((SECONDS - t0)) s after starting coordinator-2 and -3)"

token() { compose exec -T coordinator-1 cat "/var/lib/cohort/$1-token"; }
operator="$(token operator)"
ml="$(token ml)"
compliance="$(token compliance)"
for i in 0 1 2; do
  api GET "${rest_ports[$i]}" "$compliance" /status |
    jq -r --arg n "coordinator-$((i + 1))" '"    \($n): cluster members \(.clusterMembers), in quorum \(.inQuorum), drives rounds \(.drivesRounds)"'
done

study_id="$(api POST 8082 "$ml" /studies "$(cat "$here/study.json")" | jq -r .studyId)"
say "study $study_id created on coordinator-2 by the ML team's token: $(jq -c '{rounds, minSites, privacy: {mode: .privacy.mode, epsilonBudget: .privacy.epsilonBudget, delta: .privacy.delta}, secureAggregation}' "$here/study.json")"
terms_line="$(api GET 8083 "$ml" "/studies/$study_id/terms" | jq -r .agentProperty)"
say "terms every site's admin pins: $terms_line"

compose up --no-start agent-cleveland agent-hungarian agent-va >/dev/null 2>&1
for s in "${sites[@]}"; do
  enrollment="$(api POST 8081 "$operator" /enrollment-tokens "{\"siteName\":\"$s\",\"ttlMinutes\":60}")"
  # Declared training size (public, the FedAvg weight): complete rows (slope, ca, thal dropped) × (1 − testFraction).
  rows="$(awk -F, '{ok=1; for (i = 1; i <= 10; i++) if ($i == "?") ok=0; n+=ok} END {print n}' "$COHORT_HEART_DATA/processed.$s.data")"
  declared=$(((rows * 3 + 2) / 4))
  # agent.properties into the site's config volume, owner-only for the agent's user (10001).
  docker run --rm -i --network none --user 0 --entrypoint /bin/sh -v "${project}_$s-config:/etc/cohort" \
    cohort-agent:latest -c 'umask 077 && cat >/etc/cohort/agent.properties && chown 10001:10001 /etc/cohort/agent.properties' <<PROPS
site.name=$s
coordinator.addresses=$agent_addresses
coordinator.ca-fingerprint=$(jq -r .caFingerprint <<<"$enrollment")
enrollment.token=$(jq -r .token <<<"$enrollment")
data.path=/data/site.data
work.dir=/var/lib/cohort-agent
studies.accepted=$study_id
study.$study_id.training-examples=$declared
$terms_line
PROPS
  say "site $s: enrollment token issued by the operator's token, agent.properties written ($rows complete rows, declares $declared for training)"
  agent_addresses="${agent_addresses#*,},${agent_addresses%%,*}" # the next site starts with the next replica
done

say "starting the three agents"
t0=$SECONDS
compose up -d agent-cleveland agent-hungarian agent-va 2>&1 | sed 's/^/    /'
until [ "$(api GET 8081 "$operator" /sites | jq '[.[] | select(.connected)] | length')" = 3 ]; do
  sleep 2
  [ $((SECONDS - t0)) -lt 300 ] || fail "the agents did not all connect within 300 s"
done
say "3 sites enrolled and connected ($((SECONDS - t0)) s)"
api GET 8081 "$operator" /sites | jq -r '.[] | "    \(.siteName) \(.siteId)"'

api POST 8081 "$ml" "/studies/$study_id/start" >/dev/null
say "study started"
t0=$SECONDS
shown=""
while :; do
  status="$(api GET 8083 "$ml" "/studies/$study_id" | jq -r .status)"
  progress="$(api GET 8082 "$ml" "/studies/$study_id/rounds" | jq -r '[.[] | "\(.kind) \(.roundNumber)/\(.attempt) \(.status)"] | join(", ")')"
  if [ "$progress" != "$shown" ]; then say "  $status: $progress"; shown="$progress"; fi
  case "$status" in COMPLETED | FAILED | STOPPED) break ;; esac
  [ $((SECONDS - t0)) -lt 1800 ] || fail "study still $status after 1800 s"
  sleep 3
done
say "study $study_id $status after $((SECONDS - t0)) s"

echo
echo "round history (GET /api/studies/$study_id/rounds):"
api GET 8081 "$ml" "/studies/$study_id/rounds" | jq -r '
  ["round", "kind", "attempt", "status", "reported/selected", "train loss", "pooled acc", "seconds", "detail"],
  (.[] | [.roundNumber, .kind, .attempt, .status, "\(.reported | length)/\(.selected | length)",
          (if .trainLoss == null then "-" else (.trainLoss * 10000 | round / 10000) end),
          (if .evaluation == null then "-" else (.evaluation.pooledAccuracy * 1000 | round / 1000) end),
          (.durationMillis / 1000), (.detail // "")])
  | @tsv' | column -t -s $'\t' | sed 's/^/  /'
echo
echo "privacy (GET /api/studies/$study_id/privacy, compliance token):"
api GET 8082 "$compliance" "/studies/$study_id/privacy" >"$logs/privacy.json"
jq -r '.sites[] | "  \(.siteName): ε after each round \([.charges[] | "\(.roundNumber): \(.epsilonAfterText)"] | join(", "));"
  + " spent \(.spent.epsilonText) of \(.budget.epsilonText) (\(.spent.unitLabel), δ = \(.spent.deltaText), \(.spent.method))"' \
  "$logs/privacy.json"
echo "  (the evaluation round's noised counts are charged too; full statements in $logs/privacy.json)"
[ "$status" = COMPLETED ]
