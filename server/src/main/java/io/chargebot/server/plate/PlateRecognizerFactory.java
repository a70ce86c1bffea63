package io.chargebot.server.plate;

import io.chargebot.server.config.AdapterSettings;
import io.chargebot.server.config.RuntimeProfile;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the {@link PlateRecognizer} from {@code chargebot.plate.recognizer}
 * ({@code CHARGEBOT_PLATE_RECOGNIZER}): {@code openai} (alias {@code gptapi}, seed 003's name),
 * {@code http}, or {@code local} (default; refused in production), and bounds it to
 * {@code chargebot.plate.max-concurrent} recognitions at once. Created at start-up, so a bad
 * configuration stops the server instead of failing the first upload.
 */
@Factory
final class PlateRecognizerFactory {

    private static final Logger logger = LoggerFactory.getLogger(PlateRecognizerFactory.class);

    static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(60);
    static final Duration MAX_REQUEST_TIMEOUT = Duration.ofSeconds(120);
    static final int MAX_PROMPT_LENGTH = 4000;

    /** The settings as read from configuration; blank strings mean "not set". */
    record Settings(String recognizer, @Nullable String openAiApiKey, @Nullable String openAiBaseUrl, String openAiModel,
                    String openAiImageDetail, @Nullable String prompt, @Nullable String serviceUrl,
                    @Nullable String httpApiKey, String httpApiKeyHeader, Duration connectTimeout,
                    Duration requestTimeout, int maxConcurrent) {

        @Override
        public String toString() {
            return "Settings[recognizer=" + recognizer + ", model=" + openAiModel + "]";
        }
    }

    @Context
    PlateRecognizer plateRecognizer(RuntimeProfile profile,
                                    @Value("${chargebot.plate.recognizer:local}") String recognizer,
                                    @Nullable @Value("${openai.api-key:}") String openAiApiKey,
                                    @Nullable @Value("${chargebot.openai.base-url:}") String openAiBaseUrl,
                                    @Value("${chargebot.plate.openai.model:" + OpenAiPlateRecognizer.DEFAULT_MODEL + "}")
                                    String openAiModel,
                                    @Value("${chargebot.plate.openai.image-detail:" + OpenAiPlateRecognizer.DEFAULT_IMAGE_DETAIL
                                            + "}") String openAiImageDetail,
                                    @Nullable @Value("${chargebot.plate.prompt:}") String prompt,
                                    @Nullable @Value("${plate.service.url:}") String serviceUrl,
                                    @Nullable @Value("${chargebot.plate.http.api-key:}") String httpApiKey,
                                    @Value("${chargebot.plate.http.api-key-header:Authorization}") String httpApiKeyHeader,
                                    @Value("${chargebot.plate.connect-timeout:3s}") Duration connectTimeout,
                                    @Value("${chargebot.plate.request-timeout:30s}") Duration requestTimeout,
                                    @Value("${chargebot.plate.max-concurrent:16}") int maxConcurrent) {
        PlateRecognizer plateRecognizer = create(profile, new Settings(recognizer, openAiApiKey, openAiBaseUrl, openAiModel,
                openAiImageDetail, prompt, serviceUrl, httpApiKey, httpApiKeyHeader, connectTimeout, requestTimeout,
                maxConcurrent));
        logger.info("Plate recogniser: {}", plateRecognizer);
        return plateRecognizer;
    }

    static PlateRecognizer create(RuntimeProfile profile, Settings settings) {
        int maxConcurrent = settings.maxConcurrent();
        if (maxConcurrent < 1 || maxConcurrent > 1000) {
            throw new ConfigurationException("chargebot.plate.max-concurrent (CHARGEBOT_PLATE_MAX_CONCURRENT): "
                    + maxConcurrent + " (expected: 1..1000)");
        }
        PlateRecognizer recognizer = switch (settings.recognizer().strip().toLowerCase(Locale.ROOT)) {
            case "local" -> {
                profile.refuseDevelopmentAdapter("plate recogniser",
                        "CHARGEBOT_PLATE_RECOGNIZER=openai with OPENAI_API_KEY, or CHARGEBOT_PLATE_RECOGNIZER=http "
                        + "with PLATE_SERVICE_URL");
                yield new LocalDevelopmentPlateRecognizer();
            }
            case "openai", "gptapi" -> new OpenAiPlateRecognizer(new OpenAiPlateRecognizer.Settings(
                    url(profile, "chargebot.openai.base-url (CHARGEBOT_OPENAI_BASE_URL)",
                            settings.openAiBaseUrl() == null || settings.openAiBaseUrl().isBlank()
                                    ? OpenAiPlateRecognizer.DEFAULT_BASE_URL : settings.openAiBaseUrl(), false),
                    key("openai.api-key (OPENAI_API_KEY)", settings.openAiApiKey(), true, "openai"),
                    model(settings.openAiModel()),
                    prompt(settings.prompt()),
                    imageDetail(settings.openAiImageDetail()),
                    AdapterSettings.timeout("chargebot.plate.connect-timeout (CHARGEBOT_PLATE_CONNECT_TIMEOUT)",
                            settings.connectTimeout(), MAX_CONNECT_TIMEOUT),
                    AdapterSettings.timeout("chargebot.plate.request-timeout (CHARGEBOT_PLATE_REQUEST_TIMEOUT)",
                            settings.requestTimeout(), MAX_REQUEST_TIMEOUT)));
            case "http" -> {
                String setting = "plate.service.url (PLATE_SERVICE_URL)";
                if (settings.serviceUrl() == null || settings.serviceUrl().isBlank()) {
                    throw new ConfigurationException(setting + " is required with CHARGEBOT_PLATE_RECOGNIZER=http: "
                            + "the recogniser's endpoint, e.g. https://plates.example.com/v1/recognize");
                }
                yield new HttpPlateRecognizer(new HttpPlateRecognizer.Settings(
                        url(profile, setting, settings.serviceUrl(), true),
                        key("chargebot.plate.http.api-key (CHARGEBOT_PLATE_HTTP_API_KEY)", settings.httpApiKey(), false,
                                "http"),
                        header(settings.httpApiKeyHeader()),
                        AdapterSettings.timeout("chargebot.plate.connect-timeout (CHARGEBOT_PLATE_CONNECT_TIMEOUT)",
                                settings.connectTimeout(), MAX_CONNECT_TIMEOUT),
                        AdapterSettings.timeout("chargebot.plate.request-timeout (CHARGEBOT_PLATE_REQUEST_TIMEOUT)",
                                settings.requestTimeout(), MAX_REQUEST_TIMEOUT)));
            }
            default -> throw new ConfigurationException("chargebot.plate.recognizer (CHARGEBOT_PLATE_RECOGNIZER): "
                    + settings.recognizer() + " (expected: openai, http or local)");
        };
        return new BoundedPlateRecognizer(recognizer, maxConcurrent);
    }

    private static URI url(RuntimeProfile profile, String setting, String value, boolean queryAllowed) {
        URI uri = AdapterSettings.url(setting, value);
        if (!AdapterSettings.httpUrl(uri) || uri.getFragment() != null || uri.getUserInfo() != null
                || (!queryAllowed && uri.getQuery() != null)) {
            throw new ConfigurationException(setting + ": " + uri.getScheme() + "://" + uri.getHost() + "... (expected: an "
                    + "absolute http or https URL without " + (queryAllowed ? "" : "query, ") + "fragment or credentials)");
        }
        AdapterSettings.requireHttpsInProduction(profile, setting, uri,
                "photos of cars and the recogniser's key must not travel in clear text");
        return uri;
    }

    @Nullable
    private static String key(String setting, @Nullable String value, boolean required, String recognizer) {
        String key = AdapterSettings.credential(setting, value);
        if (key == null && required) {
            throw new ConfigurationException(setting + " is required with CHARGEBOT_PLATE_RECOGNIZER=" + recognizer);
        }
        return key;
    }

    private static String header(String name) {
        return AdapterSettings.credentialHeader(
                "chargebot.plate.http.api-key-header (CHARGEBOT_PLATE_HTTP_API_KEY_HEADER)", name);
    }

    private static String model(String value) {
        String model = value.strip();
        if (!model.matches("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")) {
            throw new ConfigurationException("chargebot.plate.openai.model (CHARGEBOT_PLATE_OPENAI_MODEL): " + value
                    + " (expected: a model name such as " + OpenAiPlateRecognizer.DEFAULT_MODEL + ")");
        }
        return model;
    }

    private static String prompt(@Nullable String value) {
        if (value == null || value.isBlank()) {
            return OpenAiPlateRecognizer.DEFAULT_PROMPT;
        }
        String prompt = value.strip();
        if (prompt.length() > MAX_PROMPT_LENGTH) {
            throw new ConfigurationException("chargebot.plate.prompt (CHARGEBOT_PLATE_PROMPT): " + prompt.length()
                    + " characters (expected: at most " + MAX_PROMPT_LENGTH + ")");
        }
        return prompt;
    }

    private static String imageDetail(String value) {
        String detail = value.strip().toLowerCase(Locale.ROOT);
        if (!Set.of("low", "high", "auto").contains(detail)) {
            throw new ConfigurationException("chargebot.plate.openai.image-detail (CHARGEBOT_PLATE_OPENAI_IMAGE_DETAIL): "
                    + value + " (expected: low, high or auto)");
        }
        return detail;
    }
}
