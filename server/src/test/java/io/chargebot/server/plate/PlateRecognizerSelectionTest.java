package io.chargebot.server.plate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chargebot.server.testing.CapturedOutput;
import io.chargebot.server.testing.FakeProvider;
import io.chargebot.server.testing.IsolatedContext;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.exceptions.ConfigurationException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which recogniser the environment selects, and which environments stop the server from starting. */
class PlateRecognizerSelectionTest {

    private static final String OPENAI_KEY = "sk-selection-key-9d3e";
    private static final ObjectMapper json = new ObjectMapper();

    private static ApplicationContext startWithEnvironment(Map<String, Object> variables) {
        return IsolatedContext.start("io.chargebot.server.plate.", PropertySource.of("test-env", variables,
                PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE));
    }

    private static PlateRecognizer selected(ApplicationContext context) {
        PlateRecognizer recognizer = context.getBean(PlateRecognizer.class);
        assertThat(recognizer).isInstanceOf(BoundedPlateRecognizer.class);
        return ((BoundedPlateRecognizer) recognizer).delegate();
    }

    private static void assertRefused(Map<String, Object> env, String... messageParts) {
        assertThatThrownBy(() -> startWithEnvironment(env).close())
                .satisfies(e -> assertThat(IsolatedContext.messages(e))
                        .contains(ConfigurationException.class.getName())
                        .contains(messageParts)
                        .doesNotContain(OPENAI_KEY));
    }

    @Test
    void unsetMeansTheLocalDevelopmentRecognizer() {
        try (ApplicationContext context = startWithEnvironment(Map.of())) {
            assertThat(selected(context)).isInstanceOf(LocalDevelopmentPlateRecognizer.class);
        }
    }

    @Test
    void productionRefusesToStartWithTheLocalRecognizer() {
        for (Map<String, Object> env : List.<Map<String, Object>>of(
                Map.of("CHARGEBOT_PROFILE", "production"),
                Map.of("CHARGEBOT_PROFILE", "production", "CHARGEBOT_PLATE_RECOGNIZER", "local"))) {
            assertRefused(env, "plate recogniser", "CHARGEBOT_PROFILE=production", "CHARGEBOT_PLATE_RECOGNIZER=openai",
                    "OPENAI_API_KEY", "PLATE_SERVICE_URL");
        }
    }

    @Test
    void openAiReadsItsSettingsFromTheEnvironment() throws Exception {
        try (FakeProvider openAi = new FakeProvider(); CapturedOutput log = new CapturedOutput()) {
            openAi.respond(200, PlateOpenAiRecognizerTest.response("{\"plate\":\"12가 3456\",\"confidence\":0.8,\"candidates\":[]}"));
            Map<String, Object> env = new HashMap<>();
            env.put("CHARGEBOT_PLATE_RECOGNIZER", "openai");
            env.put("OPENAI_API_KEY", OPENAI_KEY);
            env.put("CHARGEBOT_OPENAI_BASE_URL", openAi.uri("").toString());
            env.put("CHARGEBOT_PLATE_OPENAI_MODEL", "gpt-4.1");
            env.put("CHARGEBOT_PLATE_OPENAI_IMAGE_DETAIL", "low");
            env.put("CHARGEBOT_PLATE_PROMPT", "번호판을 읽고 JSON으로 답하세요.");
            try (ApplicationContext context = startWithEnvironment(env)) {
                assertThat(selected(context)).isInstanceOf(OpenAiPlateRecognizer.class);
                assertThat(context.getBean(PlateRecognizer.class).recognize(PlateImage.of(PlateTestImages.png())).plate())
                        .isEqualTo("12가 3456");
            }
            FakeProvider.Request request = openAi.take();
            assertThat(request.header("Authorization")).isEqualTo("Bearer " + OPENAI_KEY);
            JsonNode body = json.readTree(request.body());
            assertThat(body.path("model").asText()).isEqualTo("gpt-4.1");
            assertThat(body.at("/input/0/content/0/text").asText()).isEqualTo("번호판을 읽고 JSON으로 답하세요.");
            assertThat(body.at("/input/0/content/1/detail").asText()).isEqualTo("low");
            assertThat(log.text()).contains("Plate recogniser: OpenAiPlateRecognizer").doesNotContain(OPENAI_KEY);
        }
    }

    @Test
    void openAiDefaultsToTheDefaultModelAndPromptAndSeed003sNameWorks() throws Exception {
        try (FakeProvider openAi = new FakeProvider()) {
            openAi.respond(200, PlateOpenAiRecognizerTest.response("{\"plate\":\"\",\"confidence\":0,\"candidates\":[]}"));
            try (ApplicationContext context = startWithEnvironment(Map.of("CHARGEBOT_PLATE_RECOGNIZER", "gptapi",
                    "OPENAI_API_KEY", OPENAI_KEY, "CHARGEBOT_OPENAI_BASE_URL", openAi.uri("").toString()))) {
                context.getBean(PlateRecognizer.class).recognize(PlateImage.of(PlateTestImages.png()));
            }
            JsonNode body = json.readTree(openAi.take().body());
            assertThat(body.path("model").asText()).isEqualTo(OpenAiPlateRecognizer.DEFAULT_MODEL);
            assertThat(body.at("/input/0/content/0/text").asText()).isEqualTo(OpenAiPlateRecognizer.DEFAULT_PROMPT);
            assertThat(body.at("/input/0/content/1/detail").asText()).isEqualTo("high");
        }
    }

