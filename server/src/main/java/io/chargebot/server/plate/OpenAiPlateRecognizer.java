package io.chargebot.server.plate;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.http.ProviderHttp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads plates with a vision model through the OpenAI Responses API (seed 003's "gptapi" mode):
 *
 * <pre>
 * POST {base-url}/v1/responses
 * Authorization: Bearer {OPENAI_API_KEY}
 * Content-Type: application/json
 *
 * {"model": "gpt-4.1-mini", "store": false,
 *  "input": [{"role": "user", "content": [
 *     {"type": "input_text", "text": "{prompt}"},
 *     {"type": "input_image", "image_url": "data:image/jpeg;base64,...", "detail": "high"}]}],
 *  "text": {"format": {"type": "json_schema", "name": "plate_reading", "strict": true, "schema": {...}}}}
 * </pre>
 *
 * <p>The schema (structured outputs) makes the model answer {@code {"plate", "confidence", "candidates"}},
 * read by {@link PlateAnswers}; the answer is the {@code output_text} parts of the {@code message}
 * items in {@code output[]} (raw HTTP has no top-level {@code output_text}; that is an SDK
 * convenience). A model without structured outputs behind a compatible base URL may wrap the JSON in
 * prose or a code fence: the outermost {@code {...}} is read. The confidence is the model's own estimate.
 * {@code store} is false: photos are not kept by OpenAI for later retrieval.
 *
 * <p>Failures: 429 is RESOURCE_EXHAUSTED / RATE_LIMITED with the delay of {@code retry-after-ms} or
 * {@code Retry-After} (1 s when absent), except {@code insufficient_quota} (billing, not a rate: UNAVAILABLE,
 * logged at WARN); 401/403 (bad or revoked key) and other 4xx (unknown model, a model without image
 * input) are UNAVAILABLE / PROVIDER_UNAVAILABLE logged at WARN as configuration problems, with OpenAI's
 * error type, code and param but never the key; a 400 about the image (OpenAI could not decode it) is
 * INVALID_ARGUMENT on {@code image}; 5xx, timeouts and unreadable answers are UNAVAILABLE. A refusal
 * or an empty plate is "no plate found".
 */
public final class OpenAiPlateRecognizer implements PlateRecognizer {

    private static final Logger logger = LoggerFactory.getLogger(OpenAiPlateRecognizer.class);

    static final String PROVIDER = "openai";
    static final String DEFAULT_BASE_URL = "https://api.openai.com";
    static final String DEFAULT_MODEL = "gpt-4.1-mini";
    static final String DEFAULT_IMAGE_DETAIL = "high";
    static final int MAX_RESPONSE_BYTES = 256 * 1024;
    static final String DEFAULT_PROMPT = """
            Read the licence plate of the vehicle in this photo. Plates are South Korean, e.g. "12가 3456", \
            "123가 4567" or "서울12가 3456": two or three digits, one Hangul syllable, four digits, sometimes \
            preceded by a region name. Answer with JSON only: "plate" is the most likely reading exactly as \
            printed (Hangul and digits only), or "" when no plate is readable; "confidence" is your confidence \
            in it from 0 to 1; "candidates" are up to 4 other plausible readings, most likely first, each with \
            its confidence (empty when there are none). Never invent characters that are not visible.""";

    private static final ObjectMapper json = new ObjectMapper();

    /**
     * How to reach OpenAI.
     *
     * @param baseUrl     e.g. {@code https://api.openai.com}; requests go to {@code {baseUrl}/v1/responses}
     *                    (a base URL already ending in {@code /v1} is used as is)
     * @param apiKey      the API key; never printed by {@link #toString()}
     * @param model       a vision-capable model, e.g. {@code gpt-4.1-mini}
     * @param prompt      the instruction sent with the photo
     * @param imageDetail {@code low}, {@code high} or {@code auto}
     */
    public record Settings(URI baseUrl, String apiKey, String model, String prompt, String imageDetail,
                           Duration connectTimeout, Duration requestTimeout) {

        public Settings {
            requireNonNull(baseUrl, "baseUrl");
            requireNonNull(apiKey, "apiKey");
            requireNonNull(model, "model");
            requireNonNull(prompt, "prompt");
            requireNonNull(imageDetail, "imageDetail");
            requireNonNull(connectTimeout, "connectTimeout");
            requireNonNull(requestTimeout, "requestTimeout");
        }

        /** The endpoint that takes the POST. */
        URI endpoint() {
            String base = baseUrl.toString();
            while (base.endsWith("/")) {
                base = base.substring(0, base.length() - 1);
            }
            return URI.create(base.endsWith("/v1") ? base + "/responses" : base + "/v1/responses");
        }

        @Override
        public String toString() {
            return "Settings[baseUrl=" + baseUrl + ", apiKey=****, model=" + model + ", imageDetail=" + imageDetail
                    + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout + "]";
        }
    }

    private final Settings settings;
    private final URI endpoint;
    private final PlateHttp http;

    public OpenAiPlateRecognizer(Settings settings) {
        this.settings = requireNonNull(settings, "settings");
        this.endpoint = settings.endpoint();
        this.http = new PlateHttp("OpenAI", settings.connectTimeout(), settings.requestTimeout());
    }

    @Override
    public PlateReading recognize(PlateImage image) {
        requireNonNull(image, "image");
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .header("Authorization", "Bearer " + settings.apiKey())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(requestBody(image));
        ProviderHttp.Response response = http.send(request, MAX_RESPONSE_BYTES);
        int status = response.status();
        if (status >= 200 && status < 300) {
            PlateReading reading = readAnswer(response.body());
            logger.debug("OpenAI read a {} image: plate found {}, confidence {}", image.format(), reading.found(),
                    reading.confidence());
            return reading;
        }
        JsonNode error = errorOf(response.body());
        String code = text(error, "code");
        if (status == 429 && !"insufficient_quota".equals(code)) {
            Duration delay = PlateHttp.retryAfter(response.headers());
            logger.warn("OpenAI is rate limiting this server (HTTP 429 {}, retry after {})", code, delay);
            throw PlateHttp.rateLimited(delay);
        }
        if (status == 400 && aboutTheImage(error)) {
            logger.debug("OpenAI could not use the {} image: {} {}", image.format(), text(error, "type"), code);
            throw ApiException.invalid("image", "could not be read as an image (is the file complete?)");
        }
        if (status == 401 || status == 403) {
            logger.warn("OpenAI refused the API key with HTTP {} ({} {}): check OPENAI_API_KEY and the key's "
                    + "project permissions", status, text(error, "type"), code);
        } else if (status == 429) {
            logger.warn("OpenAI answered HTTP 429 insufficient_quota: the account behind OPENAI_API_KEY "
                    + "is out of credit; check its plan and billing");
        } else if (status >= 400 && status < 500) {
            logger.warn("OpenAI refused the request with HTTP {} (type {}, code {}, param {}): this looks like "
                    + "a configuration problem; check CHARGEBOT_PLATE_OPENAI_MODEL ({}, must take image input) and "
                    + "CHARGEBOT_OPENAI_BASE_URL", status, text(error, "type"), code, text(error, "param"),
                    settings.model());
        } else {
            logger.warn("OpenAI failed with HTTP {} ({} {})", status, text(error, "type"), code);
        }
        throw PlateHttp.unavailable();
    }

    /**
     * The JSON body. The base64 image is the bulk of it (up to 4 MiB), so it is not put through a JSON
     * tree: the tree is written with a marker where the data URL goes, and the body is sent as the text
     * before the marker, the data URL, and the text after it.
     */
    private HttpRequest.BodyPublisher requestBody(PlateImage image) {
        String marker = "image-" + UUID.randomUUID();
        ObjectNode body = json.createObjectNode();
        body.put("model", settings.model());
        body.put("store", false);
        ArrayNode content = body.putArray("input").addObject().put("role", "user").putArray("content");
        content.addObject().put("type", "input_text").put("text", settings.prompt());
        content.addObject().put("type", "input_image").put("image_url", marker).put("detail", settings.imageDetail());
        body.putObject("text").set("format", answerFormat());
        byte[] written;
        try {
            written = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON tree", e);
        }
        byte[] needle = marker.getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(written, needle);
        byte[] dataUrlPrefix = ("data:" + image.format().mimeType() + ";base64,").getBytes(StandardCharsets.US_ASCII);
        return HttpRequest.BodyPublishers.concat(
                HttpRequest.BodyPublishers.ofByteArray(written, 0, at),
                HttpRequest.BodyPublishers.ofByteArray(dataUrlPrefix),
                HttpRequest.BodyPublishers.ofByteArray(Base64.getEncoder().encode(image.bytes())),
                HttpRequest.BodyPublishers.ofByteArray(written, at + needle.length, written.length - at - needle.length));
    }

    /** {@code text.format}: a strict JSON schema for {plate, confidence, candidates[{plate, confidence}]}. */
    static ObjectNode answerFormat() {
        ObjectNode format = json.createObjectNode();
        format.put("type", "json_schema");
        format.put("name", "plate_reading");
        format.put("strict", true);
        ObjectNode schema = format.putObject("schema");
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        properties.putObject("plate").put("type", "string")
                .put("description", "The plate exactly as printed, or an empty string when none is readable");
        properties.putObject("confidence").put("type", "number").put("description", "Confidence from 0 to 1");
        ObjectNode candidate = properties.putObject("candidates").put("type", "array")
                .put("description", "Other plausible readings, most likely first").putObject("items");
        candidate.put("type", "object");
        ObjectNode candidateProperties = candidate.putObject("properties");
        candidateProperties.putObject("plate").put("type", "string");
        candidateProperties.putObject("confidence").put("type", "number");
        candidate.putArray("required").add("plate").add("confidence");
        candidate.put("additionalProperties", false);
        schema.putArray("required").add("plate").add("confidence").add("candidates");
        schema.put("additionalProperties", false);
        return format;
    }

    private PlateReading readAnswer(byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            logger.warn("OpenAI answered with malformed JSON");
            throw PlateHttp.unavailable();
        }
        StringBuilder answerText = new StringBuilder();
        boolean refused = false;
        for (JsonNode item : root == null ? json.createArrayNode() : root.path("output")) {
            if (!"message".equals(item.path("type").asText())) {
                continue;
            }
            for (JsonNode part : item.path("content")) {
                String type = part.path("type").asText();
                if (type.equals("output_text")) {
                    answerText.append(part.path("text").asText());
                } else if (type.equals("refusal")) {
                    refused = true;
                }
            }
        }
        if (answerText.length() == 0) {
            if (refused) {
                logger.info("OpenAI refused to read the photo; answering \"no plate found\"");
                return PlateReading.none(PROVIDER);
            }
            logger.warn("OpenAI answered without a message (status {}, incomplete reason {})",
                    root == null ? null : text(root, "status"),
                    root == null ? null : text(root.path("incomplete_details"), "reason"));
            throw PlateHttp.unavailable();
        }
        String answer = answerText.toString();
        int start = answer.indexOf('{');
        int end = answer.lastIndexOf('}');
        try {
            if (start < 0 || end < start) {
                throw new IllegalArgumentException("no JSON object");
            }
            return PlateAnswers.parse(json.readTree(answer.substring(start, end + 1)), PROVIDER);
        } catch (IOException | IllegalArgumentException e) {
            logger.warn("OpenAI's answer is not the requested JSON ({} characters): {}", answer.length(),
                    e instanceof IOException ? "malformed JSON" : e.getMessage());
            throw PlateHttp.unavailable();
        }
    }

    /** OpenAI's {@code error} object, or a missing node. */
    private static JsonNode errorOf(byte[] body) {
        try {
            JsonNode root = json.readTree(body);
            return root == null ? json.missingNode() : root.path("error");
        } catch (IOException e) {
            return json.missingNode();
        }
    }

    /** A 400 whose error code or param is about the input image (e.g. an image it could not decode). */
    private static boolean aboutTheImage(JsonNode error) {
        String code = String.valueOf(text(error, "code")).toLowerCase(Locale.ROOT);
        String param = String.valueOf(text(error, "param")).toLowerCase(Locale.ROOT);
        return code.contains("image") || param.contains("image_url");
    }

    /** A short string member for logs (identifiers such as error codes only), or null. */
    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (!value.isTextual()) {
            return null;
        }
        String s = value.asText();
        return s.length() > 80 ? s.substring(0, 80) : s;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("marker missing from the request body");
    }

    @Override
    public String toString() {
        return "OpenAiPlateRecognizer[" + endpoint.getScheme() + "://" + endpoint.getAuthority() + endpoint.getPath()
                + ", model " + settings.model() + ", image detail " + settings.imageDetail() + "]";
    }
}
