package io.chargebot.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.ErrorInfo;
import com.google.type.Date;
import com.google.type.LatLng;
import com.google.type.TimeOfDay;
import com.linecorp.armeria.client.BlockingWebClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import io.chargebot.car.v1.Car;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.car.v1.CreateCarRequest;
import io.chargebot.car.v1.ListCarsRequest;
import io.chargebot.car.v1.UpdateCarRequest;
import io.chargebot.parking.v1.CreateParkingLotRequest;
import io.chargebot.parking.v1.DeleteSpotRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.reservation.v1.CancelReservationRequest;
import io.chargebot.reservation.v1.ConflictScope;
import io.chargebot.reservation.v1.CreateReservationRequest;
import io.chargebot.reservation.v1.GetAvailabilityRequest;
import io.chargebot.reservation.v1.ListReservationsRequest;
import io.chargebot.reservation.v1.ListReservationsResponse;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.reservation.v1.ReservationConflict;
import io.chargebot.reservation.v1.ReservationStatus;
import io.grpc.Metadata;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CarService, ReservationService and the new ParkingService calls (place search, admin writes) through the
 * gateway, in front of {@link TestBackend}: gRPC-Web (binary and text) with the caller's token passed through,
 * HTTP/JSON transcoding of their {@code google.api.http} rules, and a reservation conflict whose
 * {@code ReservationConflict} detail reaches a browser intact.
 */
class CarReservationGatewayTest {

    private static final String CREATE_CAR = "/chargebot.car.v1.CarService/CreateCar";
    private static final String CREATE_RESERVATION = "/chargebot.reservation.v1.ReservationService/CreateReservation";
    private static final String TOKEN = "Bearer user-access-token";
    private static final Date DAY = Date.newBuilder().setYear(2030).setMonth(5).setDay(17).build();
    private static final TimeOfDay TEN = TimeOfDay.newBuilder().setHours(10).build();

    private static TestBackend backend;
    private static GrpcWebGateway gateway;
    private static BlockingWebClient http1;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend();
        gateway = GrpcWebGateway.start(GrpcWebGatewayTest.config(backend.target()).build());
        http1 = WebClient.of("h1c://127.0.0.1:" + gateway.port()).blocking();
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    // gRPC-Web

    @Test
    void grpcWebCreateCarPassesTheTokenAndReturnsTheCar() throws Exception {
        final Car car = Car.newBuilder()
                           .setPlate("12가 3456")
                           .setConnectorType(ConnectorType.CONNECTOR_TYPE_DC_COMBO1)
                           .setNickname("출퇴근용")
                           .build();

        final AggregatedHttpResponse res = grpcWeb(CREATE_CAR, CreateCarRequest.newBuilder().setCar(car).build(),
                                                   "authorization", TOKEN);

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final GrpcWebFrames frames = GrpcWebFrames.parse(res.content().array());
        assertThat(frames.trailers).containsEntry("grpc-status", "0");
        assertThat(frames.messages).hasSize(1);
        final Car created = Car.parseFrom(frames.messages.get(0));
        assertThat(created.getName()).isEqualTo("cars/c1");
        assertThat(created.getNormalizedPlate()).isEqualTo("12가3456");
        assertThat(created.getNickname()).isEqualTo("출퇴근용");
        assertThat(backend.lastHeaders.get(ascii("authorization"))).isEqualTo(TOKEN);
        assertThat(((CreateCarRequest) backend.lastRequest).getCar()).isEqualTo(car);
    }

