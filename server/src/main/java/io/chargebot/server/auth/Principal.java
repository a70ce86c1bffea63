package io.chargebot.server.auth;

import static java.util.Objects.requireNonNull;

import io.chargebot.server.error.ApiException;
import io.chargebot.common.v1.ErrorReason;
import io.grpc.Context;
import io.grpc.Status;
import io.micronaut.core.annotation.Nullable;
import java.util.Set;
import java.util.UUID;

/**
 * The authenticated caller of the current gRPC call, put in the {@link Context} by
 * {@link AuthInterceptor}.
 *
 * @param subject   user id (USER, ADMIN) or service client id (SERVICE)
 * @param role      the caller's role
 * @param sessionId the session of a user's access token; null for SERVICE callers
 * @param scopes    scopes of a SERVICE caller; empty for users
 */
public record Principal(String subject, Role role, @Nullable UUID sessionId, Set<String> scopes) {

    static final Context.Key<Principal> KEY = Context.key("chargebot-principal");

    public Principal {
        requireNonNull(subject, "subject");
        requireNonNull(role, "role");
        scopes = Set.copyOf(scopes);
    }

    /** The caller of the current call, or null for an anonymous caller of a public method. */
    @Nullable
    public static Principal current() {
        return KEY.get();
    }

    /** The caller of the current call; UNAUTHENTICATED if anonymous. */
    public static Principal require() {
        Principal principal = KEY.get();
        if (principal == null) {
            throw new ApiException(Status.Code.UNAUTHENTICATED, ErrorReason.UNAUTHENTICATED,
                    "sign in first: send a valid access token as 'authorization: Bearer <token>'");
        }
        return principal;
    }

    /** The user id of a USER or ADMIN caller. */
    public UUID userId() {
        if (role == Role.SERVICE) {
            throw new IllegalStateException("a service caller has no user id");
        }
        return UUID.fromString(subject);
    }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }
}
