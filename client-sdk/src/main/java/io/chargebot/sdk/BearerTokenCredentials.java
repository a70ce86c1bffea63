package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.Executor;

/** Puts the token of an {@link AccessTokenProvider} into the {@code authorization} header. */
final class BearerTokenCredentials extends CallCredentials {

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final AccessTokenProvider provider;

    BearerTokenCredentials(AccessTokenProvider provider) {
        this.provider = requireNonNull(provider, "provider");
    }

    @Override
    public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, final MetadataApplier applier) {
        appExecutor.execute(new Runnable() {
            @Override
            public void run() {
                String token;
                try {
                    token = provider.accessToken();
                } catch (Exception e) {
                    applier.fail(Status.UNAUTHENTICATED
                            .withDescription("The access token provider failed: " + e)
                            .withCause(e));
                    return;
                }
                Metadata headers = new Metadata();
                if (token != null && !token.isEmpty()) {
                    headers.put(AUTHORIZATION, "Bearer " + token);
                }
                applier.apply(headers);
            }
        });
    }
}
