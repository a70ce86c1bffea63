package io.chargebot.server.license;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.http.ProviderHttp;
import io.grpc.Status;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies licences with an HTTP licence-verification API (Korea's police/RIMS check is reached
 * through commercial aggregators). The contract, in seed 002's shape:
 *
 * <pre>
 * POST {chargebot.license.http.url}
 * Authorization: Bearer {api-key}          (or "{api-key-header}: {api-key}" when another header is configured)
 * Content-Type: application/json; charset=utf-8
 *
 * {"birthDate":"19990823","name":"홍길동","licenseNumber":"112312345601","serialNumber":"AB1234"}
 *
 * 200 OK
 * {"code":"00","result":"정상","meaning":"이상없음"}
 * </pre>
 *
 * <p>Any 2xx answer with a non-empty string {@code code} is the verifier's verdict ({@code "00"} =
 * valid). Everything else is UNAVAILABLE / PROVIDER_UNAVAILABLE: a connect timeout (default 3 s), no
 * complete answer within the request timeout (default 5 s, shortened to the caller's gRPC deadline),
 * HTTP 5xx, 429 (with its Retry-After as the retry delay), a body that is not such JSON, or larger than
 * 64 KiB. Other 4xx answers mean this server is misconfigured (URL, key) and are logged at WARN.
 * Logs carry the masked number only and never the provider's body (it may echo the request).
 */
public final class HttpLicenseVerifier implements LicenseVerifier {

    private static final Logger logger = LoggerFactory.getLogger(HttpLicenseVerifier.class);

    static final String PROVIDER = "http";
    static final int MAX_RESPONSE_BYTES = 64 * 1024;
    private static final int MAX_CODE_LENGTH = 20;
    private static final int MAX_TEXT_LENGTH = 200;
    private static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(1);
    private static final DateTimeFormatter BIRTH_DATE = DateTimeFormatter.BASIC_ISO_DATE;
    private static final ObjectMapper json = new ObjectMapper();

    /**
     * How to reach the verifier.
     *
     * @param url            the endpoint that takes the POST
     * @param apiKey         the credential; never printed by {@link #toString()}
     * @param apiKeyHeader   the header carrying it: {@code Authorization} sends {@code Bearer {apiKey}},
     *                       any other header (e.g. {@code x-api-key}) sends the key as is
     * @param connectTimeout how long to wait for a connection
     * @param requestTimeout how long to wait for the whole answer
     */
    public record Settings(URI url, String apiKey, String apiKeyHeader, Duration connectTimeout, Duration requestTimeout) {

        public Settings {
            requireNonNull(url, "url");
            requireNonNull(apiKey, "apiKey");
            requireNonNull(apiKeyHeader, "apiKeyHeader");
            requireNonNull(connectTimeout, "connectTimeout");
            requireNonNull(requestTimeout, "requestTimeout");
        }

        @Override
        public String toString() {
            return "Settings[url=" + url + ", apiKey=****, apiKeyHeader=" + apiKeyHeader
                    + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout + "]";
        }
    }

    private final Settings settings;
    private final ProviderHttp http;

    public HttpLicenseVerifier(Settings settings) {
        this.settings = requireNonNull(settings, "settings");
        this.http = new ProviderHttp(settings.connectTimeout(), settings.requestTimeout());
    }

    @Override
    public LicenseCheck verify(LicenseQuery query) {
        requireNonNull(query, "query");
        HttpRequest.Builder request = HttpRequest.newBuilder(settings.url())
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Accept", "application/json")
                .header(settings.apiKeyHeader(), ProviderHttp.credential(settings.apiKeyHeader(), settings.apiKey()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(requestBody(query)));
        ProviderHttp.Response response = send(request, query);
        int status = response.status();
        if (status >= 200 && status < 300) {
            LicenseCheck check = parse(response.body(), query);
            logger.debug("Licence {} checked: code {}", query.number().masked(), check.resultCode());
            return check;
        }
        if (status == 429) {
            Duration retry = retryAfter(response.headers());
            logger.warn("Licence verifier is rate limiting this server (HTTP 429, retry after {})", retry);
            throw new ApiException(Status.Code.UNAVAILABLE, ErrorReason.PROVIDER_UNAVAILABLE,
                    "the driver's licence verifier is busy; retry later", List.of(), Map.of(), retry);
        }
        if (status >= 400 && status < 500) {
            logger.warn("Licence verifier refused the request with HTTP {}: this looks like a configuration "
                    + "problem; check chargebot.license.http.url, api-key and api-key-header "
                    + "(CHARGEBOT_LICENSE_HTTP_URL, CHARGEBOT_LICENSE_HTTP_API_KEY, CHARGEBOT_LICENSE_HTTP_API_KEY_HEADER)",
                    status);
        } else {
            logger.warn("Licence verifier failed with HTTP {} for licence {}", status, query.number().masked());
        }
        throw unavailable();
    }

    private static byte[] requestBody(LicenseQuery query) {
        ObjectNode body = json.createObjectNode();
        body.put("birthDate", BIRTH_DATE.format(query.birthDate()));
        body.put("name", query.holderName());
        body.put("licenseNumber", query.number().digits());
        body.put("serialNumber", query.serialNumber());
        try {
            return json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON object of strings", e);
        }
    }

    private ProviderHttp.Response send(HttpRequest.Builder request, LicenseQuery query) {
        try {
            return http.send(request, MAX_RESPONSE_BYTES);
        } catch (ProviderHttp.Failure e) {
            switch (e.reason()) {
                case TIMED_OUT -> logger.warn("Licence verifier did not answer within {} for licence {}", e.timeout(),
                        query.number().masked());
                case FAILED -> logger.warn("Licence verifier call failed for licence {}: {}", query.number().masked(),
                        e.getMessage());
                case INTERRUPTED -> { } // this server stopped waiting: nothing to say about the verifier
            }
            throw unavailable();
        }
    }

    private static LicenseCheck parse(byte[] body, LicenseQuery query) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            logger.warn("Licence verifier answered with malformed JSON for licence {}", query.number().masked());
            throw unavailable();
        }
        if (root == null || !root.isObject()) {
            logger.warn("Licence verifier answered with something other than a JSON object for licence {}",
                    query.number().masked());
            throw unavailable();
        }
        JsonNode code = root.get("code");
        if (code == null || !code.isTextual() || code.asText().isBlank() || code.asText().strip().length() > MAX_CODE_LENGTH) {
            logger.warn("Licence verifier answered without a usable \"code\" for licence {}", query.number().masked());
            throw unavailable();
        }
        return LicenseCheck.of(code.asText().strip(), text(root.get("result")), text(root.get("meaning")), PROVIDER);
    }

    private static String text(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return "";
        }
        String value = node.asText().strip();
        if (value.codePointCount(0, value.length()) > MAX_TEXT_LENGTH) {
            value = value.substring(0, value.offsetByCodePoints(0, MAX_TEXT_LENGTH));
        }
        return value;
    }

    private static Duration retryAfter(HttpHeaders headers) {
        String value = headers.firstValue("Retry-After").orElse("").strip();
        try {
            long seconds = Long.parseLong(value);
            if (seconds <= 0) {
                return DEFAULT_RETRY_DELAY;
            }
            return seconds > MAX_RETRY_DELAY.getSeconds() ? MAX_RETRY_DELAY : Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            return DEFAULT_RETRY_DELAY;
        }
    }

    static ApiException unavailable() {
        return new ApiException(Status.Code.UNAVAILABLE, ErrorReason.PROVIDER_UNAVAILABLE,
                "the driver's licence verifier is unavailable; retry later", List.of(), Map.of(), DEFAULT_RETRY_DELAY);
    }

    @Override
    public String toString() {
        return "HttpLicenseVerifier[" + settings.url().getScheme() + "://" + settings.url().getAuthority()
                + ", key in " + settings.apiKeyHeader().toLowerCase(Locale.ROOT) + "]";
    }
}
