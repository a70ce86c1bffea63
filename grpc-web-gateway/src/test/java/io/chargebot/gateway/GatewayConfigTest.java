package io.chargebot.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

    @Test
    void defaultsServeLocalDevelopment() {
        final GatewayConfig config = GatewayConfig.fromEnvironment(Map.of());

        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.target()).isEqualTo("127.0.0.1:50051");
        assertThat(config.targetTls()).isFalse();
        assertThat(config.corsOrigins()).containsExactly("*");
        assertThat(config.allowsAnyOrigin()).isTrue();
        assertThat(config.maxRequestBytes()).isEqualTo(4 * 1024 * 1024);
    }

    @Test
    void readsEveryVariable() {
        final GatewayConfig config = GatewayConfig.fromEnvironment(Map.of(
                "CHARGEBOT_GATEWAY_PORT", "0",
                "CHARGEBOT_GATEWAY_TARGET", "chargebot-server.internal:443",
                "CHARGEBOT_GATEWAY_TARGET_TLS", "true",
                "CHARGEBOT_GATEWAY_CORS_ORIGINS", "https://app.chargebot.io, http://localhost:5173",
                "CHARGEBOT_GATEWAY_MAX_REQUEST_BYTES", "1048576"));

        assertThat(config.port()).isZero();
        assertThat(config.target()).isEqualTo("chargebot-server.internal:443");
        assertThat(config.targetTls()).isTrue();
        assertThat(config.corsOrigins()).containsExactly("https://app.chargebot.io", "http://localhost:5173");
        assertThat(config.allowsAnyOrigin()).isFalse();
        assertThat(config.maxRequestBytes()).isEqualTo(1048576);
    }

    @Test
    void blankVariablesTakeTheirDefault() {
        final GatewayConfig config = GatewayConfig.fromEnvironment(Map.of(
                "CHARGEBOT_GATEWAY_PORT", " ", "CHARGEBOT_GATEWAY_CORS_ORIGINS", ""));

        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.corsOrigins()).containsExactly("*");
    }

    @Test
    void malformedVariablesAreNamedInTheError() {
        assertThatThrownBy(() -> GatewayConfig.fromEnvironment(Map.of("CHARGEBOT_GATEWAY_PORT", "http")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CHARGEBOT_GATEWAY_PORT: http (expected: an integer 0..65535)");
        assertThatThrownBy(() -> GatewayConfig.fromEnvironment(Map.of("CHARGEBOT_GATEWAY_PORT", "70000")))
                .hasMessageContaining("port: 70000 (expected: 0..65535)");
        assertThatThrownBy(() -> GatewayConfig.fromEnvironment(Map.of("CHARGEBOT_GATEWAY_TARGET_TLS", "maybe")))
                .hasMessageContaining("CHARGEBOT_GATEWAY_TARGET_TLS: maybe (expected: true or false)");
        assertThatThrownBy(() -> GatewayConfig.fromEnvironment(
                Map.of("CHARGEBOT_GATEWAY_MAX_REQUEST_BYTES", "0")))
                .hasMessageContaining("maxRequestBytes: 0 (expected: > 0)");
    }

    @Test
    void targetMustBeHostAndPort() {
        assertThatThrownBy(() -> GatewayConfig.builder().target("localhost").build())
                .hasMessageContaining("target: localhost (expected: host:port");
        assertThatThrownBy(() -> GatewayConfig.builder().target("localhost:0").build())
                .hasMessageContaining("target: localhost:0 (expected: a port in 1..65535)");
        assertThatThrownBy(() -> GatewayConfig.builder().target("::1:50051").build())
                .hasMessageContaining("target: ::1:50051");
        assertThat(GatewayConfig.builder().target("[::1]:50051").build().target()).isEqualTo("[::1]:50051");
    }

    @Test
    void corsOriginsAreOriginsOrAStar() {
        assertThatThrownBy(() -> GatewayConfig.builder().corsOrigins("app.chargebot.io").build())
                .hasMessageContaining("expected: '*' or origins like https://app.example.com");
        assertThatThrownBy(() -> GatewayConfig.builder().corsOrigins("https://app.chargebot.io/").build())
                .hasMessageContaining("without a path or trailing '/'");
        assertThatThrownBy(() -> GatewayConfig.builder().corsOrigins("*", "https://app.chargebot.io").build())
                .hasMessageContaining("'*' alone");
        assertThatThrownBy(() -> GatewayConfig.builder().corsOrigins(List.of(" ", "")).build())
                .hasMessageContaining("at least one origin");
        assertThat(GatewayConfig.builder().corsOrigins("HTTPS://App.ChargeBot.io").build().corsOrigins())
                .containsExactly("https://app.chargebot.io");
    }

    @Test
    void toBuilderCopiesEverything() {
        final GatewayConfig config = GatewayConfig.builder().port(9000).target("10.0.0.1:6000").targetTls(true)
                                                  .corsOrigins("https://a.example").maxRequestBytes(10).build();

        assertThat(config.toBuilder().build()).isEqualTo(config);
    }
}
