package io.chargebot.server.messaging;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends SMS through Naver Cloud SENS v2: one signed {@code POST /sms/v2/services/{serviceId}/messages}
 * per message. Texts over 90 bytes (Korean characters count 2, as in EUC-KR) go as LMS.
 */
final class SensSmsSender implements SmsSender {

    private static final Logger logger = LoggerFactory.getLogger(SensSmsSender.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Longest SMS body; longer texts are sent as LMS. */
    static final int SMS_MAX_BYTES = 90;
    /** Longest LMS body SENS accepts. */
    static final int LMS_MAX_BYTES = 2000;
    private static final int MAX_DETAIL_CHARS = 200;

    private final SensSettings settings;
    private final Clock clock;
    private final URI uri;
    private final HttpClient httpClient;

    SensSmsSender(SensSettings settings, Clock clock) {
        this.settings = requireNonNull(settings, "settings");
        this.clock = requireNonNull(clock, "clock");
        this.uri = URI.create(settings.endpoint() + "/sms/v2/services/" + settings.serviceId() + "/messages");
        this.httpClient = HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    @Override
    public void send(String e164Phone, String text) throws MessageSendException {
        requireNonNull(e164Phone, "e164Phone");
        requireNonNull(text, "text");
        String to = Recipients.nationalMobile(e164Phone);
        String masked = Recipients.maskPhone(e164Phone);
        if (text.isBlank()) {
            throw new IllegalArgumentException("text: blank (expected: a message)");
        }
        int bytes = koreanByteLength(text);
        if (bytes > LMS_MAX_BYTES) {
            throw new IllegalArgumentException("text: " + bytes + " bytes (expected: at most " + LMS_MAX_BYTES + ")");
        }
        String type = bytes > SMS_MAX_BYTES ? "LMS" : "SMS";

        ObjectNode body = JSON.createObjectNode()
                .put("type", type)
                .put("contentType", "COMM")
                .put("countryCode", "82")
                .put("from", settings.from())
                .put("content", text);
        body.putArray("messages").addObject().put("to", to);
        String timestamp = Long.toString(clock.millis());
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(settings.requestTimeout())
                .header("Content-Type", "application/json; charset=utf-8")
                .header("x-ncp-apigw-timestamp", timestamp)
                .header("x-ncp-iam-access-key", settings.accessKey())
                .header("x-ncp-apigw-signature-v2",
                        signature(settings.secretKey(), "POST", uri.getRawPath(), timestamp, settings.accessKey()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(toJson(body)))
                .build();

        HttpResponse<String> response;
        try {
            response = httpClient.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            throw new MessageSendException("SENS at " + uri.getHost() + " could not be reached within "
                    + Settings.format(settings.connectTimeout()) + " (SMS to " + masked + ")", true, e);
        } catch (HttpTimeoutException e) {
            throw new MessageSendException("SENS did not answer within " + Settings.format(settings.requestTimeout())
                    + " (SMS to " + masked + ")", true, e);
        } catch (ConnectException e) {
            throw new MessageSendException("SENS at " + uri.getHost() + " is unreachable (SMS to " + masked + ")", true, e);
        } catch (IOException e) {
            throw new MessageSendException("SENS request failed: " + e.getClass().getSimpleName()
                    + " (SMS to " + masked + ")", true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MessageSendException("interrupted while sending an SMS to " + masked + " through SENS", true, e);
        }

        JsonNode reply = parse(response.body());
        String statusCode = reply.path("statusCode").asText("");
        if (response.statusCode() == 202 && statusCode.equals("202")) {
            logger.info("SMS sent through SENS to {} (type {}, requestId {})", masked, type,
                    clean(reply.path("requestId").asText("-")));
            return;
        }
        int status = response.statusCode();
        boolean retryable = status == 429 || status >= 500;
        throw new MessageSendException("SENS refused the SMS to " + masked + ": HTTP " + status
                + details(reply), retryable);
    }

    /**
     * The {@code x-ncp-apigw-signature-v2} header: Base64(HmacSHA256(secretKey,
     * "{method} {uri}\n{timestamp}\n{accessKey}")), where uri is the path with its query string.
     */
    static String signature(String secretKey, String method, String uri, String timestamp, String accessKey) {
        String message = method + " " + uri + "\n" + timestamp + "\n" + accessKey;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secretKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    /** Length as Korean carriers count it (EUC-KR): ASCII 1 byte, every other character 2. */
    static int koreanByteLength(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            bytes += codePoint < 0x80 ? 1 : 2;
            i += Character.charCount(codePoint);
        }
        return bytes;
    }

    private static byte[] toJson(ObjectNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the SENS request", e);
        }
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node == null ? JSON.missingNode() : node;
        } catch (JsonProcessingException e) {
            return JSON.missingNode();
        }
    }

    /** The provider's own status fields (never the request, never a key), shortened for a log line. */
    private String details(JsonNode reply) {
        List<String> parts = new ArrayList<>();
        add(parts, "statusCode", reply.path("statusCode"));
        add(parts, "statusName", reply.path("statusName"));
        add(parts, "errorMessage", reply.path("errorMessage"));
        add(parts, "errorCode", reply.path("error").path("errorCode"));
        add(parts, "message", reply.path("error").path("message"));
        if (parts.isEmpty()) {
            return "";
        }
        String joined = String.join(", ", parts);
        if (joined.length() > MAX_DETAIL_CHARS) {
            joined = joined.substring(0, MAX_DETAIL_CHARS) + "...";
        }
        return " (" + joined + ")";
    }

    private void add(List<String> parts, String name, JsonNode value) {
        if (value.isValueNode() && !value.asText().isBlank()) {
            parts.add(name + "=" + clean(value.asText()));
        }
    }

    /** Removes control characters and anything equal to a configured key. */
    private String clean(String text) {
        String cleaned = text.replaceAll("\\p{Cntrl}", " ")
                .replace(settings.secretKey(), "***")
                .replace(settings.accessKey(), "***");
        return cleaned.length() > MAX_DETAIL_CHARS ? cleaned.substring(0, MAX_DETAIL_CHARS) + "..." : cleaned;
    }
}
