#!/usr/bin/env bash
# The whole parking benchmark, reproducibly:
#   1. a fresh database chargebot_bench on the machine's PostgreSQL (or BENCH_DATABASE_URL as given);
#   2. the platform jar started against it with --no-demo-data, timed from launch to its READY line;
#   3. 100,000 lots seeded over South Korea (40% in Seoul), 4 spots and 7 business-hour rows each;
#   4. the server's idle RSS;
#   5. Health/Check, ListParkingLots over gRPC, ListParkingLots over the gateway as gRPC-Web (and a
#      control run), each 10 s warm-up + 30 s measured at 32 concurrent callers;
#   6. a summary with the ratios, also written to benchmarks/results/parking-<date>.md;
#   7. the server stopped (SIGTERM) and the benchmark database dropped.
#
# Usage: benchmarks/run-parking-benchmark.sh [extra ParkingBenchmark flags, e.g. --duration=60s]
# Environment:
#   BENCH_DATABASE_URL  use this database (postgres://user@host:port/db) instead of creating one; it is
#                       neither created nor dropped, and seeded only if parking_lots is empty
#   PGHOST/PGPORT/PGUSER  the PostgreSQL that gets chargebot_bench (default 127.0.0.1, 5432, postgres)
#   BENCH_DB_NAME       name of the created database (default chargebot_bench)
#   PLATFORM_JAR        the platform jar (default platform/target/chargebot-platform.jar, built if missing)
#   SERVER_JAVA_OPTS    JVM options for the server; BENCH_JAVA_OPTS for the load client
#   CHARGEBOT_LOG_LEVEL passed to the server as is (its default INFO includes the gateway's access log)
#   RESULTS_DIR         where the Markdown goes (default benchmarks/results)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_NAME=parking
BENCH_DEFAULT_DB=chargebot_bench
SERVER_ENV=()
# shellcheck source=bench-platform.sh
source "$HERE/bench-platform.sh"

# --- benchmark ---------------------------------------------------------------------------------------
REPORT=$RESULTS_DIR/parking-$(date +%F).md
[[ -e $REPORT ]] && REPORT=$RESULTS_DIR/parking-$(date +%F-%H%M%S).md

LOAD_BEFORE=$(uptime)
set +e
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -jar "$BENCH_JAR" \
  --grpc="$GRPC" --gateway="$GATEWAY" --database-url="$DATABASE_URL" \
  --server-pid="$SERVER_PID" --server-start-ms="$START_MS" \
  --seed-lots=100000 --concurrency=32 --warmup=10s --duration=30s \
  --markdown="$REPORT" "$@"
BENCH_RC=$?
set -e
finish_run "$BENCH_RC"
