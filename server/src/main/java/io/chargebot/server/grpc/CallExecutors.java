package io.chargebot.server.grpc;

import io.chargebot.server.auth.AuthInterceptor;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerMethodDefinition;
import io.grpc.health.v1.HealthGrpc;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Where each call runs: an anonymous call of a {@link NonBlocking} RPC (and of {@code grpc.health.v1.Health/Check},
 * which answers from memory) on the transport's thread; every other call on the server's {@code io} executor, as
 * before.
 *
 * <p>Why: grpc-java hands each call from the Netty event loop to the executor and the reply back. For an RPC that
 * answers from memory in a few microseconds (ListParkingLots from the lot index) those two switches cost more than
 * the work, and under 32 callers on two cores their queueing was most of the tail. Measured with the parking
 * benchmark (docs/benchmarks.md, session 7): ListParkingLots 8,203 → 12,064 calls/s, p99 15.1 → 8.6 ms.
 *
 * <p>Only anonymous calls: with an {@code authorization} header, {@link AuthInterceptor} may read the session from
 * PostgreSQL on a cache miss, and interceptors run on the call's executor too.
 */
@Singleton
public final class CallExecutors implements ServerCallExecutorSupplier, BeanCreatedEventListener<ServerBuilder<?>> {

    private static final Executor TRANSPORT_THREAD = Runnable::run;

    private final Set<String> nonBlocking = new HashSet<>();

    CallExecutors(List<BindableService> services) {
        nonBlocking.add(HealthGrpc.getCheckMethod().getFullMethodName());
        for (BindableService service : services) {
            for (ServerMethodDefinition<?, ?> definition : service.bindService().getMethods()) {
                Method java = ServiceMethods.implementation(service.getClass(),
                        definition.getMethodDescriptor().getBareMethodName());
                if (java != null && java.isAnnotationPresent(NonBlocking.class)) {
                    nonBlocking.add(definition.getMethodDescriptor().getFullMethodName());
                }
            }
        }
    }

    /** The RPCs (full method names) whose anonymous calls run on the transport's thread. */
    public Set<String> nonBlocking() {
        return Set.copyOf(nonBlocking);
    }

    @Override
    public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
        return nonBlocking.contains(call.getMethodDescriptor().getFullMethodName())
                && !headers.containsKey(AuthInterceptor.AUTHORIZATION) ? TRANSPORT_THREAD : null;
    }

    /** Installs this on the network server Micronaut builds (the in-process one: {@code InProcessEndpoint}). */
    @Override
    public ServerBuilder<?> onCreated(BeanCreatedEvent<ServerBuilder<?>> event) {
        return event.getBean().callExecutor(this);
    }
}