    @Test
    void openAiWithoutAKeyRefusesToStartNamingIt() {
        assertRefused(Map.of("CHARGEBOT_PLATE_RECOGNIZER", "openai"), "OPENAI_API_KEY");
    }

    @Test
    void httpReadsPlateServiceUrlAndItsKeyFromTheEnvironment() throws Exception {
        try (FakeProvider service = new FakeProvider()) {
            service.respond(200, "{\"plate\":\"12가 3456\",\"raw\":null}");
            try (ApplicationContext context = startWithEnvironment(Map.of("CHARGEBOT_PLATE_RECOGNIZER", "http",
                    "PLATE_SERVICE_URL", service.uri("/recognize").toString(),
                    "CHARGEBOT_PLATE_HTTP_API_KEY", "svc-key-1234", "CHARGEBOT_PLATE_HTTP_API_KEY_HEADER", "x-api-key"))) {
                assertThat(selected(context)).isInstanceOf(HttpPlateRecognizer.class);
                assertThat(context.getBean(PlateRecognizer.class).recognize(PlateImage.of(PlateTestImages.png())).plate())
                        .isEqualTo("12가 3456");
            }
            FakeProvider.Request request = service.take();
            assertThat(request.path()).isEqualTo("/recognize");
            assertThat(request.header("x-api-key")).isEqualTo("svc-key-1234");
        }
    }

    @Test
    void httpWithoutPlateServiceUrlRefusesToStartNamingIt() {
        assertRefused(Map.of("CHARGEBOT_PLATE_RECOGNIZER", "http"), "PLATE_SERVICE_URL");
    }

    @Test
    void productionRequiresHttps() {
        assertRefused(Map.of("CHARGEBOT_PROFILE", "production", "CHARGEBOT_PLATE_RECOGNIZER", "http",
                "PLATE_SERVICE_URL", "http://plates.internal/recognize"), "PLATE_SERVICE_URL", "https");
        assertRefused(Map.of("CHARGEBOT_PROFILE", "production", "CHARGEBOT_PLATE_RECOGNIZER", "openai",
                "OPENAI_API_KEY", OPENAI_KEY, "CHARGEBOT_OPENAI_BASE_URL", "http://proxy.internal"), "CHARGEBOT_OPENAI_BASE_URL",
                "https");
        try (ApplicationContext context = startWithEnvironment(Map.of("CHARGEBOT_PROFILE", "production",
                "CHARGEBOT_PLATE_RECOGNIZER", "openai", "OPENAI_API_KEY", OPENAI_KEY))) {
            assertThat(selected(context).toString()).contains("https://api.openai.com/v1/responses");
        }
    }

    @Test
    void badSettingsRefuseToStartNamingTheSetting() {
        assertRefused(Map.of("CHARGEBOT_PLATE_RECOGNIZER", "tesseract"), "CHARGEBOT_PLATE_RECOGNIZER", "openai, http or local");
        assertRefused(Map.of("CHARGEBOT_PLATE_MAX_CONCURRENT", "0"), "CHARGEBOT_PLATE_MAX_CONCURRENT");
        assertRefused(Map.of("CHARGEBOT_PLATE_RECOGNIZER", "openai", "OPENAI_API_KEY", OPENAI_KEY,
                "CHARGEBOT_PLATE_OPENAI_IMAGE_DETAIL", "ultra"), "CHARGEBOT_PLATE_OPENAI_IMAGE_DETAIL");
        assertRefused(Map.of("CHARGEBOT_PLATE_RECOGNIZER", "openai", "OPENAI_API_KEY", OPENAI_KEY,
                "CHARGEBOT_PLATE_OPENAI_MODEL", "gpt 4 please"), "CHARGEBOT_PLATE_OPENAI_MODEL");
        assertRefused(Map.of("CHARGEBOT_PLATE_RECOGNIZER", "openai", "OPENAI_API_KEY", OPENAI_KEY,
                "CHARGEBOT_OPENAI_BASE_URL", "https://api.openai.com?x=1"), "CHARGEBOT_OPENAI_BASE_URL");
        assertRefused(Map.of("CHARGEBOT_PLATE_RECOGNIZER", "http", "PLATE_SERVICE_URL", "ftp://plates.example.com/x"),
                "PLATE_SERVICE_URL");
        assertRefused(Map.of("CHARGEBOT_PLATE_RECOGNIZER", "http", "PLATE_SERVICE_URL", "https://plates.example.com/x",
                "CHARGEBOT_PLATE_HTTP_API_KEY_HEADER", "Content-Type"), "CHARGEBOT_PLATE_HTTP_API_KEY_HEADER");
        assertRefused(Map.of("CHARGEBOT_PLATE_RECOGNIZER", "http", "PLATE_SERVICE_URL", "https://plates.example.com/x",
                "CHARGEBOT_PLATE_REQUEST_TIMEOUT", "10m"), "CHARGEBOT_PLATE_REQUEST_TIMEOUT");
    }
}
