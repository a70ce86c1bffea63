package io.chargebot.server.notification;

import static io.chargebot.server.auth.AuthTestClient.assertFails;
import static io.chargebot.server.auth.AuthTestClient.assertInvalid;
import static io.chargebot.server.auth.AuthTestClient.withToken;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.FieldMask;
import io.chargebot.auth.v1.AuthTokens;
import io.chargebot.car.v1.Car;
import io.chargebot.car.v1.CarServiceGrpc;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.car.v1.CreateCarRequest;
import io.chargebot.car.v1.DeleteCarRequest;
import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.server.db.Db;
import io.chargebot.server.testing.FakeProvider;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.user.v1.ChangePasswordRequest;
import io.chargebot.user.v1.DeleteUserRequest;
import io.chargebot.user.v1.Device;
import io.chargebot.user.v1.DevicePlatform;
import io.chargebot.user.v1.ListNotificationsRequest;
import io.chargebot.user.v1.ListNotificationsResponse;
import io.chargebot.user.v1.Notification;
import io.chargebot.user.v1.NotificationState;
import io.chargebot.user.v1.NotificationType;
import io.chargebot.user.v1.RegisterDeviceRequest;
import io.chargebot.user.v1.UpdateUserRequest;
import io.chargebot.user.v1.User;
import io.chargebot.user.v1.UserServiceGrpc;
import io.grpc.Status;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Events through real gRPC write outbox rows in the change's transaction; the dispatcher delivers
 * them with firebase-admin to a local FCM stand-in, and FCM's replies decide SENT, retry, FAILED and
 * token removal. The server's own dispatcher thread is off: each test runs delivery rounds itself.
 */
class NotificationDeliveryTest {

    private static final String ADMIN_PASSWORD = "an admin passphrase for tests";
    private static final String PASSWORD = "the right passphrase";
    private static final AtomicInteger USERS = new AtomicInteger();
    private static final AtomicInteger PLATES = new AtomicInteger(3000);
    private static FcmStandIn fcm;
    private static FirebasePushSender sender;
    private static AuthTestClient t;
    private static NotificationDispatcher dispatcher;

    @BeforeAll
    static void start() {
        fcm = new FcmStandIn();
        sender = fcm.sender();
        Map<String, Object> properties = new HashMap<>(AuthTestClient.relaxedLimits());
        properties.put("chargebot.admin.password", ADMIN_PASSWORD);
        properties.put("chargebot.notifications.dispatcher-enabled", false);
        properties.put("chargebot.notifications.initial-backoff", "10s");
        properties.put("chargebot.notifications.max-backoff", "1m");
        properties.put("chargebot.notifications.max-age", "1h");
        t = new AuthTestClient(properties, sender);
        dispatcher = t.server.context().getBean(NotificationDispatcher.class);
    }

    @AfterAll
    static void stop() {
        t.close();
        sender.close();
        fcm.close();
    }

    @BeforeEach
    void everyMessageAccepted() throws InterruptedException {
        fcm.acceptAll();
        deliverAll();
        while (fcm.http.requestCount() > 0) {
            fcm.http.take();
        }
    }

