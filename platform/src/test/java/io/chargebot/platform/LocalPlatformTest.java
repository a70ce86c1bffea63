package io.chargebot.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.BadRequest;
import com.google.type.LatLng;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.server.testing.TestDatabases;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The local platform end to end: browser-style gRPC-Web and JSON requests through the gateway to
 * the real server and PostgreSQL with the demo data, compared with direct gRPC.
 */
class LocalPlatformTest {

    private static final LatLng CITY_HALL = LatLng.newBuilder().setLatitude(37.5665).setLongitude(126.9780).build();

    private static LocalPlatform platform;
    private static ManagedChannel channel;
    private static final HttpClient http = HttpClient.newHttpClient();

    private static final String ADMIN_PASSWORD = "platform test admin passphrase";
    private static final String DRIVER_PASSWORD = "platform test driver passphrase";

    @BeforeAll
    static void start() {
        System.setProperty("chargebot.admin.password", ADMIN_PASSWORD);
        System.setProperty("chargebot.demo-driver.password", DRIVER_PASSWORD);
        platform = LocalPlatform.start(new LocalPlatform.Options(0, 0, true, TestDatabases.create(), 1));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", platform.grpcPort()).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        platform.close();
        System.clearProperty("chargebot.admin.password");
        System.clearProperty("chargebot.demo-driver.password");
    }

