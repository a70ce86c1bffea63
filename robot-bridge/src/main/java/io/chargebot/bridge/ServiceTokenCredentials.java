package io.chargebot.bridge;

import com.google.protobuf.util.Timestamps;
import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.auth.v1.IssueServiceTokenRequest;
import io.chargebot.auth.v1.IssueServiceTokenResponse;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A SERVICE bearer token for the bridge: client id and secret exchanged with AuthService.IssueServiceToken, cached and
 * renewed when a fifth of its lifetime (at most a minute) is left. The secret is never logged.
 */
final class ServiceTokenCredentials extends CallCredentials {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final Channel channel;
    private final String clientId;
    private final String clientSecret;
    private final Clock clock;
    private String token;
    private Instant renewAt = Instant.MIN;

    ServiceTokenCredentials(Channel channel, String clientId, String clientSecret, Clock clock) {
        this.channel = channel;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.clock = clock;
    }

    @Override
    public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
        appExecutor.execute(() -> {
            try {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + token());
                applier.apply(headers);
            } catch (RuntimeException e) {
                applier.fail(Status.UNAUTHENTICATED.withDescription("cannot get a service token for " + clientId)
                        .withCause(e));
            }
        });
    }

    private synchronized String token() {
        Instant now = clock.instant();
        if (token != null && now.isBefore(renewAt)) {
            return token;
        }
        IssueServiceTokenResponse response = AuthServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .issueServiceToken(IssueServiceTokenRequest.newBuilder()
                        .setClientId(clientId).setClientSecret(clientSecret).build());
        token = response.getTokens().getAccessToken();
        Instant expiry = response.getTokens().hasExpireTime()
                ? Instant.ofEpochMilli(Timestamps.toMillis(response.getTokens().getExpireTime()))
                : now.plusSeconds(Math.max(1, response.getTokens().getExpiresInSeconds()));
        Duration lifetime = Duration.between(now, expiry);
        Duration margin = lifetime.dividedBy(5).compareTo(Duration.ofMinutes(1)) < 0
                ? lifetime.dividedBy(5) : Duration.ofMinutes(1);
        renewAt = expiry.minus(margin);
        return token;
    }

    /** Forgets the cached token (after the server refused it). */
    synchronized void invalidate() {
        token = null;
        renewAt = Instant.MIN;
    }
}
