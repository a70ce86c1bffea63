#!/usr/bin/env bash
# The robots benchmark (issue 5), reproducibly:
#   1. a fresh database chargebot_bench_telemetry on the machine's PostgreSQL;
#   2. the platform jar started against it with its robot bridge and no simulated robots (--robots=0), on the
#      machine's Mosquitto (BENCH_MQTT_URL, default tcp://127.0.0.1:1883) or, with BENCH_MQTT_URL=embedded, on the
#      platform's embedded HiveMQ CE, or with BENCH_MQTT_URL=private on a Mosquitto of its own (this machine's
#      mosquitto binary on a free port, configured as docs/robot-protocol.md recommends: max_queued_messages
#      100000, no persistence); the bridge gets a topic root and an MQTT client id of its own for this run;
#   3. io.chargebot.bench.TelemetryBenchmark: robots seeded by SQL, the broker's raw publish -> subscribe rate,
#      20 s of warm-up through the platform (not measured: JIT), then 60 s of QoS 1 telemetry through broker -> bridge ->
#      server -> PostgreSQL (stored/s, lost, duplicated,
#      latency), then 100 dispatches of warm-up and >= 250 measured (robot free -> GO_TO_SPOT command received,
#      p50/p99); with the private broker the closed loops' windows are 3000 (ingest) and 1500 (raw), see below;
#   4. the summary written to benchmarks/results/telemetry-<date>.md; server stopped, database dropped.
#
# Usage: benchmarks/run-telemetry-benchmark.sh [extra TelemetryBenchmark flags, e.g. --robots=100 --duration=30s]
# Environment: as for run-parking-benchmark.sh; BENCH_MQTT_URL; BENCH_DB_NAME (default chargebot_bench_telemetry);
# SERVER_JAVA_OPTS (e.g. "-XX:StartFlightRecording=filename=/tmp/server.jfr,settings=profile" to profile).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_NAME=telemetry
BENCH_DEFAULT_DB=chargebot_bench_telemetry
RUN_ID=$(date +%s)
TOPIC_ROOT="bench$RUN_ID/chargebot/v1/robots"
MQTT=${BENCH_MQTT_URL:-tcp://127.0.0.1:1883}
SERVER_ENV=(CHARGEBOT_LOG_LEVEL="${CHARGEBOT_LOG_LEVEL:-WARN}" CHARGEBOT_MQTT_TOPIC_ROOT="$TOPIC_ROOT"
  CHARGEBOT_BRIDGE_ID="bench-$RUN_ID")
PRIVATE_BROKER_PID=
if [[ $MQTT == private ]]; then
  command -v mosquitto >/dev/null || { echo "mosquitto not found" >&2; exit 1; }
  MQTT_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$HERE/target/bench-$BENCH_NAME"
  MQTT_CONF=$HERE/target/bench-$BENCH_NAME/mosquitto.conf
  PRIVATE_MAX_QUEUED=1000000000
  # The closed loops keep at most a window (500-1000) of messages queued. Mosquitto 2.0.11 nevertheless logged
  # "Outgoing messages are being dropped" for the raw subscriber after some 240,000 messages with a limit of 100,000
  # (apparently its count of queued messages drifts), and the raw phase lost its last window: no practical limit here.
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages %s\nset_tcp_nodelay true\n' \
    "$MQTT_PORT" "$PRIVATE_MAX_QUEUED" >"$MQTT_CONF"
  mosquitto -c "$MQTT_CONF" >"$HERE/target/bench-$BENCH_NAME/mosquitto.log" 2>&1 &
  PRIVATE_BROKER_PID=$!
  EXTRA_PIDS=$PRIVATE_BROKER_PID
  MQTT=tcp://127.0.0.1:$MQTT_PORT
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && break; sleep 0.05; done
fi
[[ $MQTT == embedded ]] || SERVER_ENV+=(MQTT_URL="$MQTT")
PLATFORM_ARGS=(--robots=0)
# shellcheck source=bench-platform.sh
source "$HERE/bench-platform.sh"

if [[ $MQTT == embedded ]]; then
  MQTT=$(grep -a -m1 -oE 'MQTT broker \(robots\) +tcp://[^ ]+' "$SERVER_LOG" | awk '{print $NF}')
  [[ -n $MQTT ]] || die "no embedded broker address in $SERVER_LOG"
  say "the platform's embedded broker: $MQTT"
fi

# The closed loops' windows. A private broker queues without limit, so they can be large enough that the platform,
# not the loop, is what limits the stored rate: at the benchmark's own defaults (ingest window 1000, raw 500) the
# machine's 2 cores were 10 % idle during ingest and the ingest window was full (session 11: 21,500-25,700 msg/s
# stored at 1000, 29,600 at 2000, 31,800-35,300 at 3000, 33,400 at 5000; raw 48,700 at 500, 50,300 at 1500). On
# another broker the defaults stay below a per-session queue limit of 1000 (Mosquitto's and HiveMQ's default).
# Flags given to this script come later and win.
WINDOW_ARGS=()
if [[ -n $PRIVATE_BROKER_PID ]]; then
  WINDOW_ARGS=(--window=3000 --raw-window=1500)
fi

REPORT=$RESULTS_DIR/telemetry-$(date +%F).md
[[ -e $REPORT ]] && REPORT=$RESULTS_DIR/telemetry-$(date +%F-%H%M%S).md
LOAD_BEFORE=$(uptime)

set +e
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -cp "$BENCH_JAR" io.chargebot.bench.TelemetryBenchmark \
  --mqtt-url="$MQTT" --topic-root="$TOPIC_ROOT" --database-url="$DATABASE_URL" --server-pid="$SERVER_PID" \
  --results="$REPORT" "${WINDOW_ARGS[@]}" "$@"
BENCH_RC=$?
set -e
if [[ -n $PRIVATE_BROKER_PID ]]; then
  kill "$PRIVATE_BROKER_PID" 2>/dev/null || true
  printf '\nBroker: a private mosquitto (%s) with max_queued_messages %s.\n' "$(mosquitto -h | head -1)" "$PRIVATE_MAX_QUEUED" >>"$REPORT"
  if grep -a -q "dropped for client" "$HERE/target/bench-$BENCH_NAME/mosquitto.log"; then
    printf 'Its log says it dropped outgoing messages: %s.\n' \
      "$(grep -a "dropped for client" "$HERE/target/bench-$BENCH_NAME/mosquitto.log" | sed 's/.*for client //; s/\.$//' | paste -sd, -)" >>"$REPORT"
  fi
fi
if [[ $MQTT == tcp://127.0.0.1:1883 ]] && grep -a -q "dropped for client chargebot-bridge-bench-$RUN_ID\|dropped for client bench-raw-sub" \
    /var/log/mosquitto/mosquitto.log 2>/dev/null; then
  printf '\nThe broker log says it dropped outgoing messages during this run (see the lost count).\n' >>"$REPORT"
fi
finish_run "$BENCH_RC"
