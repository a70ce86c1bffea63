package io.chargebot.server.license;

import io.chargebot.server.testing.CapturedOutput;
import io.chargebot.server.testing.FakeProvider;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.grpc.Context;
import io.grpc.Status;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP adapter against a real local HTTP server speaking the verifier's contract. */
class HttpLicenseVerifierTest {

    private static final String RAW_DIGITS = "112398765401";
    private static final String API_KEY = "test-key-5d1f0a";
    private static final ObjectMapper json = new ObjectMapper();

    private FakeProvider provider;

    @BeforeEach
    void start() throws Exception {
        provider = new FakeProvider();
    }

    @AfterEach
    void stop() {
        provider.close();
    }

    private HttpLicenseVerifier verifier(String header, Duration requestTimeout) {
        return new HttpLicenseVerifier(new HttpLicenseVerifier.Settings(provider.uri("/v1/licenses/verify"), API_KEY,
                header, Duration.ofSeconds(3), requestTimeout));
    }

    private HttpLicenseVerifier verifier() {
        return verifier("Authorization", Duration.ofSeconds(5));
    }

    private static LicenseQuery query() {
        return new LicenseQuery(LocalDate.of(1999, 8, 23), "홍길동", LicenseNumber.parse("11-23-987654-01"), "QZ7731");
    }

