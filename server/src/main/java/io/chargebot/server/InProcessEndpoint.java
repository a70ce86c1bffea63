package io.chargebot.server;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.chargebot.server.grpc.CallExecutors;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.order.OrderUtil;
import io.micronaut.inject.qualifiers.Qualifiers;
import io.micronaut.scheduling.TaskExecutors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The server's services for callers in the same process: a grpc-java in-process server built the way
 * Micronaut builds the network one (every {@link BindableService} and {@link ServerServiceDefinition} bean, the
 * {@link ServerInterceptor} beans in Micronaut's order, so authentication, authorisation, request ids and error
 * mapping are the same; the same {@code io} executor; the same message and metadata limits) and a channel to it.
 *
 * <p>The local platform's gateway uses it, so a gRPC-Web or JSON call crosses one HTTP hop instead of two. A
 * call on this channel has {@link io.grpc.inprocess.InProcessSocketAddress} as its remote address; only code in
 * this process can make one, which is why {@code AuthInterceptor} trusts its {@code x-forwarded-for} as it
 * trusts a configured proxy's.
 */
final class InProcessEndpoint implements AutoCloseable {

    private final Server server;
    private final String name;
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

    private InProcessEndpoint(Server server, String name) {
        this.server = server;
        this.name = name;
    }

    static InProcessEndpoint start(ApplicationContext context) {
        String name = "chargebot-" + UUID.randomUUID();
        InProcessServerBuilder builder = InProcessServerBuilder.forName(name)
                .executor(context.getBean(ExecutorService.class, Qualifiers.byName(TaskExecutors.IO)))
                .callExecutor(context.getBean(CallExecutors.class));
        context.getProperty("grpc.server.max-inbound-message-size", Integer.class)
                .ifPresent(builder::maxInboundMessageSize);
        context.getProperty("grpc.server.max-inbound-metadata-size", Integer.class)
                .ifPresent(builder::maxInboundMetadataSize);
        context.getBeansOfType(BindableService.class).forEach(builder::addService);
        context.getBeansOfType(ServerServiceDefinition.class).forEach(builder::addService);
        // As Micronaut's GrpcServerBuilder does for the network server.
        List<ServerInterceptor> interceptors = new ArrayList<>(context.getBeansOfType(ServerInterceptor.class));
        OrderUtil.reverseSort(interceptors);
        interceptors.forEach(builder::intercept);
        context.getBeansOfType(ServerTransportFilter.class).forEach(builder::addTransportFilter);
        Server server = builder.build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("in-process endpoint " + name + " did not start", e);
        }
        return new InProcessEndpoint(server, name);
    }

    /**
     * Opens a channel whose calls carry {@code userAgent}. Its callbacks run on the thread that completes them
     * (direct executor), which suits a caller that never blocks in them, as the gateway's forwarding does.
     */
    ManagedChannel openChannel(String userAgent) {
        ManagedChannel channel = InProcessChannelBuilder.forName(name).userAgent(userAgent).directExecutor().build();
        channels.add(channel);
        return channel;
    }

    /** Refuses new calls; calls in flight go on. */
    void refuseNewCalls() {
        server.shutdown();
    }

    /** Refuses new calls, gives calls in flight up to {@code grace} to finish, cancels the rest, closes the channels. */
    void close(Duration grace) {
        server.shutdown();
        try {
            server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        server.shutdownNow();
    }
}
