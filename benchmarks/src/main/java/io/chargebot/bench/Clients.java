package io.chargebot.bench;

import com.google.type.LatLng;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.SerializationFormat;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The load client's connections and the calls of each run. Every run uses asynchronous stubs whose
 * callbacks run directly on the transport's event loop ({@code directExecutor}), the cheapest way for
 * a load generator that shares the CPUs with the server: no thread hand-off per call.
 */
final class Clients implements AutoCloseable {

    /** Requests drawn in advance so that building them costs nothing during the runs. */
    static final int REQUEST_POOL = 1 << 16;

    private final Options options;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final HealthGrpc.HealthStub[] healthStubs;
    private final ParkingServiceGrpc.ParkingServiceStub[] parkingStubs;
    private final ClientFactory armeriaFactory;
    private ParkingServiceGrpc.ParkingServiceStub gatewayStub;
    private ParkingServiceGrpc.ParkingServiceStub armeriaDirectStub;
    private RawGrpcClient gatewayRaw;
    private RawGrpcClient directRaw;
    private final ListParkingLotsRequest[] requests = new ListParkingLotsRequest[REQUEST_POOL];
    private final byte[][] framedRequests = new byte[REQUEST_POOL][];
    private static final String LIST_PATH =
            "/" + ParkingServiceGrpc.getListParkingLotsMethod().getFullMethodName();
    private final int[] cursors;
    private final long deadlineNanos;
    private final int seoulRequests;

