#!/usr/bin/env bash
# Starts the whole ChargeBot platform on this machine: embedded PostgreSQL (or DATABASE_URL), the gRPC
# server with demo data, the gRPC-Web/JSON gateway, an MQTT broker (embedded HiveMQ CE or MQTT_URL), the robot
# bridge and simulated robots. Builds the platform jar first when it is
# missing or older than the sources. Prints every address; Ctrl+C stops everything.
#   ./run-local.sh [--grpc-port=N] [--gateway-port=N] [--no-demo-data] [--robots=N] [--no-mqtt]
set -euo pipefail
cd "$(dirname "$0")"
jar=platform/target/chargebot-platform.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml proto server grpc-web-gateway robot-bridge platform -newer "$jar" -type f \
      \( -name '*.java' -o -name '*.proto' -o -name '*.sql' -o -name '*.yml' -o -name '*.xml' \) \
      -not -path '*/target/*' -print -quit)" ]; then
  echo "Building the platform (first run downloads dependencies from Maven Central)..."
  ./mvnw -B -q -pl platform -am package -DskipTests
fi
exec java ${CHARGEBOT_JAVA_OPTS:-} -jar "$jar" "$@"
