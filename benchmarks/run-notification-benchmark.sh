#!/usr/bin/env bash
# The notification outbox benchmark (issue 6), reproducibly:
#   1. a fresh database chargebot_bench_notify on the machine's PostgreSQL;
#   2. two platform jars (two replicas, each with its dispatcher and the firebase-admin adapter)
#      against it, pointed at a local FCM stand-in run by the benchmark (io.chargebot.bench.NotificationBenchmark);
#   3. N users with a device each and N PENDING notifications committed at once; measured from that
#      commit until every row is SENT (at most --timeout, default 60 s): notifications/s, duplicates;
#   4. the summary written to benchmarks/results/notifications-<date>.md; replicas stopped, database dropped.
#
# Usage: benchmarks/run-notification-benchmark.sh [--notifications=20000] [--timeout=60s]
# Environment: PGHOST/PGPORT/PGUSER, PLATFORM_JAR, SERVER_JAVA_OPTS, BENCH_JAVA_OPTS, RESULTS_DIR as for
# run-parking-benchmark.sh; BENCH_DB_NAME (default chargebot_bench_notify).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_NAME=notifications
BENCH_DEFAULT_DB=chargebot_bench_notify
BENCH_START_SERVER=0
SERVER_ENV=()
# shellcheck source=bench-platform.sh
source "$HERE/bench-platform.sh"

REPORT=$RESULTS_DIR/notifications-$(date +%F).md
[[ -e $REPORT ]] && REPORT=$RESULTS_DIR/notifications-$(date +%F-%H%M%S).md
JDBC_URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB_NAME?user=$PGUSER"
if [[ -n ${BENCH_DATABASE_URL:-} ]]; then
  JDBC_URL="jdbc:${BENCH_DATABASE_URL/#postgres:\/\//postgresql://}"
fi

LOAD_BEFORE=$(uptime)
set +e
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -cp "$BENCH_JAR" io.chargebot.bench.NotificationBenchmark \
  --platform-jar="$PLATFORM_JAR" --database-url="$JDBC_URL" --server-java-opts="${SERVER_JAVA_OPTS:--Xmx512m}" \
  --results="$REPORT" "$@"
BENCH_RC=$?
set -e
finish_run "$BENCH_RC"
