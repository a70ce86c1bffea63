package io.chargebot.server.plate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.testing.CapturedOutput;
import io.chargebot.server.testing.FakeProvider;
import io.grpc.Context;
import io.grpc.Status;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The OpenAI adapter against a real local HTTP server answering in the Responses API's shape. */
class PlateOpenAiRecognizerTest {

    private static final String API_KEY = "sk-test-4f1c9e0b7a";
    private static final String PROMPT = "Read the plate. Answer JSON.";
    private static final ObjectMapper json = new ObjectMapper();

    private FakeProvider openAi;

    @BeforeEach
    void start() throws Exception {
        openAi = new FakeProvider();
    }

    @AfterEach
    void stop() {
        openAi.close();
    }

    private OpenAiPlateRecognizer recognizer(String basePath, Duration requestTimeout) {
        return new OpenAiPlateRecognizer(new OpenAiPlateRecognizer.Settings(openAi.uri(basePath), API_KEY, "gpt-4.1-mini",
                PROMPT, "high", Duration.ofSeconds(3), requestTimeout));
    }

    private OpenAiPlateRecognizer recognizer() {
        return recognizer("", Duration.ofSeconds(5));
    }

    /** A completed response whose message holds {@code text}, after a reasoning item as newer models send. */
    static String response(String text) {
        ObjectNode root = json.createObjectNode().put("id", "resp_1").put("object", "response").put("status", "completed")
                .put("model", "gpt-4.1-mini-2025-04-14");
        var output = root.putArray("output");
        output.addObject().put("type", "reasoning").put("id", "rs_1").putArray("summary");
        ObjectNode message = output.addObject().put("type", "message").put("id", "msg_1").put("status", "completed")
                .put("role", "assistant");
        message.putArray("content").addObject().put("type", "output_text").put("text", text).putArray("annotations");
        root.putObject("usage").put("input_tokens", 1200).put("output_tokens", 30);
        return root.toString();
    }