    @Test
    void theDemoDriverHasACarAndUpcomingReservations() {
        String token = io.chargebot.auth.v1.AuthServiceGrpc.newBlockingStub(channel).signIn(io.chargebot.auth.v1.SignInRequest
                .newBuilder().setLoginId("driver").setPassword(DRIVER_PASSWORD).build()).getTokens().getAccessToken();
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        io.grpc.ClientInterceptor bearer = io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers);
        assertThat(io.chargebot.car.v1.CarServiceGrpc.newBlockingStub(channel).withInterceptors(bearer)
                .listCars(io.chargebot.car.v1.ListCarsRequest.getDefaultInstance()).getCarsList())
                .extracting(io.chargebot.car.v1.Car::getNormalizedPlate).containsExactly("12가3456");
        java.util.List<io.chargebot.reservation.v1.Reservation> reservations = io.chargebot.reservation.v1.ReservationServiceGrpc
                .newBlockingStub(channel).withInterceptors(bearer)
                .listReservations(io.chargebot.reservation.v1.ListReservationsRequest.getDefaultInstance()).getReservationsList();
        assertThat(reservations).hasSize(3);
        assertThat(reservations).extracting(io.chargebot.reservation.v1.Reservation::getParkingLot).doesNotHaveDuplicates();
        long now = java.time.Instant.now().getEpochSecond();
        // One under way at the lot open around the clock (its robot is dispatched at once, at any hour)...
        io.chargebot.reservation.v1.Reservation underWay = underWay(reservations);
        assertThat(underWay.getStartTime().getSeconds()).isLessThanOrEqualTo(now + 10 * 60);
        assertThat(underWay.getEndTime().getSeconds()).isGreaterThan(now);
        // ...and two upcoming within business hours, beyond the 15-minute dispatch lead time.
        assertThat(reservations).filteredOn(r -> r != underWay).hasSize(2).allSatisfy(r -> {
            assertThat(r.getStatus()).isEqualTo(io.chargebot.reservation.v1.ReservationStatus.RESERVATION_STATUS_CONFIRMED);
            assertThat(r.getStartTime().getSeconds()).isGreaterThan(now + 15 * 60);
            assertThat(r.getLocalStartTime().getHours()).isBetween(9, 21);
        });
    }

    private static io.chargebot.reservation.v1.Reservation underWay(java.util.List<io.chargebot.reservation.v1.Reservation> reservations) {
        String lot = "parkingLots/" + io.chargebot.server.parking.DemoData.AROUND_THE_CLOCK;
        return reservations.stream().filter(r -> r.getParkingLot().equals(lot)).findFirst()
                .orElseThrow(() -> new AssertionError("no demo reservation at " + lot + ": " + reservations));
    }

    @Test
    void aSimulatedRobotIsDispatchedToTheDemoReservationUnderWayAndStartsCharging() throws Exception {
        // Simulator (IDLE) -> broker -> bridge -> server: dispatch -> GO_TO_SPOT -> bridge -> broker -> simulator, which
        // drives to the spot and reports ARRIVED and CHARGING_STARTED (simulated time runs 10 times faster).
        String reservation;
        try (java.sql.Connection db = TestDatabases.connect(platform.server().database());
             java.sql.PreparedStatement ps = db.prepareStatement("SELECT r.id FROM reservations r JOIN users u ON u.id = r.user_id "
                     + "WHERE u.login_id = 'driver' AND r.lot_id = ?")) {
            ps.setObject(1, io.chargebot.server.parking.DemoData.AROUND_THE_CLOCK);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("the demo reservation under way").isTrue();
                reservation = rs.getString(1);
            }
            long giveUp = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(90);
            long commands = 0;
            long charging = 0;
            while (System.nanoTime() < giveUp && (commands == 0 || charging == 0)) {
                commands = count(db, "SELECT count(*) FROM robot_commands c JOIN robots b ON b.id = c.robot_id "
                        + "WHERE b.robot_key = 'demo-robot-01' AND c.kind = 'GO_TO_SPOT' AND c.reservation_id = '" + reservation + "'");
                charging = count(db, "SELECT count(*) FROM reservations WHERE id = '" + reservation + "' "
                        + "AND charging_started_at IS NOT NULL AND status IN ('IN_PROGRESS', 'COMPLETED')");
                Thread.sleep(200);
            }
            assertThat(commands).as("GO_TO_SPOT commands to demo-robot-01 for the reservation under way").isEqualTo(1);
            assertThat(charging).as("the reservation under way, charging or charged").isEqualTo(1);
        }
    }

    @Test
    void theDemoDriversPushNotificationsAreRecordedByTheLocalAdapter() throws Exception {
        // Account, car and three reservations: written with the demo data, delivered by the dispatcher.
        long giveUp = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        long sent = 0;
        try (java.sql.Connection db = TestDatabases.connect(platform.server().database())) {
            while (System.nanoTime() < giveUp && sent < 5) {
                sent = count(db, "SELECT count(*) FROM notification_outbox o JOIN users u ON u.id = o.user_id "
                        + "WHERE u.login_id = 'driver' AND o.status = 'SENT'");
                Thread.sleep(100);
            }
            assertThat(sent).isGreaterThanOrEqualTo(5);
            assertThat(count(db, "SELECT count(*) FROM dev_outbox_messages WHERE channel = 'PUSH' AND subject = '충전 예약이 확정되었습니다'"))
                    .isEqualTo(3);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        platform.printAddresses(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("channel = 'PUSH'");
    }

    @Test
    void aSimulatedRobotReachesTheBridgeOverTheEmbeddedBroker() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        platform.printAddresses(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("MQTT broker (robots)", "demo-robot-01", "RobotService/Connect in this process");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (platform.robotBridge().metrics().received.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(platform.robotBridge().metrics().received.get()).isPositive();
        assertThat(platform.robotBridge().metrics().malformed.get()).isZero();
    }

    @Test
    void aSimulatedRobotsTelemetryReachesTheDatabaseThroughBrokerAndBridgeExactlyOnce() throws Exception {
        // Simulator -> MQTT broker -> robot bridge -> Connect stream -> server -> PostgreSQL.
        long giveUp = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(90);
        long rows = 0;
        try (java.sql.Connection db = TestDatabases.connect(platform.server().database())) {
            while (System.nanoTime() < giveUp && rows < 3) {
                rows = count(db, "SELECT count(*) FROM robot_logs l JOIN robots r ON r.id = l.robot_id "
                        + "WHERE r.robot_key = 'demo-robot-01' AND l.kind = 'TELEMETRY'");
                Thread.sleep(200);
            }
            assertThat(rows).as("telemetry rows of demo-robot-01").isGreaterThanOrEqualTo(3);
            // Every stored message once: one log row per (robot, sequence), and one dedup key per row.
            assertThat(count(db, "SELECT count(*) - count(DISTINCT l.sequence) FROM robot_logs l JOIN robots r "
                    + "ON r.id = l.robot_id WHERE r.robot_key = 'demo-robot-01'")).isZero();
            assertThat(count(db, "SELECT count(*) FROM robot_logs l JOIN robots r ON r.id = l.robot_id "
                    + "WHERE r.robot_key = 'demo-robot-01'"))
                    .isEqualTo(count(db, "SELECT count(*) FROM robot_message_keys k JOIN robots r ON r.id = k.robot_id "
                            + "WHERE r.robot_key = 'demo-robot-01'"));
            assertThat(count(db, "SELECT count(*) FROM robots WHERE robot_key = 'demo-robot-01' AND last_seen_at IS NOT NULL "
                    + "AND battery_percent IS NOT NULL")).isEqualTo(1);
            // Dispatchable: the demo robots are enabled, one per lot with a demo reservation.
            assertThat(count(db, "SELECT count(*) FROM robots WHERE robot_key LIKE 'demo-robot-%' AND enabled")).isEqualTo(3);
        }
    }

    private static long count(java.sql.Connection db, String sql) throws java.sql.SQLException {
        try (java.sql.PreparedStatement ps = db.prepareStatement(sql); java.sql.ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void authWorksThroughTheGatewayOverJsonAndGrpcWeb() throws Exception {
        HttpResponse<String> signIn = http.send(HttpRequest.newBuilder(URI.create(gateway() + "/v1/auth:signIn"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"loginId\":\"admin\",\"password\":\"" + ADMIN_PASSWORD + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(signIn.statusCode()).isEqualTo(200);
        java.util.regex.Matcher token = java.util.regex.Pattern.compile("\"accessToken\":\\s*\"([^\"]+)\"").matcher(signIn.body());
        assertThat(token.find()).isTrue();
        String accessToken = token.group(1);

        HttpResponse<String> me = http.send(HttpRequest.newBuilder(URI.create(gateway() + "/v1/users/me"))
                .header("authorization", "Bearer " + accessToken).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(me.body()).contains("\"loginId\":\"admin\"", "ROLE_ADMIN");
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(gateway() + "/v1/users/me")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).contains("UNAUTHENTICATED");
        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(gateway() + "/v1/auth:signIn"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"loginId\":\"admin\",\"password\":\"wrong password\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("SIGN_IN_FAILED");

        byte[] request = io.chargebot.user.v1.GetUserRequest.newBuilder().setName("users/me").build().toByteArray();
        HttpResponse<byte[]> grpcWeb = http.send(HttpRequest.newBuilder(URI.create(gateway() + "/chargebot.user.v1.UserService/GetUser"))
                .header("content-type", "application/grpc-web+proto").header("x-grpc-web", "1")
                .header("authorization", "Bearer " + accessToken)
                .POST(HttpRequest.BodyPublishers.ofByteArray(frame(0, request))).build(), HttpResponse.BodyHandlers.ofByteArray());
        Frames frames = Frames.parse(grpcWeb.body());
        assertThat(frames.trailers).containsEntry("grpc-status", "0");
        assertThat(io.chargebot.user.v1.User.parseFrom(frames.data.toByteArray()).getLoginId()).isEqualTo("admin");
    }

    @Test
    void grpcWebUnaryReturnsWhatDirectGrpcReturns() throws Exception {
        ListParkingLotsRequest request = ListParkingLotsRequest.newBuilder().setLocation(CITY_HALL).setPageSize(5).build();
        ListParkingLotsResponse direct = ParkingServiceGrpc.newBlockingStub(channel).listParkingLots(request);

        HttpResponse<byte[]> response = grpcWeb("application/grpc-web+proto", frame(0, request.toByteArray()));
        assertThat(response.statusCode()).isEqualTo(200);
        Frames frames = Frames.parse(response.body());
        assertThat(frames.trailers).containsEntry("grpc-status", "0");
        ListParkingLotsResponse viaGateway = ListParkingLotsResponse.parseFrom(frames.data.toByteArray());

        assertThat(viaGateway.getParkingLotsList()).extracting(ParkingLot::getName)
                .containsExactlyElementsOf(direct.getParkingLotsList().stream().map(ParkingLot::getName).toList());
        assertThat(viaGateway.getParkingLots(0).getDisplayName()).isEqualTo("서울시청 공영주차장");
        assertThat(viaGateway.getNextPageToken()).isNotEmpty();
    }

    @Test
    void grpcWebTextWorksForBrowsers() throws Exception {
        ListParkingLotsRequest request = ListParkingLotsRequest.newBuilder().setLocation(CITY_HALL).setPageSize(1).build();
        byte[] body = Base64.getEncoder().encode(frame(0, request.toByteArray()));
        HttpResponse<byte[]> response = grpcWeb("application/grpc-web-text+proto", body);
        assertThat(response.statusCode()).isEqualTo(200);
        Frames frames = Frames.parse(decodeConcatenatedBase64(response.body()));
        assertThat(frames.trailers).containsEntry("grpc-status", "0");
        assertThat(ListParkingLotsResponse.parseFrom(frames.data.toByteArray()).getParkingLots(0).getDisplayName())
                .isEqualTo("서울시청 공영주차장");
    }

    @Test
    void grpcWebErrorsCarryTheRichStatus() throws Exception {
        ListParkingLotsRequest bad = ListParkingLotsRequest.newBuilder()
                .setLocation(LatLng.newBuilder().setLatitude(123).setLongitude(127)).build();
        HttpResponse<byte[]> response = grpcWeb("application/grpc-web+proto", frame(0, bad.toByteArray()));
        Map<String, String> trailers = new HashMap<>(Frames.parse(response.body()).trailers);
        response.headers().map().forEach((k, v) -> trailers.putIfAbsent(k, v.get(0)));
        assertThat(trailers).containsEntry("grpc-status", "3");
        com.google.rpc.Status status = com.google.rpc.Status.parseFrom(
                Base64.getDecoder().decode(pad(trailers.get("grpc-status-details-bin"))));
        BadRequest badRequest = status.getDetailsList().stream().filter(a -> a.is(BadRequest.class))
                .findFirst().orElseThrow().unpack(BadRequest.class);
        assertThat(badRequest.getFieldViolations(0).getField()).isEqualTo("location.latitude");
    }

    @Test
    void jsonTranscodingServesTheHttpAnnotations() throws Exception {
        HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create(gateway()
                        + "/v1/parkingLots?location.latitude=37.5665&location.longitude=126.978&page_size=2")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("서울시청 공영주차장", "distanceMeters", "nextPageToken");

        String name = ParkingServiceGrpc.newBlockingStub(channel).listParkingLots(ListParkingLotsRequest.newBuilder()
                .setLocation(CITY_HALL).setPageSize(1).build()).getParkingLots(0).getName();
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(gateway() + "/v1/" + name)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).contains("\"spots\"", "A-01", "businessHours");

        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(gateway()
                + "/v1/parkingLots/00000000-0000-0000-0000-000000000000")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("RESOURCE_NOT_FOUND");
    }

    @Test
    void corsPreflightAllowsBrowsersAndExposesGrpcHeaders() throws Exception {
        HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(URI.create(gateway()
                        + "/chargebot.parking.v1.ParkingService/ListParkingLots"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "http://localhost:5173")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,x-grpc-web,authorization")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("access-control-allow-origin")).isPresent();
        assertThat(preflight.headers().firstValue("access-control-allow-headers").orElse("").toLowerCase())
                .contains("x-grpc-web", "authorization");

        HttpResponse<byte[]> actual = http.send(HttpRequest.newBuilder(URI.create(gateway()
                        + "/chargebot.parking.v1.ParkingService/ListParkingLots"))
                .header("Origin", "http://localhost:5173")
                .header("content-type", "application/grpc-web+proto").header("x-grpc-web", "1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(frame(0, ListParkingLotsRequest.newBuilder()
                        .setLocation(CITY_HALL).build().toByteArray())))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(actual.headers().firstValue("access-control-expose-headers").orElse("").toLowerCase())
                .contains("grpc-status", "grpc-message", "grpc-status-details-bin");
    }

    @Test
    void optionsParsing() {
        LocalPlatform.Options options = LocalPlatform.Options.parse(
                new String[] {"--grpc-port=0", "--gateway-port=9999", "--no-demo-data"}, Map.of());
        assertThat(options.grpcPort()).isZero();
        assertThat(options.gatewayPort()).isEqualTo(9999);
        assertThat(options.demoData()).isFalse();
        assertThat(options.database()).isNull();
        assertThat(LocalPlatform.Options.parse(new String[0], Map.of("DATABASE_URL", "postgres://u@h/db")).database().jdbcUrl())
                .isEqualTo("jdbc:postgresql://h:5432/db");
        assertThatThrownBy(() -> LocalPlatform.Options.parse(new String[] {"--grpc-port=70000"}, Map.of()))
                .hasMessageContaining("expected: 0..65535");
        assertThatThrownBy(() -> LocalPlatform.Options.parse(new String[] {"--frobnicate"}, Map.of()))
                .hasMessageContaining("unknown option");
        // The gateway calls the server in-process unless told to use the network (flag over environment).
        assertThat(options.gatewayOverNetwork()).isFalse();
        assertThat(LocalPlatform.Options.parse(new String[0], Map.of("CHARGEBOT_GATEWAY_BACKEND", "network"))
                .gatewayOverNetwork()).isTrue();
        assertThat(LocalPlatform.Options.parse(new String[] {"--gateway-backend=in-process"},
                Map.of("CHARGEBOT_GATEWAY_BACKEND", "network")).gatewayOverNetwork()).isFalse();
        assertThatThrownBy(() -> LocalPlatform.Options.parse(new String[] {"--gateway-backend=carrier-pigeon"}, Map.of()))
                .hasMessageContaining("expected: in-process or network");
        assertThatThrownBy(() -> LocalPlatform.Options.parse(new String[0], Map.of("CHARGEBOT_GATEWAY_BACKEND", "x")))
                .hasMessageContaining("CHARGEBOT_GATEWAY_BACKEND=x");
        // The same for the robot bridge, independently of the gateway.
        assertThat(options.bridgeOverNetwork()).isFalse();
        LocalPlatform.Options bridgeOverNetwork = LocalPlatform.Options.parse(new String[0],
                Map.of("CHARGEBOT_BRIDGE_BACKEND", "network"));
        assertThat(bridgeOverNetwork.bridgeOverNetwork()).isTrue();
        assertThat(bridgeOverNetwork.gatewayOverNetwork()).isFalse();
        assertThat(LocalPlatform.Options.parse(new String[] {"--bridge-backend=in-process"},
                Map.of("CHARGEBOT_BRIDGE_BACKEND", "network")).bridgeOverNetwork()).isFalse();
        assertThatThrownBy(() -> LocalPlatform.Options.parse(new String[] {"--bridge-backend=smoke-signals"}, Map.of()))
                .hasMessageContaining("--bridge-backend=smoke-signals (expected: in-process or network)");
    }

    @Test
    void aBusyPreferredPortFallsBackToAFreeOne() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(LocalPlatform.resolvePort(-1, busy.getLocalPort())).isZero();
        }
        assertThat(LocalPlatform.resolvePort(1234, 5678)).isEqualTo(1234);
    }

    private static String gateway() {
        return "http://127.0.0.1:" + platform.gatewayPort();
    }

    private static HttpResponse<byte[]> grpcWeb(String contentType, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gateway() + "/chargebot.parking.v1.ParkingService/ListParkingLots"))
                .header("content-type", contentType)
                .header("x-grpc-web", "1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static byte[] frame(int flags, byte[] payload) {
        return ByteBuffer.allocate(5 + payload.length).put((byte) flags).putInt(payload.length).put(payload).array();
    }

    /** gRPC-Web-Text responses may be several base64 chunks, each padded. */
    private static byte[] decodeConcatenatedBase64(byte[] text) {
        String s = new String(text, StandardCharsets.US_ASCII).trim();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            boolean endOfChunk = s.charAt(i) == '=' && (i + 1 == s.length() || s.charAt(i + 1) != '=');
            if (endOfChunk || i + 1 == s.length()) {
                out.writeBytes(Base64.getDecoder().decode(s.substring(start, i + 1)));
                start = i + 1;
            }
        }
        return out.toByteArray();
    }

    private static String pad(String base64) {
        return base64 + "=".repeat((4 - base64.length() % 4) % 4);
    }

    /** The data and trailer frames of a gRPC-Web response body. */
    private static final class Frames {
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        final Map<String, String> trailers = new HashMap<>();

        static Frames parse(byte[] body) {
            Frames frames = new Frames();
            ByteBuffer buffer = ByteBuffer.wrap(body);
            while (buffer.remaining() >= 5) {
                int flags = buffer.get() & 0xff;
                byte[] payload = new byte[buffer.getInt()];
                buffer.get(payload);
                if ((flags & 0x80) != 0) {
                    for (String line : new String(payload, StandardCharsets.UTF_8).split("\r\n")) {
                        int colon = line.indexOf(':');
                        if (colon > 0) {
                            frames.trailers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
                        }
                    }
                } else {
                    frames.data.writeBytes(payload);
                }
            }
            return frames;
        }
    }
}
