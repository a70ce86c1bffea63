#!/usr/bin/env sh
# Unpacks the googleapis protos (google/api, google/rpc, google/type) from the proto-google-common-protos jar in
# the local Maven repository into proto/target/buf-deps, the second module of buf.yaml, so `buf lint` can resolve
# imports. Run from anywhere after `./mvnw -pl proto install`; then run `buf lint` in the repository root.
set -eu
cd "$(dirname "$0")"
version=$(sed -n 's:.*<common-protos.version>\(.*\)</common-protos.version>.*:\1:p' ../pom.xml)
jar="${HOME}/.m2/repository/com/google/api/grpc/proto-google-common-protos/${version}/proto-google-common-protos-${version}.jar"
if [ ! -f "$jar" ]; then
  echo "proto-google-common-protos not found in ~/.m2; run ./mvnw -pl proto install first" >&2
  exit 1
fi
mkdir -p target/buf-deps
(cd target/buf-deps && unzip -qo "$jar" 'google/*')