    /** A signed-up driver with stubs. */
    private record Driver(UUID id, String accessToken, UserServiceGrpc.UserServiceBlockingStub users,
                          CarServiceGrpc.CarServiceBlockingStub cars) {

        Device device(String token) {
            return users.registerDevice(RegisterDeviceRequest.newBuilder().setParent("users/me")
                    .setDevice(Device.newBuilder().setFcmToken(token).setPlatform(DevicePlatform.DEVICE_PLATFORM_ANDROID)).build());
        }

        Car addCar() {
            String plate = (10 + PLATES.get() / 10_000 % 90) + "가" + String.format("%04d", PLATES.incrementAndGet() % 10_000);
            return cars.createCar(CreateCarRequest.newBuilder().setCar(Car.newBuilder().setPlate(plate)
                    .setConnectorType(ConnectorType.CONNECTOR_TYPE_DC_COMBO1)).build());
        }

        void language(String code) {
            users.updateUser(UpdateUserRequest.newBuilder().setUser(User.newBuilder().setName("users/me").setLanguageCode(code))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("language_code")).build());
        }
    }

    private static Driver driver() {
        String loginId = "notified-" + USERS.incrementAndGet();
        AuthTokens tokens = t.signUp(loginId, PASSWORD);
        UserServiceGrpc.UserServiceBlockingStub users = withToken(t.users, tokens.getAccessToken());
        UUID id = UUID.fromString(users.getUser(io.chargebot.user.v1.GetUserRequest.newBuilder().setName("users/me").build())
                .getName().substring("users/".length()));
        return new Driver(id, tokens.getAccessToken(), users,
                withToken(CarServiceGrpc.newBlockingStub(t.channel), tokens.getAccessToken()));
    }

    /** Delivery rounds until nothing due is left. */
    private static void deliverAll() {
        while (dispatcher.runOnce() > 0) {
            // next batch
        }
    }

    /** An outbox row as stored. */
    private record Row(UUID id, String type, String status, String title, String body, int attempts, String lastError,
                       int delivered, String data) {}

    private static List<Row> rows(UUID userId) {
        try (Connection c = TestDatabases.connect(t.database);
             PreparedStatement ps = c.prepareStatement("SELECT id, type, status, title, body, attempts, last_error, "
                     + "delivered_devices, data::text FROM notification_outbox WHERE user_id = ? ORDER BY created_at, id")) {
            ps.setObject(1, userId);
            List<Row> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getInt(6), rs.getString(7), rs.getInt(8), rs.getString(9)));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    private static Row row(UUID userId, String type) {
        return rows(userId).stream().filter(r -> r.type().equals(type)).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no " + type + " row for users/" + userId));
    }

    private static int devices(UUID userId) {
        return t.queryInt("SELECT count(*) FROM devices WHERE user_id = '" + userId + "'");
    }

    @Test
    void fcmReceivesTitleBodyDataAndHighPriorityWithTheFixedAccessToken() throws Exception {
        Driver driver = driver();
        driver.language("en");
        driver.device("token-for-exact-body");
        Car car = driver.addCar();

        deliverAll();

        FakeProvider.Request request = fcm.http.take();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/projects/" + FcmStandIn.PROJECT + "/messages:send");
        assertThat(request.header("authorization")).isEqualTo("Bearer " + FcmStandIn.ACCESS_TOKEN);
        Row row = row(driver.id(), "CAR_ADDED");
        JsonNode expected = FcmStandIn.JSON.readTree("{\"token\":\"token-for-exact-body\","
                + "\"notification\":{\"title\":\"Car added\",\"body\":\"Your car " + car.getPlate() + " was added.\"},"
                + "\"data\":{\"type\":\"CAR_ADDED\",\"resource\":\"" + car.getName() + "\",\"car_id\":\""
                + car.getName().substring("cars/".length()) + "\",\"notification_id\":\"" + row.id() + "\"},"
                + "\"android\":{\"priority\":\"high\",\"notification\":{\"tag\":\"" + row.id() + "\"}}}");
        assertThat(FcmStandIn.message(request)).isEqualTo(expected);
        assertThat(fcm.http.requestCount()).isZero();
        assertThat(row.status()).isEqualTo("SENT");
        assertThat(row.attempts()).isEqualTo(1);
        assertThat(row.delivered()).isEqualTo(1);

        Notification listed = driver.users().listNotifications(ListNotificationsRequest.newBuilder().setParent("users/me").build())
                .getNotificationsList().get(0);
        assertThat(listed.getType()).isEqualTo(NotificationType.NOTIFICATION_TYPE_CAR_ADDED);
        assertThat(listed.getState()).isEqualTo(NotificationState.NOTIFICATION_STATE_SENT);
        assertThat(listed.getLanguageCode()).isEqualTo("en");
        assertThat(listed.getResource()).isEqualTo(car.getName());
        assertThat(listed.getDataMap()).containsEntry("type", "CAR_ADDED").containsEntry("resource", car.getName());
        assertThat(listed.getDeliveredDeviceCount()).isEqualTo(1);
        assertThat(listed.hasSendTime()).isTrue();
        assertThat(listed.hasNextAttemptTime()).isFalse();
    }

    @Test
    void theUsersLanguageSelectsTheCatalogue() {
        Driver korean = driver();
        korean.device("token-ko");
        Car car = korean.addCar();
        Row row = row(korean.id(), "CAR_ADDED");
        assertThat(row.title()).isEqualTo("차량이 등록되었습니다");
        assertThat(row.body()).isEqualTo(car.getPlate() + " 차량이 등록되었습니다.");
        korean.language("en");
        korean.cars().deleteCar(DeleteCarRequest.newBuilder().setName(car.getName()).build());
        assertThat(row(korean.id(), "CAR_REMOVED").title()).isEqualTo("Car removed");
    }

    @Test
    void turnedOffTypesAndUsersWithoutDevicesAreSkippedButPasswordChangesAreAlwaysSent() throws Exception {
        Driver driver = driver();
        assertThat(row(driver.id(), "ACCOUNT_CREATED").status()).isEqualTo("SKIPPED");
        assertThat(row(driver.id(), "ACCOUNT_CREATED").lastError()).isEqualTo("NO_DEVICE");
        driver.device("token-preferences");
        driver.users().updateUser(UpdateUserRequest.newBuilder().setUser(User.newBuilder().setName("users/me")
                        .addDisabledNotificationTypes(NotificationType.NOTIFICATION_TYPE_CAR_ADDED)
                        .addDisabledNotificationTypes(NotificationType.NOTIFICATION_TYPE_PASSWORD_CHANGED))
                .setUpdateMask(FieldMask.newBuilder().addPaths("disabled_notification_types")).build());
        driver.addCar();
        driver.users().changePassword(ChangePasswordRequest.newBuilder().setName("users/me").setCurrentPassword(PASSWORD)
                .setNewPassword("another good passphrase").build());

        assertThat(row(driver.id(), "CAR_ADDED").status()).isEqualTo("SKIPPED");
        assertThat(row(driver.id(), "CAR_ADDED").lastError()).isEqualTo("TURNED_OFF");
        assertThat(row(driver.id(), "PASSWORD_CHANGED").status()).isEqualTo("PENDING");
        deliverAll();
        assertThat(row(driver.id(), "PASSWORD_CHANGED").status()).isEqualTo("SENT");
        List<String> types = new ArrayList<>();
        while (fcm.http.requestCount() > 0) {
            types.add(FcmStandIn.message(fcm.http.take()).get("data").get("type").asText());
        }
        // ACCOUNT_UPDATED (the preference change itself) and PASSWORD_CHANGED; never CAR_ADDED.
        assertThat(types).containsExactlyInAnyOrder("ACCOUNT_UPDATED", "PASSWORD_CHANGED");
    }

    @Test
    void anUnregisteredTokenIsRemovedAndTheOtherDeviceStillGetsIt() throws Exception {
        Driver driver = driver();
        driver.device("token-alive");
        driver.device("token-unregistered");
        fcm.http.respond((exchange, request) -> {
            if (FcmStandIn.token(request).equals("token-unregistered")) {
                FcmStandIn.error(exchange, 404, "NOT_FOUND", "UNREGISTERED");
            } else {
                fcm.accept(exchange);
            }
        });
        driver.addCar();
        deliverAll();

        Row row = row(driver.id(), "CAR_ADDED");
        assertThat(row.status()).isEqualTo("SENT");
        assertThat(row.delivered()).isEqualTo(1);
        assertThat(row.lastError()).startsWith("UNREGISTERED").endsWith("(device removed)");
        assertThat(t.queryInt("SELECT count(*) FROM devices WHERE fcm_token = 'token-unregistered'")).isZero();
        assertThat(devices(driver.id())).isEqualTo(1);

        // With its only device unregistered, a notification fails with the reason and the device is gone.
        Driver lonely = driver();
        lonely.device("token-unregistered");
        lonely.addCar();
        deliverAll();
        Row failed = row(lonely.id(), "CAR_ADDED");
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.lastError()).startsWith("UNREGISTERED");
        assertThat(devices(lonely.id())).isZero();
    }

    @Test
    void quotaExceededIsRetriedWithBackoffAndSentLaterToTheDevicesNotYetServed() throws Exception {
        Driver driver = driver();
        driver.device("token-served");
        driver.device("token-over-quota");
        AtomicInteger quotaReplies = new AtomicInteger();
        fcm.http.respond((exchange, request) -> {
            if (FcmStandIn.token(request).equals("token-over-quota") && quotaReplies.getAndIncrement() == 0) {
                FcmStandIn.error(exchange, 429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED");
            } else {
                fcm.accept(exchange);
            }
        });
        driver.addCar();
        deliverAll();
        Row waiting = row(driver.id(), "CAR_ADDED");
        assertThat(waiting.status()).isEqualTo("PENDING");
        assertThat(waiting.attempts()).isEqualTo(1);
        assertThat(waiting.delivered()).isEqualTo(1);
        assertThat(waiting.lastError()).startsWith("QUOTA_EXCEEDED");
        assertThat(t.queryInt("SELECT count(*) FROM notification_outbox WHERE id = '" + waiting.id()
                + "' AND next_attempt_at >= '" + t.clock.instant().plusSeconds(5) + "'")).as("backed off").isEqualTo(1);
        int before = fcm.http.requestCount();
        deliverAll();
        assertThat(fcm.http.requestCount()).as("not due yet").isEqualTo(before);

        t.clock.advance(Duration.ofMinutes(2));
        deliverAll();
        Row sent = row(driver.id(), "CAR_ADDED");
        assertThat(sent.status()).isEqualTo("SENT");
        assertThat(sent.attempts()).isEqualTo(2);
        assertThat(sent.delivered()).isEqualTo(2);
        List<String> tokens = new ArrayList<>();
        while (fcm.http.requestCount() > 0) {
            tokens.add(FcmStandIn.token(fcm.http.take()));
        }
        // The device served on the first attempt was not sent to again.
        assertThat(tokens).containsExactlyInAnyOrder("token-served", "token-over-quota", "token-over-quota");
    }

    @Test
    void unavailableIsRetriedByFirebaseAdminItselfAndThenSent() {
        Driver driver = driver();
        driver.device("token-503");
        AtomicInteger replies = new AtomicInteger();
        fcm.http.respond((exchange, request) -> {
            if (replies.getAndIncrement() == 0) {
                FcmStandIn.error(exchange, 503, "UNAVAILABLE", "UNAVAILABLE");
            } else {
                fcm.accept(exchange);
            }
        });
        driver.addCar();
        deliverAll();
        assertThat(replies.get()).isEqualTo(2);
        assertThat(row(driver.id(), "CAR_ADDED").status()).isEqualTo("SENT");
    }

    @Test
    void invalidArgumentFailsWithTheProvidersReasonAndKeepsTheDevice() {
        Driver driver = driver();
        driver.device("token-invalid-argument");
        fcm.http.respond((exchange, request) -> FcmStandIn.error(exchange, 400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"));
        driver.addCar();
        deliverAll();
        Row row = row(driver.id(), "CAR_ADDED");
        assertThat(row.status()).isEqualTo("FAILED");
        assertThat(row.lastError()).startsWith("INVALID_ARGUMENT");
        assertThat(devices(driver.id())).isEqualTo(1);
    }

    @Test
    void aNotificationStillFailingAtItsMaximumAgeExpires() {
        Driver driver = driver();
        driver.device("token-always-over-quota");
        fcm.http.respond((exchange, request) -> FcmStandIn.error(exchange, 429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"));
        driver.addCar();
        for (int i = 0; i < 100 && row(driver.id(), "CAR_ADDED").status().equals("PENDING"); i++) {
            deliverAll();
            t.clock.advance(Duration.ofMinutes(2));
        }
        Row row = row(driver.id(), "CAR_ADDED");
        assertThat(row.status()).isEqualTo("FAILED");
        assertThat(row.lastError()).startsWith("EXPIRED after ").contains("QUOTA_EXCEEDED");
        assertThat(row.attempts()).isGreaterThan(2);
    }

    @Test
    void aRolledBackChangeLeavesNoNotification() {
        Driver driver = driver();
        driver.device("token-rollback");
        Car car = driver.addCar();
        UUID carId = UUID.fromString(car.getName().substring("cars/".length()));
        Db db = t.server.context().getBean(Db.class);
        Notifications notifications = t.server.context().getBean(Notifications.class);
        try {
            db.transaction(connection -> {
                try (PreparedStatement ps = connection.prepareStatement("UPDATE cars SET nickname = 'rolled back' WHERE id = ?")) {
                    ps.setObject(1, carId);
                    ps.executeUpdate();
                }
                assertThat(notifications.car(connection, NotificationType.NOTIFICATION_TYPE_CAR_UPDATED, carId)).isTrue();
                throw new IllegalStateException("the change fails after its notification was written");
            });
        } catch (IllegalStateException expected) {
            // rolled back
        }
        assertThat(rows(driver.id())).extracting(Row::type).doesNotContain("CAR_UPDATED");
        // And through the API: deleting a car of someone else changes nothing and notifies nobody.
        Driver other = driver();
        assertFails(() -> other.cars().deleteCar(DeleteCarRequest.newBuilder().setName(car.getName()).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertThat(rows(driver.id())).extracting(Row::type).doesNotContain("CAR_REMOVED");
    }

    @Test
    void theSameEventTwiceIsOneRow() {
        Driver driver = driver();
        Db db = t.server.context().getBean(Db.class);
        Notifications notifications = t.server.context().getBean(Notifications.class);
        boolean again = db.transaction(connection ->
                notifications.account(connection, NotificationType.NOTIFICATION_TYPE_ACCOUNT_CREATED, driver.id()));
        assertThat(again).isFalse();
        assertThat(rows(driver.id())).extracting(Row::type).containsOnlyOnce("ACCOUNT_CREATED");
    }

    @Test
    void aDeletedAccountsNoticeReachesTheDevicesRemovedWithIt() throws Exception {
        Driver driver = driver();
        driver.device("token-of-a-deleted-account");
        driver.users().deleteUser(DeleteUserRequest.newBuilder().setName("users/me").setPassword(PASSWORD).build());
        assertThat(devices(driver.id())).isZero();
        deliverAll();
        FakeProvider.Request request = fcm.http.take();
        assertThat(FcmStandIn.token(request)).isEqualTo("token-of-a-deleted-account");
        assertThat(FcmStandIn.message(request).get("data").get("type").asText()).isEqualTo("ACCOUNT_DELETED");
        assertThat(row(driver.id(), "ACCOUNT_DELETED").status()).isEqualTo("SENT");
    }

    @Test
    void adminListsAUsersNotificationsOthersMayNot() {
        Driver driver = driver();
        driver.device("token-admin-list");
        driver.addCar();
        deliverAll();
        UserServiceGrpc.UserServiceBlockingStub admin = withToken(t.users, t.signIn("admin", ADMIN_PASSWORD).getAccessToken());

        ListNotificationsResponse sent = admin.listNotifications(ListNotificationsRequest.newBuilder()
                .setParent("users/" + driver.id()).addStates(NotificationState.NOTIFICATION_STATE_SENT).build());
        assertThat(sent.getNotificationsList()).extracting(Notification::getType)
                .containsExactly(NotificationType.NOTIFICATION_TYPE_CAR_ADDED);
        assertThat(sent.getNotifications(0).getName()).startsWith("users/" + driver.id() + "/notifications/");
        ListNotificationsResponse firstPage = admin.listNotifications(ListNotificationsRequest.newBuilder()
                .setParent("users/" + driver.id()).setPageSize(1).build());
        assertThat(firstPage.getNotificationsCount()).isEqualTo(1);
        ListNotificationsResponse secondPage = admin.listNotifications(ListNotificationsRequest.newBuilder()
                .setParent("users/" + driver.id()).setPageSize(1).setPageToken(firstPage.getNextPageToken()).build());
        assertThat(secondPage.getNotifications(0).getName()).isNotEqualTo(firstPage.getNotifications(0).getName());

        Driver other = driver();
        assertFails(() -> other.users().listNotifications(ListNotificationsRequest.newBuilder()
                .setParent("users/" + driver.id()).build()), Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        assertFails(() -> other.users().listNotifications(ListNotificationsRequest.newBuilder()
                .setParent("users/" + UUID.randomUUID()).build()), Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        assertInvalid(() -> admin.listNotifications(ListNotificationsRequest.newBuilder().setParent("users/not-a-uuid").build()),
                "parent");
        assertInvalid(() -> other.users().listNotifications(ListNotificationsRequest.newBuilder().setParent("cars/x").build()),
                "parent");
        assertInvalid(() -> admin.listNotifications(ListNotificationsRequest.newBuilder().setParent("users/" + driver.id())
                .addStatesValue(99).build()), "states");
        assertInvalid(() -> admin.listNotifications(ListNotificationsRequest.newBuilder().setParent("users/" + driver.id())
                .setPageSize(101).build()), "page_size");
        assertInvalid(() -> admin.listNotifications(ListNotificationsRequest.newBuilder().setParent("users/" + driver.id())
                .setPageToken("forged").build()), "page_token");
    }
}