    static String error(String type, String code, String param, String message) {
        ObjectNode error = json.createObjectNode();
        error.putObject("error").put("message", message).put("type", type).put("code", code).put("param", param);
        return error.toString();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"image/png", "image/jpeg"})
    void postsThePromptAndTheImageAsADataUrl(String mimeType) throws Exception {
        openAi.respond(200, response("{\"plate\":\"12가 3456\",\"confidence\":0.9,\"candidates\":[]}"));
        byte[] bytes = mimeType.equals("image/png") ? PlateTestImages.png() : PlateTestImages.jpeg();

        recognizer().recognize(PlateImage.of(bytes));

        FakeProvider.Request request = openAi.take();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/responses");
        assertThat(request.header("Authorization")).isEqualTo("Bearer " + API_KEY);
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        JsonNode body = json.readTree(request.body());
        assertThat(body.path("model").asText()).isEqualTo("gpt-4.1-mini");
        assertThat(body.path("store").isBoolean() && !body.path("store").asBoolean()).as("store: false").isTrue();
        assertThat(body.path("input")).hasSize(1);
        JsonNode message = body.path("input").get(0);
        assertThat(message.path("role").asText()).isEqualTo("user");
        JsonNode content = message.path("content");
        assertThat(content).hasSize(2);
        assertThat(content.get(0).path("type").asText()).isEqualTo("input_text");
        assertThat(content.get(0).path("text").asText()).isEqualTo(PROMPT);
        assertThat(content.get(1).path("type").asText()).isEqualTo("input_image");
        assertThat(content.get(1).path("detail").asText()).isEqualTo("high");
        String dataUrl = content.get(1).path("image_url").asText();
        assertThat(dataUrl).isEqualTo("data:" + mimeType + ";base64," + Base64.getEncoder().encodeToString(bytes));
        assertThat(Base64.getDecoder().decode(dataUrl.substring(dataUrl.indexOf(',') + 1))).isEqualTo(bytes);
        JsonNode format = body.path("text").path("format");
        assertThat(format.path("type").asText()).isEqualTo("json_schema");
        assertThat(format.path("strict").asBoolean()).isTrue();
        assertThat(format.path("name").asText()).matches("[A-Za-z0-9_-]{1,64}");
        assertThat(json.convertValue(format.path("schema").path("required"), List.class))
                .containsExactly("plate", "confidence", "candidates");
        assertThat(format.path("schema").path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(format.path("schema").path("properties").path("candidates").path("items").path("additionalProperties")
                .asBoolean(true)).isFalse();
    }

    @Test
    void aBaseUrlEndingInV1IsNotGivenAnotherV1() throws Exception {
        openAi.respond(200, response("{\"plate\":\"\",\"confidence\":0,\"candidates\":[]}"));

        recognizer("/v1/", Duration.ofSeconds(5)).recognize(PlateImage.of(PlateTestImages.png()));

        assertThat(openAi.take().path()).isEqualTo("/v1/responses");
    }

    @Test
    void readsPlateConfidenceAndCandidatesMostLikelyFirst() {
        openAi.respond(200, response("{\"plate\":\"12가 3456\",\"confidence\":0.93,\"candidates\":["
                + "{\"plate\":\"12가 3458\",\"confidence\":0.2},{\"plate\":\"12나 3456\",\"confidence\":0.6}]}"));

        PlateReading reading = recognizer().recognize(PlateImage.of(PlateTestImages.jpeg()));

        assertThat(reading).isEqualTo(new PlateReading("12가 3456", 0.93, List.of(
                new PlateReading.Candidate("12나 3456", 0.6), new PlateReading.Candidate("12가 3458", 0.2)), "openai"));
    }

    @Test
    void anEmptyPlateIsNoPlateFound() {
        openAi.respond(200, response("{\"plate\":\"\",\"confidence\":0.7,\"candidates\":[{\"plate\":\"12가\",\"confidence\":0.1}]}"));

        assertThat(recognizer().recognize(PlateImage.of(PlateTestImages.png()))).isEqualTo(PlateReading.none("openai"));
    }

    @Test
    void aRefusalIsNoPlateFound() {
        openAi.respond(200, "{\"status\":\"completed\",\"output\":[{\"type\":\"message\",\"role\":\"assistant\","
                + "\"content\":[{\"type\":\"refusal\",\"refusal\":\"I can't help with that.\"}]}]}");

        assertThat(recognizer().recognize(PlateImage.of(PlateTestImages.png()))).isEqualTo(PlateReading.none("openai"));
    }

    @Test
    void jsonWrappedInACodeFenceIsStillRead() {
        openAi.respond(200, response("```json\n{\"plate\": \"서울12가3456\", \"confidence\": 1.0}\n```"));

        PlateReading reading = recognizer().recognize(PlateImage.of(PlateTestImages.png()));

        assertThat(reading).isEqualTo(new PlateReading("서울12가3456", 1.0, List.of(), "openai"));
    }

    @ParameterizedTest(name = "[{index}] HTTP {0}")
    @ValueSource(ints = {401, 403})
    void aRefusedKeyIsProviderUnavailableAndLoggedWithoutTheKey(int status) {
        openAi.respond(status, error("invalid_request_error", "invalid_api_key", null,
                "Incorrect API key provided: " + API_KEY + ". You can find your API key at ..."));

        try (CapturedOutput log = new CapturedOutput()) {
            assertUnavailable(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())));
            assertThat(log.text()).contains("WARN").contains("HTTP " + status).contains("OPENAI_API_KEY")
                    .contains("invalid_api_key").doesNotContain(API_KEY);
        }
    }

    @Test
    void rateLimitingIsResourceExhaustedWithOpenAisDelay() {
        openAi.respond(exchange -> {
            exchange.getResponseHeaders().set("retry-after-ms", "2500");
            exchange.getResponseHeaders().set("retry-after", "3");
            FakeProvider.json(exchange, 429, error("requests", "rate_limit_exceeded", null, "Rate limit reached"));
        });

        assertRateLimited(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())), Duration.ofMillis(2500));
    }

    @Test
    void rateLimitingWithRetryAfterSecondsOrNoDelay() {
        openAi.respond(exchange -> {
            exchange.getResponseHeaders().set("Retry-After", "7");
            FakeProvider.json(exchange, 429, "{}");
        });
        assertRateLimited(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())), Duration.ofSeconds(7));

        openAi.respond(429, "");
        assertRateLimited(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())), Duration.ofSeconds(1));
    }

    @Test
    void anExhaustedQuotaIsProviderUnavailableNotARateLimit() {
        openAi.respond(429, error("insufficient_quota", "insufficient_quota", null, "You exceeded your current quota"));

        try (CapturedOutput log = new CapturedOutput()) {
            assertUnavailable(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())));
            assertThat(log.text()).contains("WARN").contains("insufficient_quota");
        }
    }

    @Test
    void anUnknownModelIsProviderUnavailableAndLoggedAsConfiguration() {
        openAi.respond(404, error("invalid_request_error", "model_not_found", "model", "The model does not exist"));

        try (CapturedOutput log = new CapturedOutput()) {
            assertUnavailable(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())));
            assertThat(log.text()).contains("configuration problem").contains("CHARGEBOT_PLATE_OPENAI_MODEL")
                    .contains("model_not_found").doesNotContain(API_KEY);
        }
    }

    @Test
    void anImageOpenAiCannotDecodeIsAnInvalidImage() {
        openAi.respond(400, error("invalid_request_error", "invalid_image_format", "input[0].content[1].image_url",
                "You uploaded an unsupported image."));

        assertThatThrownBy(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.violations()).extracting(v -> v.field()).containsExactly("image");
                });
    }

    @ParameterizedTest(name = "[{index}] HTTP {0}")
    @ValueSource(ints = {500, 502, 503})
    void serverErrorsAreProviderUnavailable(int status) {
        openAi.respond(status, error("server_error", null, null, "The server had an error"));

        assertUnavailable(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "not json",
            "{\"status\":\"completed\",\"output\":[]}",
            "{\"status\":\"incomplete\",\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"output\":[{\"type\":\"reasoning\"}]}",
            "[1,2]",
    })
    void answersWithoutAMessageAreProviderUnavailable(String body) {
        openAi.respond(200, body);

        assertUnavailable(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"I see a plate: 12가 3456", "{\"plate\":12}", "{\"plate\":", "[\"12가 3456\"]"})
    void messagesThatAreNotTheRequestedJsonAreProviderUnavailable(String text) {
        openAi.respond(200, response(text));

        assertUnavailable(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png())));
    }

    @Test
    void noAnswerWithinTheRequestTimeoutIsProviderUnavailable() {
        openAi.respond(exchange -> {
            Thread.sleep(10_000);
            FakeProvider.json(exchange, 200, response("{}"));
        });

        assertUnavailable(() -> recognizer("", Duration.ofMillis(300)).recognize(PlateImage.of(PlateTestImages.png())));
    }

    @Test
    void anUnreachableProviderIsProviderUnavailable() throws Exception {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        OpenAiPlateRecognizer unreachable = new OpenAiPlateRecognizer(new OpenAiPlateRecognizer.Settings(closed, API_KEY,
                "gpt-4.1-mini", PROMPT, "high", Duration.ofSeconds(3), Duration.ofSeconds(5)));

        assertUnavailable(() -> unreachable.recognize(PlateImage.of(PlateTestImages.png())));
    }

    @Test
    void theCallersShorterGrpcDeadlineBoundsTheCall() {
        openAi.respond(exchange -> {
            Thread.sleep(10_000);
            FakeProvider.json(exchange, 200, response("{}"));
        });
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            Context.CancellableContext context = Context.current().withDeadlineAfter(300, TimeUnit.MILLISECONDS, scheduler);
            try {
                assertThatThrownBy(() -> context.call(() -> recognizer().recognize(PlateImage.of(PlateTestImages.png()))))
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
    void toStringShowsNoKey() {
        assertThat(recognizer().toString()).contains("gpt-4.1-mini").doesNotContain(API_KEY);
        assertThat(new OpenAiPlateRecognizer.Settings(URI.create("https://api.openai.com"), API_KEY, "m", "p", "high",
                Duration.ofSeconds(1), Duration.ofSeconds(1)).toString()).doesNotContain(API_KEY);
    }

    static void assertUnavailable(ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.reason()).isEqualTo(ErrorReason.PROVIDER_UNAVAILABLE);
            assertThat(e.getMessage()).doesNotContain(API_KEY);
        });
    }

    static void assertRateLimited(ThrowingCallable call, Duration delay) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.reason()).isEqualTo(ErrorReason.RATE_LIMITED);
            assertThat(e.retryDelay()).isEqualTo(delay);
        });
    }
}