    Clients(Options options) {
        this.options = options;
        this.deadlineNanos = options.deadline.toNanos();
        String[] hostPort = splitHostPort(options.grpcTarget);
        healthStubs = new HealthGrpc.HealthStub[options.connections];
        parkingStubs = new ParkingServiceGrpc.ParkingServiceStub[options.connections];
        for (int i = 0; i < options.connections; i++) {
            // One ManagedChannel per connection: each has its own HTTP/2 connection.
            ManagedChannel channel = NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1]))
                    .usePlaintext()
                    .directExecutor()
                    .maxInboundMessageSize(16 << 20)
                    .userAgent("chargebot-benchmark")
                    .build();
            channels.add(channel);
            healthStubs[i] = HealthGrpc.newStub(channel);
            parkingStubs[i] = ParkingServiceGrpc.newStub(channel);
        }
        armeriaFactory = ClientFactory.builder()
                .maxNumEventLoopsPerEndpoint(options.connections)
                .maxNumEventLoopsPerHttp1Endpoint(Math.max(options.connections, options.concurrency))
                .build();
        Endpoint direct = Endpoint.of(hostPort[0], Integer.parseInt(hostPort[1]));
        if (options.gatewayUrl != null) {
            URI uri = URI.create(options.gatewayUrl);
            int port = uri.getPort() == -1 ? 80 : uri.getPort();
            Endpoint gateway = Endpoint.of(uri.getHost(), port);
            SessionProtocol protocol = SessionProtocol.of(options.gatewayProtocol);
            gatewayStub = armeriaStub(protocol, gateway, GrpcSerializationFormats.PROTO_WEB);
            gatewayRaw = new RawGrpcClient(armeriaFactory, protocol, gateway, true, options.deadline);
        }
        armeriaDirectStub = armeriaStub(SessionProtocol.H2C, direct, GrpcSerializationFormats.PROTO);
        directRaw = new RawGrpcClient(armeriaFactory, SessionProtocol.H2C, direct, false, options.deadline);

        SplittableRandom random = new SplittableRandom(options.randomSeed ^ 0x5DEECE66DL);
        double[] p = new double[3];
        int seoul = 0;
        for (int i = 0; i < REQUEST_POOL; i++) {
            KoreaArea.point(random, p);
            seoul += (int) p[2];
            requests[i] = ListParkingLotsRequest.newBuilder()
                    .setLocation(LatLng.newBuilder().setLatitude(p[0]).setLongitude(p[1]))
                    .setRadiusMeters(options.radiusMeters == 5_000 ? 0 : options.radiusMeters)
                    .setPageSize(options.pageSize == 20 ? 0 : options.pageSize)
                    .build();
            framedRequests[i] = RawGrpcClient.frame(requests[i]);
        }
        seoulRequests = seoul;
        cursors = new int[options.concurrency];
        for (int i = 0; i < cursors.length; i++) {
            cursors[i] = (int) ((long) i * REQUEST_POOL / cursors.length);
        }
    }

    /** Share of the pre-drawn search origins that fall in Seoul. */
    double seoulShare() {
        return (double) seoulRequests / REQUEST_POOL;
    }

    private ParkingServiceGrpc.ParkingServiceStub armeriaStub(SessionProtocol protocol, Endpoint endpoint,
                                                              SerializationFormat format) {
        return GrpcClients.builder(protocol, endpoint)
                .serializationFormat(format)
                .factory(armeriaFactory)
                .responseTimeout(options.deadline)
                .maxResponseMessageLength(16 << 20)
                .maxResponseLength(16 << 20)
                .build(ParkingServiceGrpc.ParkingServiceStub.class);
    }

    static String[] splitHostPort(String target) {
        int colon = target.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--grpc: expected host:port, got " + target);
        }
        String host = target.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new String[] {host, target.substring(colon + 1)};
    }

    /** The call of one run. */
    ClosedLoop.AsyncCall call(String run) {
        return switch (run) {
            case "health" -> this::health;
            case "list" -> (caller, done) -> list(parkingStubs[caller % parkingStubs.length], caller, done);
            case "gateway" -> options.webClient.equals("stub")
                    ? (caller, done) -> list(gatewayStub, caller, done)
                    : (caller, done) -> listRaw(gatewayRaw, caller, done);
            case "list-armeria" -> options.webClient.equals("stub")
                    ? (caller, done) -> list(armeriaDirectStub, caller, done)
                    : (caller, done) -> listRaw(directRaw, caller, done);
            default -> throw new IllegalArgumentException(run);
        };
    }

    private static final HealthCheckRequest HEALTH_REQUEST = HealthCheckRequest.getDefaultInstance();

    private void health(int caller, ClosedLoop.Completion done) {
        healthStubs[caller % healthStubs.length].withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS)
                .check(HEALTH_REQUEST, new StreamObserver<>() {
                    private HealthCheckResponse response;

                    @Override
                    public void onNext(HealthCheckResponse value) {
                        response = value;
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.failed(t);
                    }

                    @Override
                    public void onCompleted() {
                        if (response != null && response.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
                            done.succeeded(0);
                        } else {
                            done.failed(new IllegalStateException("health: " + response));
                        }
                    }
                });
    }

    private void list(ParkingServiceGrpc.ParkingServiceStub stub, int caller, ClosedLoop.Completion done) {
        ListParkingLotsRequest request = requests[cursors[caller]++ & (REQUEST_POOL - 1)];
        stub.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS).listParkingLots(request,
                new ListObserver(request, options.radiusMeters, options.pageSize, done));
    }

    private void listRaw(RawGrpcClient client, int caller, ClosedLoop.Completion done) {
        int index = cursors[caller]++ & (REQUEST_POOL - 1);
        ListParkingLotsRequest request = requests[index];
        client.call(LIST_PATH, framedRequests[index], ListParkingLotsResponse.parser(),
                new RawGrpcClient.Result<>() {
                    @Override
                    public void succeeded(ListParkingLotsResponse response) {
                        String problem = ListObserver.check(request, response, options.radiusMeters, options.pageSize);
                        if (problem == null) {
                            done.succeeded(response.getParkingLotsCount());
                        } else {
                            done.failed(new IllegalStateException("bad ListParkingLots reply: " + problem));
                        }
                    }

                    @Override
                    public void failed(Throwable error) {
                        done.failed(error);
                    }
                });
    }

    /** Checks each reply: decoded, nearest-first, within the radius, at most one page. */
    static final class ListObserver implements StreamObserver<ListParkingLotsResponse> {
        private final ListParkingLotsRequest request;
        private final int radius;
        private final int pageSize;
        private final ClosedLoop.Completion done;
        private ListParkingLotsResponse response;

        ListObserver(ListParkingLotsRequest request, int radius, int pageSize, ClosedLoop.Completion done) {
            this.request = request;
            this.radius = radius;
            this.pageSize = pageSize;
            this.done = done;
        }

        @Override
        public void onNext(ListParkingLotsResponse value) {
            response = value;
        }

        @Override
        public void onError(Throwable t) {
            done.failed(t);
        }

        @Override
        public void onCompleted() {
            String problem = check(request, response, radius, pageSize);
            if (problem == null) {
                done.succeeded(response.getParkingLotsCount());
            } else {
                done.failed(new IllegalStateException("bad ListParkingLots reply: " + problem));
            }
        }

        static String check(ListParkingLotsRequest request, ListParkingLotsResponse response, int radius,
                            int pageSize) {
            if (response == null) {
                return "no message";
            }
            int n = response.getParkingLotsCount();
            if (n > pageSize) {
                return n + " lots for page size " + pageSize;
            }
            if (response.getOrigin().getLatitude() != request.getLocation().getLatitude()) {
                return "origin " + response.getOrigin() + " differs from the request's";
            }
            double previous = -1;
            for (int i = 0; i < n; i++) {
                ParkingLot lot = response.getParkingLots(i);
                double d = lot.getDistanceMeters();
                if (d < previous - 1e-6) {
                    return "not nearest-first at index " + i;
                }
                if (d > radius * 1.0001 + 1) {
                    return "lot " + lot.getName() + " at " + d + " m is outside the radius " + radius;
                }
                if (lot.getName().isEmpty()) {
                    return "lot without a name";
                }
                previous = d;
            }
            if (n < pageSize && !response.getNextPageToken().isEmpty()) {
                return "short page with a next_page_token";
            }
            return null;
        }
    }

    /** One call of {@code run}, waited for: used to check the setup before loading it. */
    String probe(String run) throws InterruptedException {
        java.util.concurrent.CompletableFuture<String> result = new java.util.concurrent.CompletableFuture<>();
        call(run).issue(0, new ClosedLoop.Completion() {
            @Override
            public void succeeded(int items) {
                result.complete(run.equals("health") ? "SERVING" : items + " lots");
            }

            @Override
            public void failed(Throwable error) {
                result.completeExceptionally(error);
            }
        });
        try {
            return result.get(options.deadline.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(run + " probe failed: " + e.getCause(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(run + " probe timed out");
        } finally {
            cursors[0] = 0;
        }
    }

    @Override
    public void close() {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
        }
        for (ManagedChannel channel : channels) {
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        armeriaFactory.closeAsync();
    }

}
