package io.chargebot.server.plate;

import static io.chargebot.server.plate.PlateOpenAiRecognizerTest.assertRateLimited;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.testing.CapturedOutput;
import io.chargebot.server.testing.FakeProvider;
import io.grpc.Status;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP recogniser adapter against a real local HTTP server taking multipart uploads. */
class PlateHttpRecognizerTest {

    private static final String API_KEY = "plate-key-77aa01";
    private static final Pattern BOUNDARY = Pattern.compile("multipart/form-data; boundary=([A-Za-z0-9'()+_,./:=?-]{1,70})");

    private FakeProvider service;

    @BeforeEach
    void start() throws Exception {
        service = new FakeProvider();
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private HttpPlateRecognizer recognizer(String apiKey, String header, Duration requestTimeout) {
        return new HttpPlateRecognizer(new HttpPlateRecognizer.Settings(service.uri("/api/license-plates"), apiKey, header,
                Duration.ofSeconds(3), requestTimeout));
    }

    private HttpPlateRecognizer recognizer() {
        return recognizer(null, "Authorization", Duration.ofSeconds(5));
    }

    private PlateReading answer(String body) {
        service.respond(200, body);
        return recognizer().recognize(PlateImage.of(PlateTestImages.png()));
    }

    /** One multipart part: its header block and its exact bytes. */
    record Part(String headers, byte[] content) {}

    static List<Part> parts(FakeProvider.Request request) {
        Matcher m = BOUNDARY.matcher(request.header("Content-Type"));
        assertThat(m.matches()).as("Content-Type " + request.header("Content-Type")).isTrue();
        byte[] delimiter = ("--" + m.group(1)).getBytes(StandardCharsets.US_ASCII);
        byte[] body = request.body();
        List<Integer> at = new java.util.ArrayList<>();
        for (int i = 0; i <= body.length - delimiter.length; i++) {
            if (Arrays.equals(body, i, i + delimiter.length, delimiter, 0, delimiter.length)) {
                at.add(i);
            }
        }
        assertThat(at).hasSizeGreaterThanOrEqualTo(2);
        assertThat(at.get(0)).isZero();
        int last = at.get(at.size() - 1);
        assertThat(new String(body, last, body.length - last, StandardCharsets.US_ASCII)).isEqualTo("--" + m.group(1) + "--\r\n");
        List<Part> parts = new java.util.ArrayList<>();
        for (int k = 0; k + 1 < at.size(); k++) {
            int start = at.get(k) + delimiter.length + 2;
            int end = at.get(k + 1) - 2;
            String text = new String(body, start, end - start, StandardCharsets.ISO_8859_1);
            int split = text.indexOf("\r\n\r\n");
            parts.add(new Part(text.substring(0, split), Arrays.copyOfRange(body, start + split + 4, end)));
        }
        return parts;
    }

    @Test
    void uploadsTheJpegAsTheFilePartWithoutCredentialsByDefault() throws Exception {
        service.respond(200, "{\"plate\":\"12가 3456\"}");
        byte[] jpeg = PlateTestImages.jpeg();

        recognizer().recognize(PlateImage.of(jpeg));

        FakeProvider.Request request = service.take();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/api/license-plates");
        assertThat(request.header("Authorization")).isNull();
        List<Part> parts = parts(request);
        assertThat(parts).hasSize(1);
        assertThat(parts.get(0).headers()).isEqualTo(
                "Content-Disposition: form-data; name=\"file\"; filename=\"plate.jpg\"\r\nContent-Type: image/jpeg");
        assertThat(parts.get(0).content()).isEqualTo(jpeg);
    }

    @Test
    void uploadsAPngWithItsTypeAndTheBearerKey() throws Exception {
        service.respond(200, "{\"plate\":\"12가 3456\"}");
        byte[] png = PlateTestImages.pngWithText("plate", "00가0000");

        recognizer(API_KEY, "Authorization", Duration.ofSeconds(5)).recognize(PlateImage.of(png));

        FakeProvider.Request request = service.take();
        assertThat(request.header("Authorization")).isEqualTo("Bearer " + API_KEY);
        Part part = parts(request).get(0);
        assertThat(part.headers()).isEqualTo(
                "Content-Disposition: form-data; name=\"file\"; filename=\"plate.png\"\r\nContent-Type: image/png");
        assertThat(part.content()).isEqualTo(png);
    }

    @Test
    void sendsTheKeyAsIsInAnotherConfiguredHeader() throws Exception {
        service.respond(200, "{\"plate\":null}");

        recognizer(API_KEY, "x-api-key", Duration.ofSeconds(5)).recognize(PlateImage.of(PlateTestImages.png()));

        FakeProvider.Request request = service.take();
        assertThat(request.header("x-api-key")).isEqualTo(API_KEY);
        assertThat(request.header("Authorization")).isNull();
    }

    @Test
    void readsTheFullShape() {
        assertThat(answer("{\"plate\":\"12가 3456\",\"confidence\":0.93,\"candidates\":[{\"plate\":\"12가 3458\","
                + "\"confidence\":0.41},\"12나 3456\",{\"plate\":\"\"},{\"confidence\":0.9},7]}"))
                .isEqualTo(new PlateReading("12가 3456", 0.93, List.of(new PlateReading.Candidate("12가 3458", 0.41),
                        new PlateReading.Candidate("12나 3456", 0)), "http"));
    }

    @Test
    void acceptsSeed003sPlateAndRawWithConfidenceNotGiven() {
        assertThat(answer("{\"plate\":\"123가4567\",\"raw\":{\"results\":[{\"text\":\"123가4567\",\"score\":0.8}]}}"))
                .isEqualTo(new PlateReading("123가4567", 0, List.of(), "http"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"{\"plate\":null,\"raw\":{}}", "{\"plate\":\"\"}", "{}", "{\"plate\":\"  \\n\"}",
            "{\"plate\":\"No licence plate is visible in this photograph\"}"})
    void noPlateIsNoPlateFound(String body) {
        assertThat(answer(body)).isEqualTo(PlateReading.none("http"));
    }

    @Test
    void confidenceOutsideZeroToOneCountsAsNotGiven() {
        assertThat(answer("{\"plate\":\"12가 3456\",\"confidence\":93}").confidence()).isZero();
        assertThat(answer("{\"plate\":\"12가 3456\",\"confidence\":-0.5}").confidence()).isZero();
        assertThat(answer("{\"plate\":\"12가 3456\",\"confidence\":\"0.9\"}").confidence()).isZero();
    }

    @Test
    void rateLimitingIsResourceExhaustedWithTheRetryAfterDelay() {
        service.respond(exchange -> {
            exchange.getResponseHeaders().set("Retry-After", "7");
            FakeProvider.json(exchange, 429, "{}");
        });

        assertRateLimited(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())), Duration.ofSeconds(7));
    }

