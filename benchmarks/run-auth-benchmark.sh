#!/usr/bin/env bash
# The accounts benchmark (issue 3), reproducibly:
#   1. a fresh database chargebot_bench_auth on the machine's PostgreSQL;
#   2. the platform jar started against it with a known admin password;
#   3. Health/Check and authenticated GetUser(users/me) at 32 callers, then SignIn (argon2id) at 200
#      callers, each 10 s warm-up + 30 s measured (io.chargebot.bench.AuthBenchmark);
#   4. the summary written to benchmarks/results/auth-<date>.md; server stopped, database dropped.
#
# Usage: benchmarks/run-auth-benchmark.sh [extra AuthBenchmark flags, e.g. --duration=60s]
# Environment: PGHOST/PGPORT/PGUSER, PLATFORM_JAR, SERVER_JAVA_OPTS, BENCH_JAVA_OPTS, RESULTS_DIR as for
# run-parking-benchmark.sh; BENCH_DB_NAME (default chargebot_bench_auth).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
PLATFORM_JAR=${PLATFORM_JAR:-$ROOT/platform/target/chargebot-platform.jar}
BENCH_JAR=$HERE/target/chargebot-benchmarks.jar
RESULTS_DIR=${RESULTS_DIR:-$HERE/results}
WORK_DIR=$HERE/target/bench-auth-run
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
DB_NAME=${BENCH_DB_NAME:-chargebot_bench_auth}
ADMIN_PASSWORD="auth benchmark admin passphrase $RANDOM$RANDOM"
export PGHOST PGPORT PGUSER
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

say() { printf '[run %(%H:%M:%S)T] %s\n' -1 "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }

command -v java >/dev/null || die "java not found"
mkdir -p "$WORK_DIR" "$RESULTS_DIR"

# --- build what is missing ---------------------------------------------------------------------------
if [[ ! -f $PLATFORM_JAR ]]; then
  say "building the platform jar"
  (cd "$ROOT" && ./mvnw -B -q -o -pl platform -am package -DskipTests) || die "platform build failed"
fi
if [[ ! -f $BENCH_JAR ]] || [[ -n $(find "$HERE/src" "$HERE/pom.xml" -newer "$BENCH_JAR" -print -quit) ]]; then
  say "building the benchmark jar"
  (cd "$ROOT" && ./mvnw -B -q -o -pl benchmarks package) \
    || (cd "$ROOT" && ./mvnw -B -q -pl benchmarks package) || die "benchmark build failed"
fi

# --- database ----------------------------------------------------------------------------------------
CREATED_DB=0
SERVER_PID=
cleanup() {
  local rc=$?
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    say "stopping the server (pid $SERVER_PID, SIGTERM)"
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      say "server still running after 30 s; SIGKILL"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ $CREATED_DB == 1 ]]; then
    say "dropping database $DB_NAME"
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" \
      || say "could not drop $DB_NAME"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n ${BENCH_DATABASE_URL:-} ]]; then
  DATABASE_URL=$BENCH_DATABASE_URL
  say "using BENCH_DATABASE_URL (not created, not dropped)"
else
  command -v psql >/dev/null || die "psql not found (or set BENCH_DATABASE_URL)"
  pg_isready -q -h "$PGHOST" -p "$PGPORT" || die "PostgreSQL at $PGHOST:$PGPORT is not accepting connections"
  say "creating a fresh database $DB_NAME on $PGHOST:$PGPORT"
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)"
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$DB_NAME\""
  CREATED_DB=1
  DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB_NAME"
fi

# --- server ------------------------------------------------------------------------------------------
SERVER_LOG=$WORK_DIR/server.log
say "starting the platform: java ${SERVER_JAVA_OPTS:-} -jar $(basename "$PLATFORM_JAR") --grpc-port=0 --gateway-port=0 --no-demo-data"
START_NS=$(date +%s%N)
# shellcheck disable=SC2086
CHARGEBOT_LOG_LEVEL=${CHARGEBOT_LOG_LEVEL:-WARN} CHARGEBOT_ADMIN_PASSWORD=$ADMIN_PASSWORD DATABASE_URL=$DATABASE_URL java ${SERVER_JAVA_OPTS:-} -jar "$PLATFORM_JAR" \
  --grpc-port=0 --gateway-port=0 --no-demo-data >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

READY=
for _ in $(seq 1 12000); do   # 10 ms steps, 120 s at most
  if READY=$(grep -m1 -a '^CHARGEBOT READY ' "$SERVER_LOG" 2>/dev/null); then
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -50 "$SERVER_LOG" >&2; die "the server exited during start"; }
  sleep 0.01
done
READY_NS=$(date +%s%N)
[[ -n $READY ]] || { tail -50 "$SERVER_LOG" >&2; die "no READY line within 120 s"; }
START_MS=$(( (READY_NS - START_NS) / 1000000 ))
say "server ready in ${START_MS} ms (pid $SERVER_PID): $READY"

GRPC=$(sed -E 's/.* grpc=([^ ]+).*/\1/' <<<"$READY")
GATEWAY=$(sed -E 's/.* gateway=([^ ]+).*/\1/' <<<"$READY")

# --- benchmark ---------------------------------------------------------------------------------------
REPORT=$RESULTS_DIR/auth-$(date +%F).md
[[ -e $REPORT ]] && REPORT=$RESULTS_DIR/auth-$(date +%F-%H%M%S).md

set +e
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -cp "$BENCH_JAR" io.chargebot.bench.AuthBenchmark \
  --grpc="$GRPC" --admin-password="$ADMIN_PASSWORD" --server-pid="$SERVER_PID" \
  --results="$REPORT" "$@"
BENCH_RC=$?
set -e

kill -0 "$SERVER_PID" 2>/dev/null || say "WARNING: the server died during the benchmark (log: $SERVER_LOG)"
if grep -a -q -E ' (ERROR|WARN) ' "$SERVER_LOG"; then
  say "server log warnings/errors (first 10; full log: $SERVER_LOG):"
  grep -a -E ' (ERROR|WARN) ' "$SERVER_LOG" | head -10
fi
[[ $BENCH_RC == 0 ]] || say "benchmark exited with $BENCH_RC (calls failed: see the report)"
exit "$BENCH_RC"
