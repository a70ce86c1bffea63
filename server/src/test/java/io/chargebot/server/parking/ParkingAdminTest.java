package io.chargebot.server.parking;

import static io.chargebot.server.auth.AuthTestClient.assertFails;
import static io.chargebot.server.auth.AuthTestClient.assertInvalid;
import static io.chargebot.server.auth.AuthTestClient.details;
import static io.chargebot.server.auth.AuthTestClient.failure;
import static io.chargebot.server.auth.AuthTestClient.fields;
import static io.chargebot.server.auth.AuthTestClient.withToken;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import com.google.type.DayOfWeek;
import com.google.type.LatLng;
import com.google.type.TimeOfDay;
import io.chargebot.parking.v1.BusinessHours;
import io.chargebot.parking.v1.CreateParkingLotRequest;
import io.chargebot.parking.v1.CreateSpotRequest;
import io.chargebot.parking.v1.DeleteSpotRequest;
import io.chargebot.parking.v1.GetParkingLotRequest;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.parking.v1.Spot;
import io.chargebot.parking.v1.UpdateParkingLotRequest;
import io.chargebot.parking.v1.UpdateSpotRequest;
import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.user.v1.GetUserRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin side of ParkingService (lots and spots) over real gRPC and PostgreSQL, with the server's default (local) geocoder. */
class ParkingAdminTest {

    private static final String ADMIN_PASSWORD = "an admin passphrase for parking tests";
    private static AuthTestClient t;
    private static ParkingServiceGrpc.ParkingServiceBlockingStub admin;
    private static ParkingServiceGrpc.ParkingServiceBlockingStub user;
    private static ParkingServiceGrpc.ParkingServiceBlockingStub anonymous;
    private static String adminId;
    private static int plates = 1000;