    @ParameterizedTest(name = "[{index}] HTTP {0}")
    @ValueSource(ints = {400, 401, 403, 404, 413, 415, 422})
    void clientErrorsAreProviderUnavailableAndLoggedAsConfigurationProblems(int status) {
        service.respond(status, "{\"detail\":\"bad\"}");

        try (CapturedOutput log = new CapturedOutput()) {
            assertUnavailable(() -> recognizer(API_KEY, "Authorization", Duration.ofSeconds(5))
                    .recognize(PlateImage.of(PlateTestImages.png())));
            assertThat(log.text()).contains("WARN").contains("HTTP " + status).contains("configuration problem")
                    .contains("PLATE_SERVICE_URL").doesNotContain(API_KEY);
        }
    }

    @ParameterizedTest(name = "[{index}] HTTP {0}")
    @ValueSource(ints = {500, 502, 503, 504})
    void serverErrorsAreProviderUnavailable(int status) {
        service.respond(status, "{}");

        assertUnavailable(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"not json", "[\"12가 3456\"]", "\"12가 3456\"", "{\"plate\":12}", "{\"plate\":[\"12가3456\"]}",
            "{\"plate\":\"12가"})
    void garbageIsProviderUnavailable(String body) {
        service.respond(exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });

        assertUnavailable(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())));
    }

    @Test
    void anOversizedAnswerIsProviderUnavailable() {
        service.respond(200, "{\"plate\":\"12가 3456\",\"raw\":\"" + "x".repeat(HttpPlateRecognizer.MAX_RESPONSE_BYTES) + "\"}");

        assertUnavailable(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())));
    }

    @Test
    void aRedirectIsNotFollowed() throws Exception {
        service.respond(exchange -> {
            exchange.getResponseHeaders().set("Location", service.uri("/elsewhere").toString());
            FakeProvider.json(exchange, 307, "");
        });

        assertUnavailable(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())));
        assertThat(service.take().path()).isEqualTo("/api/license-plates");
        assertThat(service.requestCount()).isZero();
    }

    @Test
    void noAnswerWithinTheRequestTimeoutIsProviderUnavailable() {
        service.respond(exchange -> {
            Thread.sleep(10_000);
            FakeProvider.json(exchange, 200, "{\"plate\":\"12가 3456\"}");
        });

        assertUnavailable(() -> recognizer(null, "Authorization", Duration.ofMillis(300))
                .recognize(PlateImage.of(PlateTestImages.png())));
    }

    @Test
    void toStringShowsNeitherKeyNorPath() {
        HttpPlateRecognizer recognizer = recognizer(API_KEY, "x-api-key", Duration.ofSeconds(5));

        assertThat(recognizer.toString()).contains("127.0.0.1").contains("x-api-key").doesNotContain(API_KEY)
                .doesNotContain("license-plates");
    }

    private static void assertUnavailable(ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.reason()).isEqualTo(ErrorReason.PROVIDER_UNAVAILABLE);
            assertThat(e.retryDelay()).isEqualTo(Duration.ofSeconds(1));
        });
    }
}