    @Test
    void postsTheQueryAsJsonWithTheBearerKey() throws Exception {
        provider.respond(200, "{\"code\":\"00\",\"result\":\"정상\",\"meaning\":\"이상없음\"}");

        verifier().verify(query());

        FakeProvider.Request request = provider.take();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/licenses/verify");
        assertThat(request.header("Authorization")).isEqualTo("Bearer " + API_KEY);
        assertThat(request.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        JsonNode body = json.readTree(request.body());
        assertThat(json.convertValue(body, Map.class)).isEqualTo(Map.of(
                "birthDate", "19990823",
                "name", "홍길동",
                "licenseNumber", RAW_DIGITS,
                "serialNumber", "QZ7731"));
    }

    @Test
    void sendsTheKeyAsIsInAnotherConfiguredHeader() throws Exception {
        provider.respond(200, "{\"code\":\"00\",\"result\":\"정상\",\"meaning\":\"이상없음\"}");

        verifier("x-api-key", Duration.ofSeconds(5)).verify(query());

        FakeProvider.Request request = provider.take();
        assertThat(request.header("x-api-key")).isEqualTo(API_KEY);
        assertThat(request.header("Authorization")).isNull();
    }

    @Test
    void code00IsAValidLicence() {
        provider.respond(200, "{\"code\":\"00\",\"result\":\"정상\",\"meaning\":\"이상없음\"}");

        assertThat(verifier().verify(query())).isEqualTo(new LicenseCheck("00", "정상", "이상없음", true, "http"));
    }

    @Test
    void otherCodesAreAnswersNotErrors() {
        provider.respond(200, "{\"code\":\"11\",\"result\":\"면허번호 오류\",\"meaning\":\"면허정보 없음\",\"extra\":1}");

        assertThat(verifier().verify(query())).isEqualTo(new LicenseCheck("11", "면허번호 오류", "면허정보 없음", false, "http"));
    }

    @Test
    void missingResultAndMeaningAreEmpty() {
        provider.respond(200, "{\"code\":\"21\"}");

        assertThat(verifier().verify(query())).isEqualTo(new LicenseCheck("21", "", "", false, "http"));
    }

    @ParameterizedTest(name = "[{index}] HTTP {0}")
    @ValueSource(ints = {500, 502, 503, 504})
    void serverErrorsAreProviderUnavailable(int status) {
        // A provider that echoes the request in its error must not get the number into logs or messages.
        provider.respond(status, "{\"error\":\"failed for 112398765401 / QZ7731\"}");

        try (CapturedOutput log = new CapturedOutput()) {
            assertUnavailable(() -> verifier().verify(query()));
            assertThat(log.text()).contains("HTTP " + status).doesNotContain("987654").doesNotContain("QZ7731");
        }
    }

    @ParameterizedTest(name = "[{index}] HTTP {0}")
    @ValueSource(ints = {400, 401, 403, 404})
    void clientErrorsAreProviderUnavailableAndLoggedAsConfigurationProblems(int status) {
        provider.respond(status, "{\"error\":\"bad request for 112398765401\"}");

        try (CapturedOutput log = new CapturedOutput()) {
            assertUnavailable(() -> verifier().verify(query()));
            assertThat(log.text())
                    .contains("WARN")
                    .contains("HTTP " + status)
                    .contains("configuration problem")
                    .contains("CHARGEBOT_LICENSE_HTTP_API_KEY")
                    .doesNotContain("987654")
                    .doesNotContain(API_KEY);
        }
    }

    @Test
    void rateLimitingIsProviderUnavailableWithTheProvidersRetryDelay() {
        provider.respond(exchange -> {
            exchange.getResponseHeaders().set("Retry-After", "7");
            FakeProvider.json(exchange, 429, "{}");
        });

        assertThatThrownBy(() -> verifier().verify(query()))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.reason()).isEqualTo(ErrorReason.PROVIDER_UNAVAILABLE);
                    assertThat(e.retryDelay()).isEqualTo(Duration.ofSeconds(7));
                });
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "not json at all",
            "{\"code\":\"00\"",
            "[\"00\"]",
            "\"00\"",
            "{}",
            "{\"code\":0,\"result\":\"정상\"}",
            "{\"code\":\"\",\"result\":\"정상\"}",
            "{\"code\":null}",
            "{\"code\":\"000000000000000000000\"}",
    })
    void garbageIsProviderUnavailable(String body) {
        provider.respond(exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });

        assertUnavailable(() -> verifier().verify(query()));
    }

    @Test
    void anOversizedAnswerIsProviderUnavailable() {
        String padding = "x".repeat(HttpLicenseVerifier.MAX_RESPONSE_BYTES);
        provider.respond(200, "{\"code\":\"00\",\"result\":\"정상\",\"meaning\":\"" + padding + "\"}");

        assertUnavailable(() -> verifier().verify(query()));
    }

    @Test
    void aRedirectIsNotFollowed() throws Exception {
        provider.respond(exchange -> {
            exchange.getResponseHeaders().set("Location", provider.uri("/elsewhere").toString());
            FakeProvider.json(exchange, 307, "");
        });

        assertUnavailable(() -> verifier().verify(query()));
        provider.take();
        Thread.sleep(200);
        assertThat(provider.requestCount()).isZero();
    }

    @Test
    void noAnswerWithinTheRequestTimeoutIsProviderUnavailable() {
        provider.respond(exchange -> {
            Thread.sleep(10_000);
            FakeProvider.json(exchange, 200, "{\"code\":\"00\"}");
        });

        assertUnavailable(() -> verifier("Authorization", Duration.ofMillis(300)).verify(query()));
    }

    @Test
    void aBodyThatStallsAfterTheHeadersIsProviderUnavailable() {
        provider.respond(exchange -> {
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write("{\"code\":".getBytes(StandardCharsets.UTF_8));
            out.flush();
            Thread.sleep(10_000);
        });

        assertUnavailable(() -> verifier("Authorization", Duration.ofMillis(500)).verify(query()));
    }

    @Test
    void anUnreachableProviderIsProviderUnavailable() throws Exception {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/verify");
        }
        HttpLicenseVerifier unreachable = new HttpLicenseVerifier(new HttpLicenseVerifier.Settings(closed, API_KEY,
                "Authorization", Duration.ofSeconds(3), Duration.ofSeconds(5)));

        assertUnavailable(() -> unreachable.verify(query()));
    }

    @Test
    void theCallersShorterGrpcDeadlineBoundsTheCall() throws Exception {
        provider.respond(exchange -> {
            Thread.sleep(10_000);
            FakeProvider.json(exchange, 200, "{\"code\":\"00\"}");
        });
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            Context.CancellableContext context = Context.current().withDeadlineAfter(300, TimeUnit.MILLISECONDS, scheduler);
            try {
                assertThatThrownBy(() -> context.call(() -> verifier().verify(query())))
                        .isInstanceOfSatisfying(ApiException.class,
                                e -> assertThat(e.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
            } finally {
                context.cancel(null);
            }
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void theRawNumberNeverReachesTheLog() {
        try (CapturedOutput log = new CapturedOutput()) {
            provider.respond(200, "{\"code\":\"00\",\"result\":\"정상\",\"meaning\":\"이상없음\"}");
            verifier().verify(query());
            provider.respond(200, "garbage 112398765401");
            assertUnavailable(() -> verifier().verify(query()));
            provider.respond(exchange -> {
                Thread.sleep(10_000);
            });
            assertUnavailable(() -> verifier("Authorization", Duration.ofMillis(200)).verify(query()));

            assertThat(log.text()).contains("11-23-******-01").doesNotContain("987654").doesNotContain("QZ7731");
        }
    }

    @Test
    void toStringShowsNeitherKeyNorPath() {
        HttpLicenseVerifier verifier = verifier();

        assertThat(verifier.toString()).contains("127.0.0.1").doesNotContain(API_KEY);
        assertThat(new HttpLicenseVerifier.Settings(URI.create("https://v.example.com/x"), API_KEY, "Authorization",
                Duration.ofSeconds(1), Duration.ofSeconds(1)).toString()).doesNotContain(API_KEY);
    }

    private static void assertUnavailable(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.reason()).isEqualTo(ErrorReason.PROVIDER_UNAVAILABLE);
                    assertThat(e.getMessage())
                            .doesNotContain("987654")
                            .doesNotContain("QZ7731")
                            .doesNotContain(API_KEY);
                    assertThat(e.toStatusProto().toString()).doesNotContain("987654");
                });
    }
}
