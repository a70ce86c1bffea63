package io.chargebot.server.plate;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chargebot.server.http.ProviderHttp;
import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads plates with an HTTP recognition service (seed 003's http mode, {@code PLATE_SERVICE_URL}):
 *
 * <pre>
 * POST {PLATE_SERVICE_URL}
 * Content-Type: multipart/form-data; boundary=...
 * Authorization: Bearer {api-key}          (only when a key is configured; or "{header}: {api-key}")
 *
 * --...
 * Content-Disposition: form-data; name="file"; filename="plate.jpg"      (plate.png for PNG)
 * Content-Type: image/jpeg                                               (image/png)
 *
 * {the image bytes}
 * --...--
 *
 * 200 OK
 * {"plate": "12가 3456", "confidence": 0.93, "candidates": [{"plate": "12가 3458", "confidence": 0.41}]}
 * </pre>
 *
 * <p>Any 2xx answer in {@link PlateAnswers}' shape is the reading: seed 003's {@code {"plate": "...",
 * "raw": ...}} is accepted as is ({@code raw} ignored, confidence 0 = not given); a {@code null} or
 * empty plate is "no plate found". Everything else is UNAVAILABLE / PROVIDER_UNAVAILABLE: a connect
 * timeout (default 3 s), no complete answer within the request timeout (default 30 s, shortened to the
 * caller's gRPC deadline), HTTP 5xx, an answer not in that shape or larger than 64 KiB; other 4xx
 * answers (URL, key, field name, size limit) are logged at WARN as configuration problems. 429 is
 * RESOURCE_EXHAUSTED / RATE_LIMITED with the {@code Retry-After} delay. Redirects are not followed.
 */
public final class HttpPlateRecognizer implements PlateRecognizer {

    private static final Logger logger = LoggerFactory.getLogger(HttpPlateRecognizer.class);

    static final String PROVIDER = "http";
    static final String PART_NAME = "file";
    static final int MAX_RESPONSE_BYTES = 64 * 1024;
    private static final ObjectMapper json = new ObjectMapper();
    private static final SecureRandom random = new SecureRandom();

    /**
     * How to reach the recogniser.
     *
     * @param url          the endpoint that takes the POST
     * @param apiKey       the credential, or null to send none; never printed by {@link #toString()}
     * @param apiKeyHeader the header carrying it: {@code Authorization} sends {@code Bearer {apiKey}},
     *                     any other header (e.g. {@code x-api-key}) sends the key as is
     */
    public record Settings(URI url, @Nullable String apiKey, String apiKeyHeader, Duration connectTimeout,
                           Duration requestTimeout) {

        public Settings {
            requireNonNull(url, "url");
            requireNonNull(apiKeyHeader, "apiKeyHeader");
            requireNonNull(connectTimeout, "connectTimeout");
            requireNonNull(requestTimeout, "requestTimeout");
        }

        @Override
        public String toString() {
            return "Settings[url=" + url + ", apiKey=" + (apiKey == null ? "none" : "****") + ", apiKeyHeader="
                    + apiKeyHeader + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout + "]";
        }
    }

    private final Settings settings;
    private final PlateHttp http;

    public HttpPlateRecognizer(Settings settings) {
        this.settings = requireNonNull(settings, "settings");
        this.http = new PlateHttp("Plate recogniser " + settings.url().getAuthority(), settings.connectTimeout(),
                settings.requestTimeout());
    }

    @Override
    public PlateReading recognize(PlateImage image) {
        requireNonNull(image, "image");
        byte[] boundaryBytes = new byte[16];
        random.nextBytes(boundaryBytes);
        String boundary = "chargebot-" + HexFormat.of().formatHex(boundaryBytes);
        String head = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"" + PART_NAME + "\"; filename=\"plate."
                + image.format().extension() + "\"\r\n"
                + "Content-Type: " + image.format().mimeType() + "\r\n"
                + "\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest.Builder request = HttpRequest.newBuilder(settings.url())
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.concat(
                        HttpRequest.BodyPublishers.ofByteArray(head.getBytes(StandardCharsets.US_ASCII)),
                        HttpRequest.BodyPublishers.ofByteArray(image.bytes()),
                        HttpRequest.BodyPublishers.ofByteArray(tail.getBytes(StandardCharsets.US_ASCII))));
        if (settings.apiKey() != null) {
            request.header(settings.apiKeyHeader(), ProviderHttp.credential(settings.apiKeyHeader(), settings.apiKey()));
        }
        ProviderHttp.Response response = http.send(request, MAX_RESPONSE_BYTES);
        int status = response.status();
        if (status >= 200 && status < 300) {
            PlateReading reading = parse(response.body());
            logger.debug("Plate recogniser read a {} image: plate found {}, confidence {}", image.format(),
                    reading.found(), reading.confidence());
            return reading;
        }
        if (status == 429) {
            Duration delay = PlateHttp.retryAfter(response.headers());
            logger.warn("Plate recogniser is rate limiting this server (HTTP 429, retry after {})", delay);
            throw PlateHttp.rateLimited(delay);
        }
        if (status >= 400 && status < 500) {
            logger.warn("Plate recogniser refused a {}-byte {} image with HTTP {}: this looks like a configuration "
                    + "problem; check PLATE_SERVICE_URL, CHARGEBOT_PLATE_HTTP_API_KEY and _API_KEY_HEADER, and that "
                    + "the service takes a multipart part named \"file\" of up to 3 MiB",
                    image.bytes().length, image.format(), status);
        } else {
            logger.warn("Plate recogniser failed with HTTP {}", status);
        }
        throw PlateHttp.unavailable();
    }

    private static PlateReading parse(byte[] body) {
        try {
            return PlateAnswers.parse(json.readTree(body), PROVIDER);
        } catch (IOException e) {
            logger.warn("Plate recogniser answered with malformed JSON");
        } catch (IllegalArgumentException e) {
            logger.warn("Plate recogniser answered in an unexpected shape: {}", e.getMessage());
        }
        throw PlateHttp.unavailable();
    }

    @Override
    public String toString() {
        return "HttpPlateRecognizer[" + settings.url().getScheme() + "://" + settings.url().getAuthority()
                + (settings.apiKey() == null ? ", no key" : ", key in " + settings.apiKeyHeader().toLowerCase(Locale.ROOT))
                + "]";
    }
}
