package io.chargebot.server.notification;

import static java.util.Objects.requireNonNull;

import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.firebase.ErrorCode;
import com.google.firebase.FirebaseApp;
import com.google.firebase.FirebaseOptions;
import com.google.firebase.messaging.AndroidConfig;
import com.google.firebase.messaging.AndroidNotification;
import com.google.firebase.messaging.BatchResponse;
import com.google.firebase.messaging.FirebaseMessaging;
import com.google.firebase.messaging.FirebaseMessagingException;
import com.google.firebase.messaging.MessagingErrorCode;
import com.google.firebase.messaging.Notification;
import com.google.firebase.messaging.SendResponse;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push through Firebase Cloud Messaging (HTTP v1) with firebase-admin's {@link FirebaseMessaging}:
 * a notification (title, body), the data payload, Android priority HIGH and the outbox id as the
 * Android notification tag. firebase-admin itself retries 503 replies a few times with back-off;
 * what still fails comes back as a {@link PushSender.Result} mapped from FCM's error code.
 */
public final class FirebasePushSender implements PushSender, AutoCloseable {

    /** Where FCM lives; requests are redirected when another base URL (a local stand-in) is configured. */
    static final URI FCM = URI.create("https://fcm.googleapis.com");
    /** FCM's limit per sendEach call. */
    private static final int MAX_PER_CALL = 500;
    private static final Logger logger = LoggerFactory.getLogger(FirebasePushSender.class);

    private final FirebaseApp app;
    private final FirebaseMessaging messaging;
    private final String projectId;

    /**
     * @param baseUrl FCM's base URL; anything but {@link #FCM} redirects every request there (tests, benchmarks)
     */
    public FirebasePushSender(GoogleCredentials credentials, String projectId, URI baseUrl, Duration timeout) {
        requireNonNull(credentials, "credentials");
        this.projectId = requireNonNull(projectId, "projectId");
        NetHttpTransport.Builder transport = new NetHttpTransport.Builder();
        if (!baseUrl.equals(FCM)) {
            transport.setConnectionFactory(url -> (HttpURLConnection) redirect(url, baseUrl).openConnection());
        }
        int millis = Math.toIntExact(timeout.toMillis());
        FirebaseOptions options = FirebaseOptions.builder()
                .setCredentials(credentials)
                .setProjectId(projectId)
                .setHttpTransport(transport.build())
                .setConnectTimeout(millis)
                .setReadTimeout(millis)
                .build();
        // One app per sender: several may live in one JVM (tests, benchmarks, two servers).
        this.app = FirebaseApp.initializeApp(options, "chargebot-push-" + UUID.randomUUID());
        this.messaging = FirebaseMessaging.getInstance(app);
    }

    private static URL redirect(URL url, URI baseUrl) throws java.io.IOException {
        try {
            return new URI(baseUrl.getScheme(), null, baseUrl.getHost(), baseUrl.getPort(), url.getPath(), url.getQuery(), null)
                    .toURL();
        } catch (URISyntaxException e) {
            throw new java.io.IOException("cannot redirect " + url.getPath(), e);
        }
    }

    @Override
    public List<Result> send(List<Message> messages) {
        List<Result> results = new ArrayList<>(messages.size());
        for (int from = 0; from < messages.size(); from += MAX_PER_CALL) {
            List<Message> chunk = messages.subList(from, Math.min(messages.size(), from + MAX_PER_CALL));
            List<com.google.firebase.messaging.Message> fcm = new ArrayList<>(chunk.size());
            for (Message message : chunk) {
                fcm.add(toFcm(message));
            }
            try {
                BatchResponse batch = messaging.sendEach(fcm);
                for (SendResponse response : batch.getResponses()) {
                    results.add(response.isSuccessful() ? Result.delivered(response.getMessageId())
                            : result(response.getException()));
                }
            } catch (FirebaseMessagingException e) {
                Result failed = result(e);
                for (int i = 0; i < chunk.size(); i++) {
                    results.add(failed);
                }
            }
        }
        return results;
    }

    static com.google.firebase.messaging.Message toFcm(Message message) {
        return com.google.firebase.messaging.Message.builder()
                .setToken(message.token())
                .setNotification(Notification.builder().setTitle(message.title()).setBody(message.body()).build())
                .putAllData(message.data())
                .setAndroidConfig(AndroidConfig.builder()
                        .setPriority(AndroidConfig.Priority.HIGH)
                        .setNotification(AndroidNotification.builder().setTag(message.notificationId()).build())
                        .build())
                .build();
    }

    /** FCM's error → what the dispatcher does (see docs/notifications.md, "Retry policy"). */
    static Result result(FirebaseMessagingException e) {
        MessagingErrorCode code = e.getMessagingErrorCode();
        if (code != null) {
            Outcome outcome = switch (code) {
                case UNREGISTERED, SENDER_ID_MISMATCH -> Outcome.TOKEN_INVALID;
                case QUOTA_EXCEEDED, UNAVAILABLE, INTERNAL -> Outcome.RETRY;
                case INVALID_ARGUMENT, THIRD_PARTY_AUTH_ERROR -> Outcome.FAILED;
            };
            return new Result(outcome, code.name() + reasonDetail(e), "");
        }
        ErrorCode general = e.getErrorCode();
        Outcome outcome = switch (general) {
            // Network errors, timeouts, FCM overload, and credentials an operator can still fix: retry until the maximum age.
            case UNKNOWN, UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAUTHENTICATED,
                 PERMISSION_DENIED, ABORTED, CANCELLED -> Outcome.RETRY;
            default -> Outcome.FAILED;
        };
        if (outcome == Outcome.RETRY && (general == ErrorCode.UNAUTHENTICATED || general == ErrorCode.PERMISSION_DENIED)) {
            logger.warn("FCM refused the server's credentials ({}); notifications are retried until they expire", general);
        }
        return new Result(outcome, general.name() + reasonDetail(e), "");
    }

    /** The provider's message, shortened; FCM's messages do not contain the token. */
    private static String reasonDetail(FirebaseMessagingException e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return "";
        }
        return ": " + (message.length() > 300 ? message.substring(0, 300) : message);
    }

    @Override
    public String describe() {
        return "FCM project " + projectId;
    }

    @Override
    public void close() {
        app.delete();
    }
}
