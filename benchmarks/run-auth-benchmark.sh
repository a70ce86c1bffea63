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
BENCH_NAME=auth
BENCH_DEFAULT_DB=chargebot_bench_auth
ADMIN_PASSWORD="auth benchmark admin passphrase $RANDOM$RANDOM"
SERVER_ENV=(CHARGEBOT_LOG_LEVEL="${CHARGEBOT_LOG_LEVEL:-WARN}" CHARGEBOT_ADMIN_PASSWORD="$ADMIN_PASSWORD")
# shellcheck source=bench-platform.sh
source "$HERE/bench-platform.sh"

# --- benchmark ---------------------------------------------------------------------------------------
REPORT=$RESULTS_DIR/auth-$(date +%F).md
[[ -e $REPORT ]] && REPORT=$RESULTS_DIR/auth-$(date +%F-%H%M%S).md

LOAD_BEFORE=$(uptime)
set +e
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -cp "$BENCH_JAR" io.chargebot.bench.AuthBenchmark \
  --grpc="$GRPC" --admin-password="$ADMIN_PASSWORD" --server-pid="$SERVER_PID" \
  --results="$REPORT" "$@"
BENCH_RC=$?
set -e
finish_run "$BENCH_RC"