    @Test
    void grpcWebTextCreateReservationPassesTheTokenAndTheRequestId() throws Exception {
        final CreateReservationRequest request = booking("parkingLots/p1/spots/s1");

        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.POST, CREATE_RESERVATION)
                              .contentType(MediaType.parse("application/grpc-web-text"))
                              .add("accept", "application/grpc-web-text")
                              .add("x-grpc-web", "1")
                              .add("authorization", TOKEN)
                              .build(),
                GrpcWebFrames.textFrame(request));

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final GrpcWebFrames frames = GrpcWebFrames.parseText(res.contentUtf8());
        assertThat(frames.trailers).containsEntry("grpc-status", "0");
        final Reservation reservation = Reservation.parseFrom(frames.messages.get(0));
        assertThat(reservation.getName()).isEqualTo("reservations/r1");
        assertThat(reservation.getSpot()).isEqualTo("parkingLots/p1/spots/s1");
        assertThat(reservation.getLocalDate()).isEqualTo(DAY);
        assertThat(backend.lastHeaders.get(ascii("authorization"))).isEqualTo(TOKEN);
        assertThat(backend.lastRequest).isEqualTo(request);
    }

    @Test
    void aReservationConflictReachesGrpcWebWithItsDetails() throws Exception {
        final AggregatedHttpResponse res = grpcWeb(CREATE_RESERVATION, booking(TestBackend.TAKEN_SPOT),
                                                   "authorization", TOKEN);

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final GrpcWebFrames frames = GrpcWebFrames.parse(res.content().array());
        assertThat(frames.messages).isEmpty();
        // A call that fails at once answers Trailers-Only: the trailers are the response headers.
        final String grpcStatus = firstNonNull(frames.trailers.get("grpc-status"), res.headers().get("grpc-status"));
        final String details = firstNonNull(frames.trailers.get("grpc-status-details-bin"),
                                            res.headers().get("grpc-status-details-bin"));
        assertThat(grpcStatus).isEqualTo(String.valueOf(io.grpc.Status.Code.ALREADY_EXISTS.value()));
        assertThat(details).as("grpc-status-details-bin").isNotNull();
        final com.google.rpc.Status status =
                com.google.rpc.Status.parseFrom(Base64.getDecoder().decode(padBase64(details)));
        assertThat(status).isEqualTo(TestBackend.CONFLICT_STATUS);
        ErrorInfo errorInfo = null;
        ReservationConflict conflict = null;
        for (Any detail : status.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                errorInfo = detail.unpack(ErrorInfo.class);
            } else if (detail.is(ReservationConflict.class)) {
                conflict = detail.unpack(ReservationConflict.class);
            }
        }
        assertThat(errorInfo.getReason()).isEqualTo("RESERVATION_CONFLICT");
        assertThat(conflict).isEqualTo(TestBackend.CONFLICT);
        assertThat(conflict.getScope()).isEqualTo(ConflictScope.CONFLICT_SCOPE_SPOT);
    }

    @Test
    void aReservationConflictThroughGrpcWebTextKeepsItsDetails() throws Exception {
        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.POST, CREATE_RESERVATION)
                              .contentType(MediaType.parse("application/grpc-web-text"))
                              .add("accept", "application/grpc-web-text")
                              .add("x-grpc-web", "1")
                              .build(),
                GrpcWebFrames.textFrame(booking(TestBackend.TAKEN_SPOT)));

        final GrpcWebFrames frames = GrpcWebFrames.parseText(res.contentUtf8());
        final String details = firstNonNull(frames.trailers.get("grpc-status-details-bin"),
                                            res.headers().get("grpc-status-details-bin"));
        assertThat(com.google.rpc.Status.parseFrom(Base64.getDecoder().decode(padBase64(details))))
                .isEqualTo(TestBackend.CONFLICT_STATUS);
    }

    // HTTP/JSON transcoding

    @Test
    void postCarsTakesTheCarAsTheJsonBody() throws Exception {
        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.POST, "/v1/cars")
                              .contentType(MediaType.JSON_UTF_8)
                              .add("authorization", TOKEN)
                              .build(),
                "{\"plate\":\"12가 3456\",\"connectorType\":\"CONNECTOR_TYPE_DC_COMBO1\",\"batteryCapacityKwh\":77.4}");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(res.contentType().isJson()).isTrue();
        final Car car = parse(res.contentUtf8(), Car.getDefaultInstance());
        assertThat(car.getName()).isEqualTo("cars/c1");
        assertThat(car.getConnectorType()).isEqualTo(ConnectorType.CONNECTOR_TYPE_DC_COMBO1);
        assertThat(((CreateCarRequest) backend.lastRequest).getCar())
                .isEqualTo(Car.newBuilder().setPlate("12가 3456").setConnectorType(ConnectorType.CONNECTOR_TYPE_DC_COMBO1)
                              .setBatteryCapacityKwh(77.4).build());
        assertThat(backend.lastHeaders.get(ascii("authorization"))).isEqualTo(TOKEN);
    }

    @Test
    void getCarsReadsItsQueryParameters() throws Exception {
        final AggregatedHttpResponse res = http1.get("/v1/cars?pageSize=5&owner=users/u2");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(backend.lastRequest).isEqualTo(ListCarsRequest.newBuilder().setPageSize(5).setOwner("users/u2").build());
    }

    @Test
    void patchCarTakesTheNameFromThePathAndTheMaskFromTheQuery() throws Exception {
        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.PATCH, "/v1/cars/c1?updateMask=nickname,model")
                              .contentType(MediaType.JSON_UTF_8)
                              .build(),
                "{\"nickname\":\"주말용\",\"model\":\"EV6\"}");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final UpdateCarRequest request = (UpdateCarRequest) backend.lastRequest;
        assertThat(request.getCar().getName()).isEqualTo("cars/c1");
        assertThat(request.getCar().getNickname()).isEqualTo("주말용");
        assertThat(request.getUpdateMask().getPathsList()).containsExactly("nickname", "model");
    }

    @Test
    void postReservationsTakesTheWholeRequestAsTheBody() throws Exception {
        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.POST, "/v1/reservations")
                              .contentType(MediaType.JSON_UTF_8)
                              .add("authorization", TOKEN)
                              .build(),
                "{\"car\":\"cars/c1\",\"spot\":\"parkingLots/p1/spots/s1\",\"localDate\":{\"year\":2030,\"month\":5,"
                + "\"day\":17},\"localStartTime\":{\"hours\":10},\"durationMinutes\":60,\"requestId\":\"k-1\"}");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(parse(res.contentUtf8(), Reservation.getDefaultInstance()).getName()).isEqualTo("reservations/r1");
        assertThat(backend.lastRequest).isEqualTo(CreateReservationRequest.newBuilder()
                                                                          .setCar("cars/c1")
                                                                          .setSpot("parkingLots/p1/spots/s1")
                                                                          .setLocalDate(DAY)
                                                                          .setLocalStartTime(TEN)
                                                                          .setDurationMinutes(60)
                                                                          .setRequestId("k-1")
                                                                          .build());
    }

    @Test
    void getReservationsReadsRepeatedEnumsDatesAndTheOrder() throws Exception {
        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.GET, "/v1/reservations?statuses=RESERVATION_STATUS_CONFIRMED"
                                                       + "&statuses=RESERVATION_STATUS_IN_PROGRESS"
                                                       + "&startDate.year=2030&startDate.month=5&startDate.day=1"
                                                       + "&end_date.year=2030&end_date.month=5&end_date.day=31"
                                                       + "&car=cars/c1&orderBy=start_time%20desc&pageSize=10")
                              .add("authorization", TOKEN)
                              .build());

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final ListReservationsResponse reply = parse(res.contentUtf8(), ListReservationsResponse.getDefaultInstance());
        assertThat(reply.getReservationsList()).extracting(Reservation::getName).containsExactly("reservations/r1");
        assertThat(reply.getNextPageToken()).isEqualTo("next");
        final ListReservationsRequest request = (ListReservationsRequest) backend.lastRequest;
        assertThat(request.getStatusesList()).containsExactly(ReservationStatus.RESERVATION_STATUS_CONFIRMED,
                                                              ReservationStatus.RESERVATION_STATUS_IN_PROGRESS);
        assertThat(request.getStartDate()).isEqualTo(Date.newBuilder().setYear(2030).setMonth(5).setDay(1).build());
        assertThat(request.getEndDate()).isEqualTo(Date.newBuilder().setYear(2030).setMonth(5).setDay(31).build());
        assertThat(request.getCar()).isEqualTo("cars/c1");
        assertThat(request.getOrderBy()).isEqualTo("start_time desc");
        assertThat(request.getPageSize()).isEqualTo(10);
        assertThat(backend.lastHeaders.get(ascii("authorization"))).isEqualTo(TOKEN);
    }

    @Test
    void cancelIsACustomMethodOnTheReservation() throws Exception {
        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.POST, "/v1/reservations/r9:cancel")
                              .contentType(MediaType.JSON_UTF_8)
                              .build(),
                "{\"reason\":\"plans changed\"}");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(parse(res.contentUtf8(), Reservation.getDefaultInstance()).getStatus())
                .isEqualTo(ReservationStatus.RESERVATION_STATUS_CANCELLED);
        assertThat(backend.lastRequest).isEqualTo(
                CancelReservationRequest.newBuilder().setName("reservations/r9").setReason("plans changed").build());
    }

    @Test
    void availabilityIsUnderTheLot() throws Exception {
        final AggregatedHttpResponse res =
                http1.get("/v1/parkingLots/p1/availability?localDate.year=2030&localDate.month=5&localDate.day=17");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(backend.lastRequest).isEqualTo(
                GetAvailabilityRequest.newBuilder().setParkingLot("parkingLots/p1").setLocalDate(DAY).build());
    }

    @Test
    void aReservationConflictIsHttp409WithTheConflictAsJson() {
        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.POST, "/v1/reservations")
                              .contentType(MediaType.JSON_UTF_8)
                              .build(),
                "{\"car\":\"cars/c1\",\"spot\":\"" + TestBackend.TAKEN_SPOT + "\",\"localDate\":{\"year\":2030,"
                + "\"month\":5,\"day\":17},\"localStartTime\":{\"hours\":10},\"durationMinutes\":60}");

        assertThat(res.status()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(res.contentType().isJson()).isTrue();
        assertThat(res.contentUtf8()).contains("\"code\":6")
                                     .contains("RESERVATION_CONFLICT")
                                     .contains("type.googleapis.com/chargebot.reservation.v1.ReservationConflict")
                                     .contains("CONFLICT_SCOPE_SPOT");
    }

    @Test
    void anUnframedJsonConflictCarriesTheConflictToo() throws Exception {
        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.POST, CREATE_RESERVATION).contentType(MediaType.JSON_UTF_8).build(),
                JsonFormat.printer().print(booking(TestBackend.TAKEN_SPOT)));

        assertThat(res.status()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(res.contentUtf8()).contains("RESERVATION_CONFLICT")
                                     .contains("chargebot.reservation.v1.ReservationConflict")
                                     .contains("\"startTime\"");
    }

    @Test
    void aSpotInUseIsFailedPreconditionWithThePreconditionFailureAsJson() {
        final AggregatedHttpResponse res = http1.delete("/v1/" + TestBackend.SPOT_IN_USE);

        assertThat(res.status()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(res.contentUtf8()).contains("\"code\":9")
                                     .contains("UPCOMING_RESERVATION")
                                     .contains("reservations/r1");
    }

    // ParkingService: place search and admin writes

    @Test
    void placeSearchPassesThePlaceQuery() throws Exception {
        final AggregatedHttpResponse res = http1.get(
                "/v1/parkingLots?placeQuery=" + URLEncoder.encode("서울역", StandardCharsets.UTF_8)
                + "&radiusMeters=3000&pageSize=5");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(backend.lastListRequest.getPlaceQuery()).isEqualTo("서울역");
        assertThat(backend.lastListRequest.hasLocation()).isFalse();
        assertThat(backend.lastListRequest.getRadiusMeters()).isEqualTo(3000);
        final ListParkingLotsResponse reply = parse(res.contentUtf8(), ListParkingLotsResponse.getDefaultInstance());
        assertThat(reply.getOrigin().getLatitude()).isEqualTo(37.5547);
    }

    @Test
    void adminLotAndSpotWritesAreTranscoded() throws Exception {
        final AggregatedHttpResponse created = http1.execute(
                RequestHeaders.builder(HttpMethod.POST, "/v1/parkingLots")
                              .contentType(MediaType.JSON_UTF_8)
                              .add("authorization", "Bearer admin-token")
                              .build(),
                "{\"displayName\":\"서울역 제2주차장\",\"location\":{\"latitude\":37.555,\"longitude\":126.971},"
                + "\"open\":true}");

        assertThat(created.status()).isEqualTo(HttpStatus.OK);
        assertThat(parse(created.contentUtf8(), ParkingLot.getDefaultInstance()).getName()).isEqualTo("parkingLots/created");
        assertThat(((CreateParkingLotRequest) backend.lastRequest).getParkingLot())
                .isEqualTo(ParkingLot.newBuilder().setDisplayName("서울역 제2주차장")
                                     .setLocation(LatLng.newBuilder().setLatitude(37.555).setLongitude(126.971))
                                     .setOpen(true).build());
        assertThat(backend.lastHeaders.get(ascii("authorization"))).isEqualTo("Bearer admin-token");

        final AggregatedHttpResponse deleted = http1.delete("/v1/parkingLots/p1/spots/s2");
        assertThat(deleted.status()).isEqualTo(HttpStatus.OK);
        assertThat(backend.lastRequest).isEqualTo(
                DeleteSpotRequest.newBuilder().setName("parkingLots/p1/spots/s2").build());
    }

    // Helpers

    private static CreateReservationRequest booking(String spot) {
        return CreateReservationRequest.newBuilder()
                                       .setCar("cars/c1")
                                       .setSpot(spot)
                                       .setLocalDate(DAY)
                                       .setLocalStartTime(TEN)
                                       .setDurationMinutes(60)
                                       .setRequestId("5f0c6a8e-2b1d-4c3e-9f7a-1b2c3d4e5f60")
                                       .build();
    }

    private static AggregatedHttpResponse grpcWeb(String path, Message request, String... headers) {
        final var builder = RequestHeaders.builder(HttpMethod.POST, path)
                                          .contentType(MediaType.parse("application/grpc-web+proto"))
                                          .add("accept", "application/grpc-web+proto")
                                          .add("x-grpc-web", "1")
                                          .add("x-user-agent", "grpc-web-javascript/0.1");
        for (int i = 0; i < headers.length; i += 2) {
            builder.add(headers[i], headers[i + 1]);
        }
        return http1.execute(builder.build(), GrpcWebFrames.frame(request));
    }

    @SuppressWarnings("unchecked")
    private static <M extends Message> M parse(String json, M prototype) throws Exception {
        final Message.Builder builder = prototype.newBuilderForType();
        JsonFormat.parser().merge(json, builder);
        return (M) builder.build();
    }

    private static Metadata.Key<String> ascii(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }

    private static String firstNonNull(String first, String second) {
        return first != null ? first : second;
    }

    private static String padBase64(String value) {
        final int remainder = value.length() % 4;
        return remainder == 0 ? value : value + "=".repeat(4 - remainder);
    }
}
