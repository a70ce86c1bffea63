package io.chargebot.server.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.env.PropertySourcePropertyResolver;
import io.micronaut.context.exceptions.ConfigurationException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SENS adapter against a local HTTP server that behaves like the SENS gateway: it recomputes
 * the v2 signature from the headers with the secret key and refuses a wrong one with 401.
 */
class SensSmsSenderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCESS_KEY = "ncp_iam_TESTACCESSKEY0001";
    private static final String SECRET_KEY = "ncp_iam_TESTSECRETKEY_do_not_leak";
    private static final String SERVICE_ID = "ncp:sms:kr:123456789012:chargebot";
    private static final String PATH = "/sms/v2/services/" + SERVICE_ID + "/messages";
    private static final String PHONE = "+821012345678";

    /** One request as the fake gateway saw it. */
    record Received(String method, String path, Map<String, String> headers, String body, boolean signatureValid) {}

    /** How the fake gateway answers a request whose signature is valid. */
    interface Reply {
        void answer(HttpExchange exchange) throws IOException, InterruptedException;
    }

    private HttpServer gateway;
    private ExecutorService executor;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile Reply reply = exchange -> respond(exchange, 202, """
            {"requestId":"RSSA-1700000000000-1234-12345678-abcdefgh","requestTime":"2024-01-01T00:00:00.000",\
            "statusCode":"202","statusName":"success"}""");
    private final Instant now = Instant.now();

    @BeforeEach
    void startGateway() throws IOException {
        gateway = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool();
        gateway.setExecutor(executor);
        gateway.createContext("/", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                Map<String, String> headers = new HashMap<>();
                exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
                String rawPath = exchange.getRequestURI().getRawPath();
                String expected = SensSmsSender.signature(SECRET_KEY, exchange.getRequestMethod(), rawPath,
                        headers.getOrDefault("x-ncp-apigw-timestamp", ""), headers.getOrDefault("x-ncp-iam-access-key", ""));
                boolean valid = expected.equals(headers.get("x-ncp-apigw-signature-v2"))
                        && ACCESS_KEY.equals(headers.get("x-ncp-iam-access-key"));
                received.add(new Received(exchange.getRequestMethod(), rawPath, headers, body, valid));
                if (!valid) {
                    respond(exchange, 401, """
                            {"error":{"errorCode":"200","message":"Authentication Failed",\
                            "details":"Invalid authentication information."}}""");
                    return;
                }
                reply.answer(exchange);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        gateway.start();
    }

    @AfterEach
    void stopGateway() {
        gateway.stop(0);
        executor.shutdownNow();
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private Map<String, Object> properties() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("chargebot.sms.sens.access-key", ACCESS_KEY);
        properties.put("chargebot.sms.sens.secret-key", SECRET_KEY);
        properties.put("chargebot.sms.sens.service-id", SERVICE_ID);
        properties.put("chargebot.sms.sens.from", "02-1234-5678");
        properties.put("chargebot.sms.sens.endpoint", "http://127.0.0.1:" + gateway.getAddress().getPort());
        return properties;
    }

    private SensSmsSender sender(Map<String, Object> properties) {
        SensSettings settings = SensSettings.from(new PropertySourcePropertyResolver(PropertySource.of("test", properties)));
        return new SensSmsSender(settings, Clock.fixed(now, ZoneOffset.UTC));
    }

    private SensSmsSender sender() {
        return sender(properties());
    }

    @Test
    void sendsASignedSmsInNationalFormat() throws Exception {
        sender().send(PHONE, "[ChargeBot] 인증번호 123456");

        assertThat(received).hasSize(1);
        Received request = received.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo(PATH);
        assertThat(request.signatureValid()).isTrue();
        assertThat(request.headers().get("x-ncp-apigw-timestamp")).isEqualTo(Long.toString(now.toEpochMilli()));
        assertThat(request.headers().get("content-type")).isEqualTo("application/json; charset=utf-8");
        JsonNode body = JSON.readTree(request.body());
        assertThat(body.path("type").asText()).isEqualTo("SMS");
        assertThat(body.path("contentType").asText()).isEqualTo("COMM");
        assertThat(body.path("countryCode").asText()).isEqualTo("82");
        assertThat(body.path("from").asText()).isEqualTo("0212345678");
        assertThat(body.path("content").asText()).isEqualTo("[ChargeBot] 인증번호 123456");
        assertThat(body.path("messages")).hasSize(1);
        assertThat(body.path("messages").get(0).path("to").asText()).isEqualTo("01012345678");
    }

    @Test
    void textOver90BytesInEucKrGoesAsLms() throws Exception {
        String korean45 = "가".repeat(45);       // 90 bytes: still an SMS
        String korean46 = "가".repeat(46);       // 92 bytes
        String ascii91 = "a".repeat(91);
        String mixed = "가".repeat(44) + "abc"; // 91 bytes
        SensSmsSender sender = sender();
        for (String text : List.of(korean45, korean46, ascii91, "a".repeat(90), mixed)) {
            sender.send(PHONE, text);
        }
        assertThat(received).extracting(r -> JSON.readTree(r.body()).path("type").asText())
                .containsExactly("SMS", "LMS", "LMS", "SMS", "LMS");
        assertThat(JSON.readTree(received.get(1).body()).path("content").asText()).isEqualTo(korean46);
    }

    @Test
    void aWrongSecretIsRefusedWithoutLeakingAnyKey() {
        Map<String, Object> properties = properties();
        properties.put("chargebot.sms.sens.secret-key", "another-secret-key");
        assertThatThrownBy(() -> sender(properties).send(PHONE, "code 123456"))
                .isInstanceOf(MessageSendException.class)
                .hasMessageContaining("HTTP 401")
                .hasMessageContaining("Authentication Failed")
                .hasMessageContaining("+8210****5678")
                .satisfies(e -> assertThat(((MessageSendException) e).retryable()).isFalse())
                .satisfies(e -> assertSafe(e.getMessage()));
        assertThat(received).singleElement().satisfies(r -> assertThat(r.signatureValid()).isFalse());
    }

    @Test
    void aServerErrorIsRetryableAndNamesTheProviderStatus() {
        reply = exchange -> respond(exchange, 500, "{\"status\":\"500\",\"errorMessage\":\"Internal Server Error\"}");
        assertThatThrownBy(() -> sender().send(PHONE, "code 123456"))
                .isInstanceOf(MessageSendException.class)
                .hasMessageContaining("HTTP 500")
                .hasMessageContaining("Internal Server Error")
                .satisfies(e -> assertThat(((MessageSendException) e).retryable()).isTrue())
                .satisfies(e -> assertSafe(e.getMessage()));
    }

    @Test
    void a202WithoutSuccessStatusIsAFailure() {
        reply = exchange -> respond(exchange, 202, "{\"statusCode\":\"400\",\"statusName\":\"fail\"}");
        assertThatThrownBy(() -> sender().send(PHONE, "code 123456"))
                .isInstanceOf(MessageSendException.class)
                .hasMessageContaining("statusCode=400");
    }

    @Test
    void aSlowGatewayTimesOut() {
        reply = exchange -> {
            Thread.sleep(5_000);
            respond(exchange, 202, "{\"statusCode\":\"202\"}");
        };
        Map<String, Object> properties = properties();
        properties.put("chargebot.sms.sens.request-timeout", "500ms");
        assertThatThrownBy(() -> sender(properties).send(PHONE, "code 123456"))
                .isInstanceOf(MessageSendException.class)
                .hasMessageContaining("did not answer within 500 ms")
                .satisfies(e -> assertThat(((MessageSendException) e).retryable()).isTrue())
                .satisfies(e -> assertSafe(e.getMessage()));
    }

    @Test
    void anUnreachableGatewayFails() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Map<String, Object> properties = properties();
        properties.put("chargebot.sms.sens.endpoint", "http://127.0.0.1:" + closedPort);
        assertThatThrownBy(() -> sender(properties).send(PHONE, "code 123456"))
                .isInstanceOf(MessageSendException.class)
                .hasMessageContaining("unreachable")
                .satisfies(e -> assertSafe(e.getMessage()));
    }

    @Test
    void onlyKoreanMobileNumbersInE164AreAccepted() {
        SensSmsSender sender = sender();
        for (String phone : List.of("01012345678", "+14155550123", "+82212345678", "+8210123", "+82 10 1234 5678")) {
            assertThatThrownBy(() -> sender.send(phone, "code 123456"))
                    .as(phone)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected: a Korean mobile number");
        }
        assertThatThrownBy(() -> sender.send(PHONE, "가".repeat(1001)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2002 bytes (expected: at most 2000)");
        assertThat(received).isEmpty();
    }

    @Test
    void missingSettingsAreNamedWithTheirEnvironmentVariables() {
        Map<String, Object> properties = properties();
        properties.remove("chargebot.sms.sens.secret-key");
        properties.remove("chargebot.sms.sens.from");
        assertThatThrownBy(() -> sender(properties))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("chargebot.sms.sens.secret-key (CHARGEBOT_SMS_SENS_SECRET_KEY)")
                .hasMessageContaining("chargebot.sms.sens.from (CHARGEBOT_SMS_SENS_FROM)")
                .hasMessageNotContaining("ACCESS_KEY");
    }

    @Test
    void plainHttpEndpointsAreOnlyAllowedOnThisMachine() {
        Map<String, Object> properties = properties();
        properties.put("chargebot.sms.sens.endpoint", "http://sens.apigw.ntruss.com");
        assertThatThrownBy(() -> sender(properties))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_SMS_SENS_ENDPOINT");
        properties.remove("chargebot.sms.sens.endpoint");
        SensSettings defaults = SensSettings.from(new PropertySourcePropertyResolver(PropertySource.of("test", properties)));
        assertThat(defaults.endpoint()).hasToString("https://sens.apigw.ntruss.com");
        assertThat(defaults.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(defaults.toString()).doesNotContain(SECRET_KEY).doesNotContain(ACCESS_KEY);
    }

    /** A known answer, computed outside Java with {@code openssl dgst -sha256 -hmac ... -binary | base64}. */
    @Test
    void signatureMatchesAnIndependentlyComputedValue() {
        assertThat(SensSmsSender.signature("ncp_iam_SECRET", "POST",
                "/sms/v2/services/ncp:sms:kr:123456789012:chargebot/messages", "1700000000000", "ncp_iam_ACCESS"))
                .isEqualTo("bWKDqDvnJqiQ22y8fxRrZb4b7SNCrut2RxTygr2lysk=");
    }

    private static void assertSafe(String message) {
        assertThat(message)
                .doesNotContain(SECRET_KEY)
                .doesNotContain(ACCESS_KEY)
                .doesNotContain("01012345678")
                .doesNotContain(PHONE);
    }
}
