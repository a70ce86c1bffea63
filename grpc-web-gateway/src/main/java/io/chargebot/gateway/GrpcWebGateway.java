package io.chargebot.gateway;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.cors.CorsService;
import com.linecorp.armeria.server.cors.CorsServiceBuilder;
import com.linecorp.armeria.server.docs.DocService;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.HttpJsonTranscodingOptions;
import com.linecorp.armeria.server.grpc.HttpJsonTranscodingQueryParamMatchRule;
import com.linecorp.armeria.server.grpc.GrpcServiceBuilder;
import com.linecorp.armeria.server.grpc.UnframedGrpcErrorHandler;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import io.chargebot.api.ChargeBotApis;
import io.chargebot.reservation.v1.ReservationConflict;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.annotation.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ChargeBot gRPC-Web gateway: an Armeria server that serves every service of
 * {@link ChargeBotApis#services()} to browsers and tools and forwards each call to the ChargeBot gRPC server.
 *
 * <p>One port serves, for every method:
 * <ul>
 *   <li>gRPC over HTTP/2 ({@code application/grpc}, cleartext with prior knowledge or upgrade);</li>
 *   <li>gRPC-Web, binary ({@code application/grpc-web}) and base64 ({@code application/grpc-web-text}),
 *       server streaming included, over HTTP/1.1 or HTTP/2;</li>
 *   <li>unframed requests: {@code POST /<package.Service>/<Method>} with {@code application/json} or
 *       {@code application/protobuf};</li>
 *   <li>HTTP/JSON transcoding of the {@code google.api.http} annotations, e.g.
 *       {@code GET /v1/parkingLots?location.latitude=37.56&location.longitude=126.97}; errors map to HTTP
 *       statuses with a JSON body carrying the {@code google.rpc.Status} details.</li>
 * </ul>
 * plus {@code /docs} (Armeria's {@link DocService}) and {@code /internal/healthcheck}. CORS lets the configured
 * origins call it and read {@code grpc-status}, {@code grpc-message} and {@code grpc-status-details-bin}.
 *
 * <p>A call takes one of two paths to the ChargeBot gRPC server:
 * <ul>
 *   <li>binary gRPC and gRPC-Web ({@code application/grpc[+proto]}, {@code application/grpc-web[+proto]},
 *       uncompressed) pass through byte for byte ({@link GrpcPassThroughService}): the length-prefixed frames
 *       go to the server unchanged over an HTTP/2 {@link WebClient} and come back unchanged, the HTTP/2
 *       trailers becoming the gRPC-Web trailer frame for gRPC-Web; no message is decoded;</li>
 *   <li>everything else (gRPC-Web-Text, unframed JSON/protobuf, HTTP/JSON transcoding, compressed messages)
 *       goes through Armeria's {@link GrpcService}, which decodes each message, and a
 *       {@link ForwardingCallHandler} per method, which re-encodes it for a grpc-java channel.</li>
 * </ul>
 * Both paths forward the same headers ({@link ForwardedHeaders}), the caller's deadline and cancellation,
 * answer {@code UNAVAILABLE} while the server is unreachable, pass {@code grpc-status-details-bin} unchanged,
 * and write the same access log ({@link GatewayAccessLog}).
 *
 * <p>A gateway that runs in the server's own process ({@link #startColocated}) is given a grpc-java channel to
 * the server's services in that process instead: every call, whatever its wire format, takes the second path
 * over that channel. Armeria decodes the request once, the message object itself reaches the server's
 * interceptors and service (grpc-java's in-process transport does not serialise), and the reply is encoded
 * once for the caller; there is no second HTTP/2 hop. Headers, deadline, cancellation and statuses are
 * forwarded exactly as over the network.
 *
 * <pre>{@code
 * try (GrpcWebGateway gateway = GrpcWebGateway.start(GatewayConfig.builder().port(0).build())) {
 *     System.out.println("http://127.0.0.1:" + gateway.port() + "/docs");
 * }
 * }</pre>
 */
public final class GrpcWebGateway implements AutoCloseable {

    /** The {@code user-agent} of the gateway's calls to the server (the caller's goes as {@code x-user-agent}). */
    public static final String USER_AGENT = "chargebot-grpc-web-gateway";

    /** The path of the health check: 200 while serving, 503 once shutting down. */
    public static final String HEALTH_CHECK_PATH = "/internal/healthcheck";
    /** The path prefix of the API documentation. */
    public static final String DOCS_PATH = "/docs";

    private static final Logger logger = LoggerFactory.getLogger(GrpcWebGateway.class);

    /** Request headers gRPC-Web, Connect and ChargeBot clients send from browsers. */
    private static final List<String> CORS_ALLOWED_HEADERS = List.of(
            "content-type", "accept", "accept-language", "authorization", "x-grpc-web", "x-user-agent",
            "grpc-timeout", "grpc-accept-encoding", "grpc-encoding", "x-request-id", "connect-protocol-version",
            "connect-timeout-ms", "connect-accept-encoding", "connect-content-encoding", "traceparent",
            "tracestate");

    /** Response headers browsers may read: the gRPC status with its details, and the request id. */
    private static final List<String> CORS_EXPOSED_HEADERS = List.of(
            "grpc-status", "grpc-message", "grpc-status-details-bin", "grpc-encoding",
            "grpc-accept-encoding", "x-request-id", "content-type");

    private static final Duration CORS_MAX_AGE = Duration.ofHours(2);

    /**
     * The contracts' own error detail messages (packed into {@code google.rpc.Status.details} next to the
     * {@code google.rpc} ones). A JSON error body can only print an {@code Any} whose type it knows: without
     * them Armeria fails to write the body and a JSON client gets the HTTP status with an empty body.
     */
    static final List<Class<? extends Message>> ERROR_DETAIL_TYPES = List.of(ReservationConflict.class);

    private final Server server;
    private final int port;
    /** The channel this gateway opened and owns; null when co-located (the caller owns the channel). */
    @Nullable
    private final ManagedChannel backend;
    /** The pass-through's client; null when co-located. */
    @Nullable
    private final Backend passThroughBackend;
    private final GatewayConfig config;
    private final AtomicBoolean closed = new AtomicBoolean();

    private GrpcWebGateway(Server server, @Nullable ManagedChannel backend, @Nullable Backend passThroughBackend,
                           GatewayConfig config) {
        this.server = server;
        port = server.activeLocalPort();
        this.backend = backend;
        this.passThroughBackend = passThroughBackend;
        this.config = config;
    }

    /** The pass-through's client to the backend, with what it owns. */
    private record Backend(EndpointGroup endpoints, ClientFactory factory, WebClient client) {

        static Backend open(GatewayConfig config) {
            final EndpointGroup endpoints = BackendClients.endpoints(config);
            final ClientFactory factory = BackendClients.factory();
            return new Backend(endpoints, factory, BackendClients.open(config, endpoints, factory));
        }

        void close() {
            factory.close();
            endpoints.close();
        }
    }

    /**
     * Starts a gateway for every service of {@link ChargeBotApis#services()} and returns once it listens.
     * The backend need not be up: calls made while it is unreachable fail with {@code UNAVAILABLE}.
     *
     * @throws IllegalStateException if the server cannot start, e.g. the port is in use
     */
    public static GrpcWebGateway start(GatewayConfig config) {
        requireNonNull(config, "config");
        return start(config, ChargeBotApis.services());
    }

    /** Starts a gateway that forwards the given services; see {@link #start(GatewayConfig)}. */
    static GrpcWebGateway start(GatewayConfig config, List<ServiceDescriptor> services) {
        requireNonNull(config, "config");
        requireNonNull(services, "services");
        final ManagedChannel backend = BackendChannels.open(config);
        final Backend passThroughBackend;
        try {
            passThroughBackend = Backend.open(config);
        } catch (RuntimeException | Error e) {
            backend.shutdownNow();
            throw e;
        }
        final Server server;
        try {
            server = listen(config, newServer(config, services, backend, passThroughBackend.client()));
        } catch (RuntimeException | Error e) {
            backend.shutdownNow();
            passThroughBackend.close();
            throw e;
        }
        final GrpcWebGateway gateway = new GrpcWebGateway(server, backend, passThroughBackend, config);
        logger.info("gRPC-Web gateway listening on port {}, forwarding {} service(s) to {}{}",
                    gateway.port(), services.size(), config.target(), config.targetTls() ? " (TLS)" : "");
        return gateway;
    }

    /**
     * Starts a gateway in the ChargeBot server's own process: every call of every wire format goes to
     * {@code server}, a channel to the server's services in this process (its in-process endpoint), instead of
     * over the network to {@link GatewayConfig#target()}, which is then not used. The caller owns the channel
     * and closes it after the gateway; it should identify its calls with {@link #USER_AGENT}.
     *
     * @throws IllegalStateException if the server cannot start, e.g. the port is in use
     */
    public static GrpcWebGateway startColocated(GatewayConfig config, Channel server) {
        requireNonNull(config, "config");
        requireNonNull(server, "server");
        final List<ServiceDescriptor> services = ChargeBotApis.services();
        final GrpcWebGateway gateway =
                new GrpcWebGateway(listen(config, newServer(config, services, server, null)), null, null, config);
        logger.info("gRPC-Web gateway listening on port {}, forwarding {} service(s) to the server in this "
                    + "process", gateway.port(), services.size());
        return gateway;
    }

    /** Starts {@code server} and returns it once it listens; a failure (the port in use, say) as a clear error. */
    private static Server listen(GatewayConfig config, Server server) {
        try {
            server.start().join();
            return server;
        } catch (CompletionException e) {
            throw new IllegalStateException(
                    "Failed to start the gateway on port " + config.port() + ": " + e.getCause(), e.getCause());
        }
    }

    /** Returns the port the gateway listens on (the actual one when the configuration said 0). */
    public int port() {
        return port;
    }

    /** Returns the configuration the gateway was started with. */
    public GatewayConfig config() {
        return config;
    }

    /**
     * Stops the gateway gracefully: the health check turns unhealthy, new requests are still served for the
     * quiet period, calls in flight get up to the shutdown timeout, then the backend channel closes.
     * Calling it again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.stop().join();
        } finally {
            closeBackend();
        }
        logger.info("gRPC-Web gateway on port {} stopped", port);
    }

    /** Closes what this gateway opened to reach the server; a co-located gateway opened nothing. */
    private void closeBackend() {
        if (passThroughBackend != null) {
            passThroughBackend.close();
        }
        if (backend == null) {
            return;
        }
        backend.shutdown();
        try {
            if (!backend.awaitTermination(5, TimeUnit.SECONDS)) {
                backend.shutdownNow();
            }
        } catch (InterruptedException e) {
            backend.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @param passThroughClient the byte pass-through's client to the backend; {@code null} to send every call
     *                          through the decoding path to {@code backend}
     */
    private static Server newServer(GatewayConfig config, List<ServiceDescriptor> services, Channel backend,
                                    @Nullable WebClient passThroughClient) {
        final GrpcService grpcService = grpcService(config, services, backend);
        final ServerBuilder sb = Server.builder();
        sb.http(config.port())
          .maxRequestLength(config.maxRequestBytes())
          .gracefulShutdownTimeout(config.shutdownQuietPeriod(), config.shutdownTimeout())
          .accessLogWriter(new GatewayAccessLog(), true)
          // The access log names the exception that ended a request; no separate periodic report.
          .unloggedExceptionsReportInterval(Duration.ZERO)
          .serviceUnder(DOCS_PATH, DocService.builder().build())
          .service(HEALTH_CHECK_PATH, HealthCheckService.of())
          .decorator(RequestIdService::new)
          .decorator(corsService(config).newDecorator());
        if (passThroughClient == null) {
            sb.service(grpcService);
        } else {
            sb.service(grpcService, delegate -> new GrpcPassThroughService(delegate, passThroughClient, services));
        }
        return sb.build();
    }

    private static GrpcService grpcService(GatewayConfig config, List<ServiceDescriptor> services,
                                           Channel backend) {
        // Unframed and transcoded errors: a JSON body with every status detail, ours included.
        final UnframedGrpcErrorHandler errorHandler = UnframedGrpcErrorHandler.builder()
                                                                              .registerMarshalledMessageTypes(
                                                                                      ERROR_DETAIL_TYPES)
                                                                              .build();
        final GrpcServiceBuilder builder =
                GrpcService.builder()
                           .supportedSerializationFormats(GrpcSerializationFormats.values())
                           .enableUnframedRequests(true)
                           .unframedGrpcErrorHandler(errorHandler)
                           // Query parameters may use the proto names (page_size) or the JSON names
                           // (pageSize) that the responses use.
                           .enableHttpJsonTranscoding(HttpJsonTranscodingOptions.builder()
                                   .queryParamMatchRules(HttpJsonTranscodingQueryParamMatchRule.ORIGINAL_FIELD,
                                                         HttpJsonTranscodingQueryParamMatchRule.LOWER_CAMEL_CASE)
                                   .errorHandler(errorHandler)
                                   .build())
                           .useClientTimeoutHeader(true)
                           // The caller's deadline passed: like a gRPC client, answer DEADLINE_EXCEEDED (Armeria
                           // would say CANCELLED). The backend call, which has the same deadline, is cancelled.
                           .exceptionHandler((ctx, status, cause, metadata) -> {
                               if (cause instanceof RequestTimeoutException) {
                                   return Status.DEADLINE_EXCEEDED.withDescription("Deadline exceeded");
                               }
                               // Armeria's deframer reads past the end of a truncated frame: a malformed
                               // request, which gRPC answers INTERNAL (as the byte pass-through's server does).
                               if (status.getCode() == Status.Code.UNKNOWN
                                   && cause instanceof IndexOutOfBoundsException) {
                                   return Status.INTERNAL.withDescription("Malformed request frame");
                               }
                               return null;
                           })
                           .maxRequestMessageLength(config.maxRequestBytes());
        for (ServiceDescriptor service : services) {
            builder.addService(forwardingDefinition(service, backend));
        }
        return builder.build();
    }

    /** Returns the definition of {@code service} whose every method is forwarded to {@code backend}. */
    static ServerServiceDefinition forwardingDefinition(ServiceDescriptor service, Channel backend) {
        final ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(service);
        for (MethodDescriptor<?, ?> method : service.getMethods()) {
            addForwardingMethod(builder, method, backend);
        }
        return builder.build();
    }

    private static <ReqT, RespT> void addForwardingMethod(ServerServiceDefinition.Builder builder,
                                                          MethodDescriptor<ReqT, RespT> method,
                                                          Channel backend) {
        builder.addMethod(method, new ForwardingCallHandler<>(backend, method));
    }

    private static CorsServiceBuilder corsService(GatewayConfig config) {
        final CorsServiceBuilder builder = config.allowsAnyOrigin() ? CorsService.builderForAnyOrigin()
                                                                    : CorsService.builder(config.corsOrigins());
        return builder.allowRequestMethods(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
                                           HttpMethod.DELETE, HttpMethod.OPTIONS)
                      .allowRequestHeaders(CORS_ALLOWED_HEADERS)
                      .exposeHeaders(CORS_EXPOSED_HEADERS)
                      .maxAge(CORS_MAX_AGE);
    }
}
