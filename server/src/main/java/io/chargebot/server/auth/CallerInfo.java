package io.chargebot.server.auth;

import io.grpc.Context;
import io.micronaut.core.annotation.Nullable;

/**
 * Where the current call comes from: the client address (the socket's, or the last hop of
 * {@code x-forwarded-for} when the socket belongs to a trusted proxy such as the gateway) and the
 * user agent. Used for per-address rate limits, sessions and the audit log.
 */
public record CallerInfo(@Nullable String address, @Nullable String userAgent) {

    static final Context.Key<CallerInfo> KEY = Context.key("chargebot-caller-info");

    /** The current call's caller info (never null; fields may be). */
    public static CallerInfo current() {
        CallerInfo info = KEY.get();
        return info == null ? new CallerInfo(null, null) : info;
    }
}
