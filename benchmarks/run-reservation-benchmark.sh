#!/usr/bin/env bash
# The reservations benchmark (issue 4), reproducibly:
#   1. a fresh database chargebot_bench_reservations on the machine's PostgreSQL;
#   2. the platform jar started against it (local SMS adapter, so drivers can sign up);
#   3. Health/Check, CreateReservation under contention, the raw INSERT rate of the same statement
#      through JDBC, and GetAvailability, each at 32 callers, 5 s warm-up + 30 s measured
#      (io.chargebot.bench.ReservationBenchmark); a self-join afterwards counts double bookings;
#   4. the summary written to benchmarks/results/reservations-<date>.md; server stopped, database dropped.
#
# Usage: benchmarks/run-reservation-benchmark.sh [extra ReservationBenchmark flags, e.g. --duration=60s]
# Environment: as for run-parking-benchmark.sh; BENCH_DB_NAME (default chargebot_bench_reservations).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_NAME=reservations
BENCH_DEFAULT_DB=chargebot_bench_reservations
# 32 sign-ups come from one address: lift the per-address hourly cap on verification codes.
SERVER_ENV=(CHARGEBOT_LOG_LEVEL="${CHARGEBOT_LOG_LEVEL:-WARN}" CHARGEBOT_VERIFICATION_PER_ADDRESS_HOURLY=1000
  CHARGEBOT_VERIFICATION_RESEND_COOLDOWN=0s)
# shellcheck source=bench-platform.sh
source "$HERE/bench-platform.sh"

REPORT=$RESULTS_DIR/reservations-$(date +%F).md
[[ -e $REPORT ]] && REPORT=$RESULTS_DIR/reservations-$(date +%F-%H%M%S).md

set +e
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -cp "$BENCH_JAR" io.chargebot.bench.ReservationBenchmark \
  --grpc="$GRPC" --database-url="$DATABASE_URL" --server-pid="$SERVER_PID" --results="$REPORT" "$@"
BENCH_RC=$?
set -e
finish_run "$BENCH_RC"
