# Shared by the run-*-benchmark.sh scripts (sourced, not run): builds what is missing, creates a
# fresh database (or uses BENCH_DATABASE_URL), starts the platform jar against it, waits for its
# READY line and sets GRPC, GATEWAY, SERVER_PID, START_MS and DATABASE_URL (with BENCH_START_SERVER=0
# only the build and DATABASE_URL, for a benchmark that starts its own servers); on exit it stops the
# server and drops the database. finish_run checks the server afterwards.
# The caller sets: HERE (the benchmarks directory), BENCH_NAME, BENCH_DEFAULT_DB and SERVER_ENV
# (an array of NAME=value for the server, may be empty); optionally PLATFORM_ARGS (an array of extra
# platform options, e.g. --robots=0) and EXTRA_PIDS (processes it started, stopped on exit).
# Environment: PGHOST/PGPORT/PGUSER, BENCH_DB_NAME, BENCH_DATABASE_URL, PLATFORM_JAR,
# SERVER_JAVA_OPTS, BENCH_JAVA_OPTS, CHARGEBOT_LOG_LEVEL, RESULTS_DIR.
set -euo pipefail

ROOT=$(dirname "$HERE")
PLATFORM_JAR=${PLATFORM_JAR:-$ROOT/platform/target/chargebot-platform.jar}
BENCH_JAR=$HERE/target/chargebot-benchmarks.jar
RESULTS_DIR=${RESULTS_DIR:-$HERE/results}
WORK_DIR=$HERE/target/bench-$BENCH_NAME
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
DB_NAME=${BENCH_DB_NAME:-$BENCH_DEFAULT_DB}
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
  for pid in ${EXTRA_PIDS:-}; do   # helpers the caller started (a private broker, say)
    kill "$pid" 2>/dev/null || true
  done
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

# --- server (BENCH_START_SERVER=0: the benchmark starts its own servers) ----------------------------
if [[ ${BENCH_START_SERVER:-1} == 1 ]]; then
  SERVER_LOG=$WORK_DIR/server.log
  say "starting the platform: java ${SERVER_JAVA_OPTS:-} -jar $(basename "$PLATFORM_JAR") --grpc-port=0 --gateway-port=0 --no-demo-data ${PLATFORM_ARGS[*]:-}"
  START_NS=$(date +%s%N)
  # shellcheck disable=SC2086
  env "${SERVER_ENV[@]}" DATABASE_URL="$DATABASE_URL" java ${SERVER_JAVA_OPTS:-} -jar "$PLATFORM_JAR" \
    --grpc-port=0 --gateway-port=0 --no-demo-data ${PLATFORM_ARGS[@]+"${PLATFORM_ARGS[@]}"} >"$SERVER_LOG" 2>&1 &
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
fi

# Reports server trouble after a run and exits with the benchmark's status.
finish_run() {
  local rc=$1
  # Other programs on the machine change every figure: record the load around the run in the report.
  if [[ -n ${REPORT:-} && -f $REPORT ]]; then
    printf '\nMachine load (`uptime`) before the runs: `%s`; after: `%s`.\n' \
      "$(sed -E 's/.*(load average.*)/\1/' <<<"${LOAD_BEFORE:-?}")" "$(uptime | sed -E 's/.*(load average.*)/\1/')" >>"$REPORT"
  fi
  if [[ -z $SERVER_PID ]]; then
    [[ $rc == 0 ]] || say "benchmark exited with $rc"
    exit "$rc"
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || say "WARNING: the server died during the benchmark (log: $SERVER_LOG)"
  if grep -a -q -E ' (ERROR|WARN) ' "$SERVER_LOG"; then
    say "server log warnings/errors (first 10; full log: $SERVER_LOG):"
    grep -a -E ' (ERROR|WARN) ' "$SERVER_LOG" | head -10
  fi
  [[ $rc == 0 ]] || say "benchmark exited with $rc (calls failed: see the report)"
  exit "$rc"
}