    @BeforeAll
    static void start() {
        Map<String, Object> properties = new HashMap<>(AuthTestClient.relaxedLimits());
        properties.put("chargebot.admin.password", ADMIN_PASSWORD);
        t = new AuthTestClient(properties);
        String adminToken = t.signIn("admin", ADMIN_PASSWORD).getAccessToken();
        admin = withToken(ParkingServiceGrpc.newBlockingStub(t.channel), adminToken);
        adminId = withToken(t.users, adminToken).getUser(GetUserRequest.newBuilder().setName("users/me").build())
                .getName().substring("users/".length());
        user = withToken(ParkingServiceGrpc.newBlockingStub(t.channel),
                t.signUp("parking-driver", "a driver passphrase").getAccessToken());
        anonymous = ParkingServiceGrpc.newBlockingStub(t.channel);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    // --- lots --------------------------------------------------------------------------------

    @Test
    void createsALotWithDefaultsAndReturnsItAsGetDoes() {
        ParkingLot created = admin.createParkingLot(CreateParkingLotRequest.newBuilder().setParkingLot(ParkingLot.newBuilder()
                .setName("parkingLots/chosen-by-the-client").setDisplayName("  신논현 공영주차장 ")
                .setAddress("서울 강남구 강남대로 470").setLocation(latLng(37.5045, 127.0250))
                .setImageUri("https://images.example.com/lots/1.jpg").setOpen(true)
                .setFreeSpotCount(99).addSpots(Spot.newBuilder().setFloor("B1").setCode("X"))).build());

        assertThat(created.getName()).matches("parkingLots/[0-9a-f-]{36}");
        assertThat(created.getDisplayName()).isEqualTo("신논현 공영주차장");
        assertThat(created.getAddress()).isEqualTo("서울 강남구 강남대로 470");
        assertThat(created.getLocation()).isEqualTo(latLng(37.5045, 127.0250));
        assertThat(created.getTimeZone()).isEqualTo("Asia/Seoul");
        assertThat(created.getOpen()).isTrue();
        assertThat(created.getSpotsList()).as("spots are output only").isEmpty();
        assertThat(created.getFreeSpotCount()).isZero();
        assertThat(created.hasCreateTime()).isTrue();
        assertThat(created.hasUpdateTime()).isTrue();
        // No hours given: 09:00-22:00 every day.
        assertThat(created.getBusinessHoursList()).hasSize(7).allSatisfy(h -> {
            assertThat(h.getOpenTime()).isEqualTo(time(9, 0));
            assertThat(h.getCloseTime()).isEqualTo(time(22, 0));
        });
        assertThat(created.getBusinessHoursList()).extracting(BusinessHours::getDay).containsExactly(DayOfWeek.MONDAY,
                DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY, DayOfWeek.THURSDAY, DayOfWeek.FRIDAY, DayOfWeek.SATURDAY,
                DayOfWeek.SUNDAY);
        assertThat(t.queryInt("SELECT count(*) FROM parking_lot_hours WHERE lot_id = '" + id(created) + "'")).isEqualTo(7);
        assertThat(get(created.getName())).isEqualTo(created);
        assertThat(auditCount("parking_lot.create", created.getName())).isEqualTo(1);
    }

    @Test
    void createsALotWithItsOwnHoursAndZone() {
        ParkingLot.Builder lot = ParkingLot.newBuilder().setDisplayName("Berlin Hauptbahnhof")
                .setLocation(latLng(52.5251, 13.3694)).setTimeZone("Europe/Berlin");
        for (DayOfWeek day : List.of(DayOfWeek.FRIDAY, DayOfWeek.MONDAY)) {
            lot.addBusinessHours(hours(day, time(0, 0), time(24, 0)));
        }
        lot.addBusinessHours(hours(DayOfWeek.SATURDAY, time(10, 30), time(18, 0)));

        ParkingLot created = admin.createParkingLot(CreateParkingLotRequest.newBuilder().setParkingLot(lot).build());

        assertThat(created.getTimeZone()).isEqualTo("Europe/Berlin");
        assertThat(created.getOpen()).as("open as sent (false when not set)").isFalse();
        assertThat(created.getBusinessHoursList()).containsExactly(
                hours(DayOfWeek.MONDAY, time(0, 0), time(24, 0)).build(),
                hours(DayOfWeek.FRIDAY, time(0, 0), time(24, 0)).build(),
                hours(DayOfWeek.SATURDAY, time(10, 30), time(18, 0)).build());
    }

    @Test
    void createNamesEveryBadField() {
        ParkingLot bad = ParkingLot.newBuilder()
                .setDisplayName(" ")
                .setAddress("주".repeat(301))
                .setLocation(LatLng.newBuilder().setLatitude(91).setLongitude(Double.NaN))
                .setImageUri("http://images.example.com/1.jpg")
                .setTimeZone("Mars/Olympus_Mons")
                .addBusinessHours(BusinessHours.newBuilder().setOpenTime(time(9, 0)).setCloseTime(time(18, 0)))
                .addBusinessHours(hours(DayOfWeek.MONDAY, time(9, 15), time(18, 0)))
                .addBusinessHours(hours(DayOfWeek.TUESDAY, time(9, 0), time(8, 0)))
                .addBusinessHours(hours(DayOfWeek.TUESDAY, time(9, 0), time(10, 0)))
                .addBusinessHours(hours(DayOfWeek.WEDNESDAY, time(24, 0), TimeOfDay.newBuilder().setHours(24).setMinutes(30).build()))
                .addBusinessHours(hours(DayOfWeek.THURSDAY, TimeOfDay.newBuilder().setHours(9).setSeconds(1).build(), time(10, 0)))
                .build();
        int lotsBefore = t.queryInt("SELECT count(*) FROM parking_lots");
        StatusRuntimeException e = failure(() -> admin.createParkingLot(CreateParkingLotRequest.newBuilder().setParkingLot(bad).build()));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(AuthTestClient.reason(e)).isEqualTo("VALIDATION_FAILED");
        assertThat(fields(e)).contains("parking_lot.display_name", "parking_lot.address", "parking_lot.location.latitude",
                "parking_lot.location.longitude", "parking_lot.image_uri", "parking_lot.time_zone",
                "parking_lot.business_hours[0].day", "parking_lot.business_hours[1].open_time",
                "parking_lot.business_hours[2].close_time", "parking_lot.business_hours[3].day",
                "parking_lot.business_hours[4].open_time", "parking_lot.business_hours[4].close_time",
                "parking_lot.business_hours[5].open_time");
        assertThat(t.queryInt("SELECT count(*) FROM parking_lots")).as("nothing written").isEqualTo(lotsBefore);

        assertInvalid(() -> admin.createParkingLot(CreateParkingLotRequest.getDefaultInstance()), "parking_lot.location");
        assertInvalid(() -> admin.createParkingLot(CreateParkingLotRequest.getDefaultInstance()), "parking_lot.display_name");
        for (String zone : List.of("asia/seoul", "+09:00", "UTC+09:00", "KST", "Asia/Seoul/Gangnam")) {
            assertInvalid(() -> admin.createParkingLot(CreateParkingLotRequest.newBuilder()
                    .setParkingLot(lot("Zone test", 37.5, 127).setTimeZone(zone)).build()), "parking_lot.time_zone");
        }
        for (String uri : List.of("ftp://x.example.com/a.jpg", "https://", "/relative.jpg", "https://x.example.com/" + "a".repeat(2030),
                "https://user:pw@x.example.com/a.jpg", "https://x.example.com/a b.jpg")) {
            assertInvalid(() -> admin.createParkingLot(CreateParkingLotRequest.newBuilder()
                    .setParkingLot(lot("Image test", 37.5, 127).setImageUri(uri)).build()), "parking_lot.image_uri");
        }
        assertInvalid(() -> admin.createParkingLot(CreateParkingLotRequest.newBuilder()
                .setParkingLot(lot("x".repeat(101), 37.5, 127)).build()), "parking_lot.display_name");
        assertInvalid(() -> admin.createParkingLot(CreateParkingLotRequest.newBuilder()
                .setParkingLot(lot("Line\nbreak", 37.5, 127)).build()), "parking_lot.display_name");
    }

    @Test
    void updateChangesOnlyTheMaskedFields() {
        ParkingLot created = create(lot("Before", 37.51, 127.01).setAddress("old address").setOpen(true));

        ParkingLot updated = admin.updateParkingLot(UpdateParkingLotRequest.newBuilder()
                .setParkingLot(ParkingLot.newBuilder().setName(created.getName()).setDisplayName("After")
                        .setAddress("주".repeat(400)).setTimeZone("nowhere"))
                .setUpdateMask(mask("display_name")).build());

        assertThat(updated.getDisplayName()).isEqualTo("After");
        assertThat(updated.getAddress()).isEqualTo("old address");
        assertThat(updated.getTimeZone()).isEqualTo("Asia/Seoul");
        assertThat(updated.getBusinessHoursCount()).isEqualTo(7);
        assertThat(updated.getOpen()).isTrue();
        assertThat(compare(updated.getUpdateTime(), created.getUpdateTime())).isPositive();
        assertThat(updated.getCreateTime()).isEqualTo(created.getCreateTime());
        assertThat(get(created.getName())).isEqualTo(updated);

        ParkingLot moved = admin.updateParkingLot(UpdateParkingLotRequest.newBuilder()
                .setParkingLot(ParkingLot.newBuilder().setName(created.getName()).setLocation(latLng(35.1796, 129.0756))
                        .setImageUri("https://images.example.com/busan.jpg").setTimeZone("Asia/Tokyo").setAddress("부산")
                        .addBusinessHours(hours(DayOfWeek.SUNDAY, time(6, 0), time(23, 30))))
                .setUpdateMask(mask("location", "image_uri", "time_zone", "address", "business_hours")).build());

        assertThat(moved.getLocation()).isEqualTo(latLng(35.1796, 129.0756));
        assertThat(moved.getImageUri()).isEqualTo("https://images.example.com/busan.jpg");
        assertThat(moved.getTimeZone()).isEqualTo("Asia/Tokyo");
        assertThat(moved.getAddress()).isEqualTo("부산");
        assertThat(moved.getBusinessHoursList()).containsExactly(hours(DayOfWeek.SUNDAY, time(6, 0), time(23, 30)).build());
        assertThat(nearby(35.1796, 129.0756)).contains(created.getName());
        assertThat(nearby(37.51, 127.01)).doesNotContain(created.getName());

        // business_hours in the mask with no entries: closed on every weekday.
        ParkingLot noHours = admin.updateParkingLot(UpdateParkingLotRequest.newBuilder()
                .setParkingLot(ParkingLot.newBuilder().setName(created.getName()))
                .setUpdateMask(mask("business_hours")).build());
        assertThat(noHours.getBusinessHoursList()).isEmpty();
        assertThat(auditCount("parking_lot.update", created.getName())).isEqualTo(3);
    }

    @Test
    void closingALotHidesItFromSearchButKeepsItsReservations() throws Exception {
        ParkingLot lot = create(lot("Closing soon", 37.45, 126.95).setOpen(true));
        Spot spot = createSpot(lot, "B1", "C-01");
        UUID reservation = insertReservation(lot, spot, 24, 26, "CONFIRMED");
        assertThat(nearby(37.45, 126.95)).contains(lot.getName());

        ParkingLot closed = admin.updateParkingLot(UpdateParkingLotRequest.newBuilder()
                .setParkingLot(ParkingLot.newBuilder().setName(lot.getName()).setOpen(false))
                .setUpdateMask(mask("open")).build());

        assertThat(closed.getOpen()).isFalse();
        assertThat(nearby(37.45, 126.95)).doesNotContain(lot.getName());
        assertThat(get(lot.getName()).getOpen()).isFalse();
        assertThat(t.queryInt("SELECT count(*) FROM reservations WHERE id = '" + reservation + "' AND status = 'CONFIRMED'"))
                .isEqualTo(1);
        admin.updateParkingLot(UpdateParkingLotRequest.newBuilder()
                .setParkingLot(ParkingLot.newBuilder().setName(lot.getName()).setOpen(true)).setUpdateMask(mask("open")).build());
        assertThat(nearby(37.45, 126.95)).contains(lot.getName());
    }

    @Test
    void updateNamesEveryBadFieldAndUnknownLotsAreNotFound() {
        ParkingLot lot = create(lot("Valid", 37.5, 127));
        assertInvalid(() -> admin.updateParkingLot(UpdateParkingLotRequest.newBuilder()
                .setParkingLot(ParkingLot.newBuilder().setName(lot.getName())).build()), "update_mask");
        for (String path : List.of("name", "spots", "free_spot_count", "create_time", "location.latitude", "")) {
            assertInvalid(() -> admin.updateParkingLot(UpdateParkingLotRequest.newBuilder()
                    .setParkingLot(ParkingLot.newBuilder().setName(lot.getName())).setUpdateMask(mask(path)).build()), "update_mask");
        }
        StatusRuntimeException e = failure(() -> admin.updateParkingLot(UpdateParkingLotRequest.newBuilder()
                .setParkingLot(ParkingLot.newBuilder().setName("parkingLots/nope").setDisplayName("")
                        .setLocation(latLng(0, 181)).setTimeZone("Asia/Nowhere").setImageUri("nope")
                        .addBusinessHours(hours(DayOfWeek.MONDAY, time(10, 0), time(10, 0))))
                .setUpdateMask(mask("display_name", "location", "time_zone", "image_uri", "business_hours")).build()));
        assertThat(fields(e)).containsExactlyInAnyOrder("parking_lot.name", "parking_lot.display_name",
                "parking_lot.location.longitude", "parking_lot.time_zone", "parking_lot.image_uri",
                "parking_lot.business_hours[0].close_time");
        assertInvalid(() -> admin.updateParkingLot(UpdateParkingLotRequest.newBuilder()
                .setParkingLot(ParkingLot.newBuilder().setName(lot.getName())).setUpdateMask(mask("location")).build()),
                "parking_lot.location");
        assertFails(() -> admin.updateParkingLot(UpdateParkingLotRequest.newBuilder()
                .setParkingLot(ParkingLot.newBuilder().setName("parkingLots/" + UUID.randomUUID()).setDisplayName("Ghost"))
                .setUpdateMask(mask("display_name")).build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
    }

    // --- spots -------------------------------------------------------------------------------

    @Test
    void createsSpotsThatTheLotListsAndCounts() {
        ParkingLot lot = create(lot("Spots", 37.52, 127.02).setOpen(true));
        Spot b = admin.createSpot(CreateSpotRequest.newBuilder().setParent(lot.getName()).setSpot(Spot.newBuilder()
                .setName("ignored").setFloor(" B2 ").setCode(" B-07 ").setXMeters(-3.5).setYMeters(40.25).setEnabled(true)).build());
        Spot a = createSpot(lot, "B1", "A-01");
        Spot disabled = admin.createSpot(CreateSpotRequest.newBuilder().setParent(lot.getName())
                .setSpot(Spot.newBuilder().setFloor("B1").setCode("A-02")).build());

        assertThat(b.getName()).matches(lot.getName() + "/spots/[0-9a-f-]{36}");
        assertThat(b.getFloor()).isEqualTo("B2");
        assertThat(b.getCode()).isEqualTo("B-07");
        assertThat(b.getXMeters()).isEqualTo(-3.5);
        assertThat(b.getYMeters()).isEqualTo(40.25);
        assertThat(b.getEnabled()).isTrue();
        assertThat(disabled.getEnabled()).as("enabled as sent (false when not set)").isFalse();
        ParkingLot after = get(lot.getName());
        assertThat(after.getSpotsList()).containsExactly(a, disabled, b);
        assertThat(after.getFreeSpotCount()).isEqualTo(2);
        assertThat(compare(after.getUpdateTime(), lot.getUpdateTime())).as("the lot changed").isPositive();
        assertThat(auditCount("spot.create", b.getName())).isEqualTo(1);
    }

    @Test
    void spotCodesAreUniqueWithinALot() {
        ParkingLot lot = create(lot("Unique codes", 37.53, 127.03));
        ParkingLot other = create(lot("Other lot", 37.53, 127.04));
        Spot first = createSpot(lot, "B1", "A-01");
        Spot second = createSpot(lot, "B1", "A-02");

        assertFails(() -> createSpot(lot, "B2", "A-01"), Status.Code.ALREADY_EXISTS, "RESOURCE_EXISTS");
        assertThat(createSpot(other, "B1", "A-01").getCode()).as("the same code in another lot").isEqualTo("A-01");
        assertFails(() -> admin.updateSpot(UpdateSpotRequest.newBuilder()
                .setSpot(Spot.newBuilder().setName(second.getName()).setCode("A-01")).setUpdateMask(mask("code")).build()),
                Status.Code.ALREADY_EXISTS, "RESOURCE_EXISTS");
        admin.deleteSpot(DeleteSpotRequest.newBuilder().setName(first.getName()).build());
        assertThat(createSpot(lot, "B3", "A-01").getFloor()).as("a deleted spot's code is free again").isEqualTo("B3");
    }

    @Test
    void spotInputIsCheckedFieldByField() {
        ParkingLot lot = create(lot("Spot checks", 37.54, 127.05));
        StatusRuntimeException e = failure(() -> admin.createSpot(CreateSpotRequest.newBuilder().setParent("parkingLots/x")
                .setSpot(Spot.newBuilder().setFloor("").setCode("c".repeat(21)).setXMeters(Double.NaN)
                        .setYMeters(Double.POSITIVE_INFINITY)).build()));
        assertThat(fields(e)).containsExactlyInAnyOrder("parent", "spot.floor", "spot.code", "spot.x_meters", "spot.y_meters");
        assertInvalid(() -> admin.createSpot(CreateSpotRequest.newBuilder().setParent(lot.getName())
                .setSpot(Spot.newBuilder().setFloor("f".repeat(11)).setCode("A")).build()), "spot.floor");
        assertFails(() -> admin.createSpot(CreateSpotRequest.newBuilder().setParent("parkingLots/" + UUID.randomUUID())
                .setSpot(Spot.newBuilder().setFloor("B1").setCode("A")).build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");

        Spot spot = createSpot(lot, "B1", "A-01");
        assertInvalid(() -> admin.updateSpot(UpdateSpotRequest.newBuilder().setSpot(Spot.newBuilder().setName(spot.getName()))
                .build()), "update_mask");
        assertInvalid(() -> admin.updateSpot(UpdateSpotRequest.newBuilder().setSpot(Spot.newBuilder().setName(spot.getName()))
                .setUpdateMask(mask("name")).build()), "update_mask");
        StatusRuntimeException u = failure(() -> admin.updateSpot(UpdateSpotRequest.newBuilder()
                .setSpot(Spot.newBuilder().setName(lot.getName() + "/spots/1").setFloor(" ").setXMeters(Double.NEGATIVE_INFINITY))
                .setUpdateMask(mask("floor", "x_meters")).build()));
        assertThat(fields(u)).containsExactlyInAnyOrder("spot.name", "spot.floor", "spot.x_meters");
        assertFails(() -> admin.updateSpot(UpdateSpotRequest.newBuilder()
                .setSpot(Spot.newBuilder().setName(lot.getName() + "/spots/" + UUID.randomUUID()).setFloor("B2"))
                .setUpdateMask(mask("floor")).build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        // A spot is found only under its own lot.
        ParkingLot other = create(lot("Not the parent", 37.54, 127.06));
        String wrongParent = other.getName() + spot.getName().substring(lot.getName().length());
        assertFails(() -> admin.updateSpot(UpdateSpotRequest.newBuilder().setSpot(Spot.newBuilder().setName(wrongParent)
                .setFloor("B2")).setUpdateMask(mask("floor")).build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertFails(() -> admin.deleteSpot(DeleteSpotRequest.newBuilder().setName(wrongParent).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertInvalid(() -> admin.deleteSpot(DeleteSpotRequest.newBuilder().setName(lot.getName()).build()), "name");
    }

    @Test
    void updateSpotChangesOnlyTheMaskedFields() {
        ParkingLot lot = create(lot("Spot updates", 37.55, 127.07).setOpen(true));
        Spot spot = createSpot(lot, "B1", "A-01");

        Spot updated = admin.updateSpot(UpdateSpotRequest.newBuilder()
                .setSpot(Spot.newBuilder().setName(spot.getName()).setFloor("ignored").setCode("A-99").setXMeters(9)
                        .setYMeters(99).setEnabled(false))
                .setUpdateMask(mask("code", "x_meters", "enabled")).build());

        assertThat(updated).isEqualTo(spot.toBuilder().setCode("A-99").setXMeters(9).setEnabled(false).build());
        assertThat(get(lot.getName()).getSpotsList()).containsExactly(updated);
        assertThat(get(lot.getName()).getFreeSpotCount()).as("a disabled spot is not free").isZero();
        assertThat(auditCount("spot.update", spot.getName())).isEqualTo(1);
    }

    @Test
    void deleteSpotIsRefusedWhileReservationsAreUpcoming() throws Exception {
        ParkingLot lot = create(lot("Busy lot", 37.56, 127.08).setOpen(true));
        Spot spot = createSpot(lot, "B1", "A-01");
        insertReservation(lot, spot, -50, -48, "COMPLETED");
        insertReservation(lot, spot, -10, -8, "CONFIRMED");   // over: no longer holds the spot
        insertReservation(lot, spot, 30, 32, "CANCELLED");
        UUID running = insertReservation(lot, spot, -1, 1, "IN_PROGRESS");
        UUID tomorrow = insertReservation(lot, spot, 24, 25, "CONFIRMED");

        StatusRuntimeException e = failure(() -> admin.deleteSpot(DeleteSpotRequest.newBuilder().setName(spot.getName()).build()));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(AuthTestClient.reason(e)).isEqualTo("FAILED_PRECONDITION");
        assertThat(e.getStatus().getDescription()).contains("2 unfinished reservations")
                .contains("reservations/" + running).contains("reservations/" + tomorrow);
        assertThat(details(e, ErrorInfo.class).get(0).getMetadataMap()).containsEntry("reservation_count", "2");
        assertThat(details(e, PreconditionFailure.class).get(0).getViolationsList())
                .extracting(PreconditionFailure.Violation::getSubject)
                .containsExactly("reservations/" + running, "reservations/" + tomorrow);
        assertThat(get(lot.getName()).getSpotsList()).containsExactly(spot);

        execute("UPDATE reservations SET status = 'CANCELLED' WHERE id IN ('" + running + "', '" + tomorrow + "')");
        admin.deleteSpot(DeleteSpotRequest.newBuilder().setName(spot.getName()).build());

        assertThat(get(lot.getName()).getSpotsList()).isEmpty();
        assertThat(t.queryInt("SELECT count(*) FROM spots WHERE id = '" + id(spot) + "' AND deleted_at IS NOT NULL"))
                .as("soft deleted: past reservations keep their spot").isEqualTo(1);
        assertThat(auditCount("spot.delete", spot.getName())).isEqualTo(1);
        assertFails(() -> admin.deleteSpot(DeleteSpotRequest.newBuilder().setName(spot.getName()).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertFails(() -> admin.updateSpot(UpdateSpotRequest.newBuilder().setSpot(spot.toBuilder().setFloor("B2"))
                .setUpdateMask(mask("floor")).build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
    }

    // --- access ------------------------------------------------------------------------------

    @Test
    void onlyAdminsWrite() {
        ParkingLot lot = create(lot("Guarded", 37.57, 127.09));
        Spot spot = createSpot(lot, "B1", "A-01");
        for (ParkingServiceGrpc.ParkingServiceBlockingStub caller : List.of(user, anonymous)) {
            Status.Code code = caller == user ? Status.Code.PERMISSION_DENIED : Status.Code.UNAUTHENTICATED;
            String reason = caller == user ? "PERMISSION_DENIED" : "UNAUTHENTICATED";
            for (Runnable write : new Runnable[] {
                    () -> caller.createParkingLot(CreateParkingLotRequest.newBuilder().setParkingLot(lot("Sneaky", 37.5, 127)).build()),
                    () -> caller.updateParkingLot(UpdateParkingLotRequest.newBuilder()
                            .setParkingLot(ParkingLot.newBuilder().setName(lot.getName()).setOpen(false)).setUpdateMask(mask("open")).build()),
                    () -> caller.createSpot(CreateSpotRequest.newBuilder().setParent(lot.getName())
                            .setSpot(Spot.newBuilder().setFloor("B1").setCode("Z")).build()),
                    () -> caller.updateSpot(UpdateSpotRequest.newBuilder().setSpot(spot.toBuilder().setEnabled(false))
                            .setUpdateMask(mask("enabled")).build()),
                    () -> caller.deleteSpot(DeleteSpotRequest.newBuilder().setName(spot.getName()).build())}) {
                assertFails(write, code, reason);
            }
        }
        assertThat(get(lot.getName()).getSpotsList()).containsExactly(spot);
        assertThat(get(lot.getName()).getOpen()).isTrue();
        // Reading stays open to everyone.
        assertThat(anonymous.getParkingLot(GetParkingLotRequest.newBuilder().setName(lot.getName()).build()).getName())
                .isEqualTo(lot.getName());
    }

    @Test
    void aNewLotIsFoundByPlaceNameWithTheLocalDevelopmentGeocoder() {
        ParkingLot lot = create(lot("강남역 10번 출구 주차장", 37.4985, 127.0281).setOpen(true));

        var response = anonymous.listParkingLots(ListParkingLotsRequest.newBuilder().setPlaceQuery("Gangnam Station")
                .setRadiusMeters(500).build());

        assertThat(response.getOrigin().getLatitude()).isBetween(37.49, 37.51);
        assertThat(response.getParkingLotsList()).extracting(ParkingLot::getName).contains(lot.getName());
        assertFails(() -> anonymous.listParkingLots(ListParkingLotsRequest.newBuilder().setPlaceQuery("부산 해운대").build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
    }

    @Test
    void aLotsCreationIsAuditedWithItsNameStoredExactly() throws SQLException {
        String name = "서울 \"중앙\" 주차장 \\ B1";
        ParkingLot created = create(lot(name, 37.55, 126.97));
        try (Connection c = TestDatabases.connect(t.database); PreparedStatement ps = c.prepareStatement(
                "SELECT details->>'display_name', details->>'open' FROM audit_log "
                + "WHERE action = 'parking_lot.create' AND resource_name = ?")) {
            ps.setString(1, created.getName());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(name);
                assertThat(rs.getString(2)).isEqualTo("true");
            }
        }
    }

    // --- helpers -----------------------------------------------------------------------------

    private static ParkingLot.Builder lot(String name, double lat, double lng) {
        return ParkingLot.newBuilder().setDisplayName(name).setLocation(latLng(lat, lng)).setOpen(true);
    }

    private static ParkingLot create(ParkingLot.Builder lot) {
        return admin.createParkingLot(CreateParkingLotRequest.newBuilder().setParkingLot(lot).build());
    }

    private static Spot createSpot(ParkingLot lot, String floor, String code) {
        return admin.createSpot(CreateSpotRequest.newBuilder().setParent(lot.getName())
                .setSpot(Spot.newBuilder().setFloor(floor).setCode(code).setXMeters(1.5).setYMeters(2.5).setEnabled(true)).build());
    }

    private static ParkingLot get(String name) {
        return admin.getParkingLot(GetParkingLotRequest.newBuilder().setName(name).build());
    }

    private static List<String> nearby(double lat, double lng) {
        return anonymous.listParkingLots(ListParkingLotsRequest.newBuilder().setLocation(latLng(lat, lng))
                .setRadiusMeters(1_000).setPageSize(100).build()).getParkingLotsList().stream().map(ParkingLot::getName).toList();
    }

    private static int auditCount(String action, String resource) {
        return t.queryInt("SELECT count(*) FROM audit_log WHERE action = '" + action + "' AND resource_name = '" + resource
                + "' AND actor = '" + adminId + "' AND actor_role = 'ADMIN'");
    }

    /** Inserts a reservation of {@code spot} from {@code fromHours} to {@code toHours} from now, for a new driver and car. */
    private static UUID insertReservation(ParkingLot lot, Spot spot, int fromHours, int toHours, String status) throws SQLException {
        int n = ++plates;
        try (Connection c = TestDatabases.connect(t.database);
             PreparedStatement driver = c.prepareStatement(
                     "INSERT INTO users (login_id, display_name) VALUES (?, 'Driver') RETURNING id");
             PreparedStatement car = c.prepareStatement(
                     "INSERT INTO cars (user_id, plate, plate_normalized) VALUES (?, ?, ?) RETURNING id");
             PreparedStatement reservation = c.prepareStatement(
                     "INSERT INTO reservations (user_id, car_id, spot_id, lot_id, plate_normalized, period, status) "
                     + "VALUES (?, ?, ?, ?, ?, tstzrange(now() + make_interval(hours => ?), now() + make_interval(hours => ?), '[)'), ?) "
                     + "RETURNING id")) {
            driver.setString(1, "parking-test-driver-" + n);
            UUID userId = single(driver);
            String plate = "12가" + n;
            car.setObject(1, userId);
            car.setString(2, plate);
            car.setString(3, plate);
            UUID carId = single(car);
            reservation.setObject(1, userId);
            reservation.setObject(2, carId);
            reservation.setObject(3, id(spot));
            reservation.setObject(4, id(lot));
            reservation.setString(5, plate);
            reservation.setInt(6, fromHours);
            reservation.setInt(7, toHours);
            reservation.setString(8, status);
            return single(reservation);
        }
    }

    private static UUID single(PreparedStatement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getObject(1, UUID.class);
        }
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = TestDatabases.connect(t.database); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.executeUpdate();
        }
    }

    private static UUID id(ParkingLot lot) {
        return UUID.fromString(lot.getName().substring("parkingLots/".length()));
    }

    private static UUID id(Spot spot) {
        return UUID.fromString(spot.getName().substring(spot.getName().lastIndexOf('/') + 1));
    }

    private static LatLng latLng(double lat, double lng) {
        return LatLng.newBuilder().setLatitude(lat).setLongitude(lng).build();
    }

    private static TimeOfDay time(int hours, int minutes) {
        return TimeOfDay.newBuilder().setHours(hours).setMinutes(minutes).build();
    }

    private static BusinessHours.Builder hours(DayOfWeek day, TimeOfDay open, TimeOfDay close) {
        return BusinessHours.newBuilder().setDay(day).setOpenTime(open).setCloseTime(close);
    }

    private static int compare(com.google.protobuf.Timestamp a, com.google.protobuf.Timestamp b) {
        int seconds = Long.compare(a.getSeconds(), b.getSeconds());
        return seconds != 0 ? seconds : Integer.compare(a.getNanos(), b.getNanos());
    }

    private static FieldMask mask(String... paths) {
        return FieldMask.newBuilder().addAllPaths(List.of(paths)).build();
    }
}
