package io.chargebot.sdk;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-process gRPC server with some services, and clients connected to it; closes all of them. */
final class InProcessFixture implements AutoCloseable {

    /** The {@code authorization} header of the call being served, for fake services; null when absent. */
    static final Context.Key<String> AUTHORIZATION = Context.key("authorization");

    private final String name = InProcessServerBuilder.generateName();
    private final Server server;
    private final List<ChargeBotClient> clients = new ArrayList<>();
    /** The request headers of every call, in order. */
    final List<Metadata> headers = new CopyOnWriteArrayList<>();

    InProcessFixture(BindableService... services) {
        ServerInterceptor captureHeaders = new ServerInterceptor() {
            @Override
            public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
                    ServerCall<ReqT, RespT> call, Metadata requestHeaders, ServerCallHandler<ReqT, RespT> next) {
                headers.add(requestHeaders);
                Context context = Context.current()
                        .withValue(AUTHORIZATION, requestHeaders.get(BearerTokenCredentials.AUTHORIZATION));
                return Contexts.interceptCall(context, call, requestHeaders, next);
            }
        };
        try {
            InProcessServerBuilder builder = InProcessServerBuilder.forName(name);
            for (BindableService service : services) {
                builder.addService(ServerInterceptors.intercept(service, captureHeaders));
            }
            server = builder.build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client builder connected to this server; clients built from it are closed with the fixture. */
    ChargeBotClient.Builder clientBuilder() {
        return ChargeBotClient.builder().channelBuilder(InProcessChannelBuilder.forName(name));
    }

    /** A client with the default settings. */
    ChargeBotClient client() {
        return track(clientBuilder().build());
    }

    ChargeBotClient track(ChargeBotClient client) {
        clients.add(client);
        return client;
    }

    Metadata lastHeaders() {
        return headers.get(headers.size() - 1);
    }

    @Override
    public void close() {
        clients.forEach(ChargeBotClient::close);
        server.shutdownNow();
    }
}
