package io.chargebot.server.grpc;

import com.google.protobuf.Timestamp;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;

/** Conversions between {@link Instant} and {@code google.protobuf.Timestamp}. */
public final class ProtoTime {

    private ProtoTime() {}

    public static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    /** The instant of a timestamp, or null for an unset (default) one. */
    @Nullable
    public static Instant instant(@Nullable Timestamp timestamp) {
        if (timestamp == null || (timestamp.getSeconds() == 0 && timestamp.getNanos() == 0)) {
            return null;
        }
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }
}
