package io.chargebot.server.notification;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.sun.net.httpserver.HttpExchange;
import io.chargebot.server.testing.FakeProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local stand-in for FCM's HTTP v1 endpoint (a real HTTP server) and a firebase-admin sender
 * pointed at it, with fixed access-token credentials: what firebase-admin sends is what a test reads.
 */
final class FcmStandIn implements AutoCloseable {

    static final String PROJECT = "chargebot-test";
    static final String ACCESS_TOKEN = "ya29.test-access-token";
    static final ObjectMapper JSON = new ObjectMapper();

    final FakeProvider http;
    private final AtomicLong ids = new AtomicLong();

    FcmStandIn() {
        try {
            http = new FakeProvider();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        acceptAll();
    }

    /** A firebase-admin sender for this stand-in (close it with the test). */
    FirebasePushSender sender() {
        GoogleCredentials credentials = GoogleCredentials.create(
                new AccessToken(ACCESS_TOKEN, new Date(System.currentTimeMillis() + 3_600_000L)));
        return new FirebasePushSender(credentials, PROJECT, http.uri(""), Duration.ofSeconds(10));
    }

    /** Every message is accepted. */
    void acceptAll() {
        http.respond((exchange, request) -> accept(exchange));
    }

    void accept(HttpExchange exchange) throws IOException {
        FakeProvider.json(exchange, 200, "{\"name\":\"projects/" + PROJECT + "/messages/0:" + ids.incrementAndGet() + "\"}");
    }

    /** FCM's error reply: HTTP status, canonical status and the FcmError code. */
    static void error(HttpExchange exchange, int status, String canonical, String fcmCode) throws IOException {
        FakeProvider.json(exchange, status, "{\"error\":{\"code\":" + status + ",\"message\":\"" + fcmCode + " from the stand-in\","
                + "\"status\":\"" + canonical + "\",\"details\":[{\"@type\":\"type.googleapis.com/google.firebase.fcm.v1.FcmError\","
                + "\"errorCode\":\"" + fcmCode + "\"}]}}");
    }

    /** The {@code message} object of a request body. */
    static JsonNode message(FakeProvider.Request request) {
        try {
            return JSON.readTree(request.body()).get("message");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The token a request was sent to. */
    static String token(FakeProvider.Request request) {
        return message(request).get("token").asText();
    }

    @Override
    public void close() {
        http.close();
    }
}
