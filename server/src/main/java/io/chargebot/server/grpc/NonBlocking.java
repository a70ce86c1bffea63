package io.chargebot.server.grpc;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an RPC implementation that never blocks its thread: no database, no HTTP, no locks held for long. Its
 * anonymous calls then run on the transport's own thread instead of being handed to the {@code io} executor and
 * back ({@link CallExecutors}), which on a loaded server saves two thread switches and their queueing per call.
 * Work that may block (a cache miss, an outside service) must continue through {@link BlockingCalls#run}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface NonBlocking {
}
