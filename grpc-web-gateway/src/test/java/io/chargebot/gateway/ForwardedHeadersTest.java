package io.chargebot.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.InternalMetadata;
import io.grpc.Metadata;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ForwardedHeadersTest {

    @Test
    void forwardsApplicationMetadataAndDropsTransportHeaders() {
        final Metadata incoming = metadata(
                ":path", "/chargebot.parking.v1.ParkingService/GetParkingLot", ":authority", "gateway",
                "authorization", "Bearer t", "x-request-id", "r1", "accept-language", "ko",
                "x-custom", "v", "traceparent", "00-abc-def-01",
                "content-type", "application/grpc-web+proto", "grpc-timeout", "5S", "te", "trailers",
                "connection", "keep-alive", "cookie", "a=b", "x-grpc-web", "1", "origin", "https://a.example",
                "sec-fetch-mode", "cors", "access-control-request-method", "POST", "grpc-encoding", "gzip");
        incoming.put(Metadata.Key.of("x-trace-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[] {1, 2, 3});

        final Metadata outgoing = ForwardedHeaders.toBackend(incoming, "unused",
                                                            new InetSocketAddress("192.0.2.7", 1234));

        assertThat(outgoing.keys()).containsExactlyInAnyOrder(
                "authorization", "x-request-id", "accept-language", "x-custom", "traceparent", "x-trace-bin",
                "x-forwarded-for");
        assertThat(outgoing.get(key("x-request-id"))).isEqualTo("r1");
        assertThat(outgoing.get(key("x-forwarded-for"))).isEqualTo("192.0.2.7");
        assertThat(outgoing.get(Metadata.Key.of("x-trace-bin", Metadata.BINARY_BYTE_MARSHALLER)))
                .containsExactly(1, 2, 3);
    }

    @Test
    void appendsTheCallerToAnExistingForwardedFor() {
        final Metadata outgoing = ForwardedHeaders.toBackend(metadata("x-forwarded-for", "198.51.100.1"),
                                                            "id-1", new InetSocketAddress("192.0.2.7", 1));

        assertThat(outgoing.get(key("x-forwarded-for"))).isEqualTo("198.51.100.1, 192.0.2.7");
        assertThat(outgoing.get(key("x-request-id"))).isEqualTo("id-1");
    }

    @Test
    void relaysBackendMetadataButNotTransportHeaders() {
        final Metadata backend = metadata("content-type", "application/grpc", "grpc-encoding", "identity",
                                          "grpc-accept-encoding", "gzip", "x-request-id", "r1",
                                          "x-ratelimit-remaining", "9");
        final byte[] details = {8, 3};
        backend.put(Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER), details);

        final Metadata relayed = ForwardedHeaders.fromBackend(backend);

        assertThat(relayed.keys()).containsExactlyInAnyOrder("x-request-id", "x-ratelimit-remaining",
                                                             "grpc-status-details-bin");
        assertThat(relayed.get(Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER)))
                .isEqualTo(details);
    }

    /** Builds metadata the way Armeria does, raw, so that pseudo-headers can be in it too. */
    private static Metadata metadata(String... namesAndValues) {
        final byte[][] raw = new byte[namesAndValues.length][];
        for (int i = 0; i < namesAndValues.length; i++) {
            raw[i] = namesAndValues[i].getBytes(StandardCharsets.US_ASCII);
        }
        return InternalMetadata.newMetadata(raw);
    }

    private static Metadata.Key<String> key(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }
}
