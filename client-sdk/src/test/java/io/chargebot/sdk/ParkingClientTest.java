package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import com.google.type.LatLng;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.parking.v1.CreateParkingLotRequest;
import io.chargebot.parking.v1.CreateSpotRequest;
import io.chargebot.parking.v1.DeleteSpotRequest;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.Spot;
import io.chargebot.parking.v1.UpdateParkingLotRequest;
import io.chargebot.parking.v1.UpdateSpotRequest;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Place search and the admin lot/spot calls of ParkingClient against an in-process fake. */
class ParkingClientTest {

    private static final String LOT = "parkingLots/8f7c9a52-0b4e-4c55-9a39-1f2d3c4b5a69";
    private static final String SPOT = LOT + "/spots/0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70";
    private static final LatLng SEOUL_STATION = LatLng.newBuilder().setLatitude(37.5547).setLongitude(126.9707).build();

    private final FakeParkingService service = new FakeParkingService();
    private final InProcessFixture fixture = new InProcessFixture(service);
    private final ParkingClient parking = fixture.client().parking();

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void searchesByPlaceNameAndReturnsTheGeocodedOrigin() {
        service.onList = request -> ListParkingLotsResponse.newBuilder()
                .setOrigin(SEOUL_STATION)
                .addParkingLots(ParkingLot.newBuilder().setName("parkingLots/a").setDistanceMeters(120))
                .setNextPageToken("t2")
                .build();

        PlaceSearchResult result = parking.listNearPlace("서울역", 3000, 10);

        assertThat(result.origin()).isEqualTo(SEOUL_STATION);
        assertThat(result.lots().items()).extracting(ParkingLot::getName).containsExactly("parkingLots/a");
        assertThat(result.lots().nextPageToken()).isEqualTo("t2");
        ListParkingLotsRequest request = service.listRequests.get(0);
        assertThat(request.getOriginCase()).isEqualTo(ListParkingLotsRequest.OriginCase.PLACE_QUERY);
        assertThat(request.getPlaceQuery()).isEqualTo("서울역");
        assertThat(request.getRadiusMeters()).isEqualTo(3000);
        assertThat(request.getPageSize()).isEqualTo(10);
        assertThat(request.hasLocation()).isFalse();
    }

    @Test
    void laterPagesOfAPlaceSearchSendTheSameQueryWithTheToken() {
        service.onList = request -> {
            int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
            ListParkingLotsResponse.Builder response = ListParkingLotsResponse.newBuilder().setOrigin(SEOUL_STATION);
            for (int i = from; i < Math.min(5, from + request.getPageSize()); i++) {
                response.addParkingLots(ParkingLot.newBuilder().setName("parkingLots/" + i));
            }
            int next = from + request.getPageSize();
            return response.setNextPageToken(next < 5 ? Integer.toString(next) : "").build();
        };

        List<String> names = new ArrayList<>();
        for (ParkingLot lot : parking.listAllNearPlace("강남역", 0, 2)) {
            names.add(lot.getName());
        }

        assertThat(names).containsExactly("parkingLots/0", "parkingLots/1", "parkingLots/2", "parkingLots/3",
                "parkingLots/4");
        assertThat(service.listRequests).hasSize(3)
                .allSatisfy(request -> assertThat(request.getPlaceQuery()).isEqualTo("강남역"));
        assertThat(service.listRequests).extracting(ListParkingLotsRequest::getPageToken).containsExactly("", "2", "4");
        assertThat(parking.listNearPlace("강남역", 0, 2, "2").lots().items())
                .extracting(ParkingLot::getName).containsExactly("parkingLots/2", "parkingLots/3");
    }

    @Test
    void anUnknownPlaceIsNotFound() {
        service.onList = request -> {
            throw Fakes.error(Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        };

        NotFoundException e = catchThrowableOfType(NotFoundException.class,
                () -> parking.listNearPlace("nowhere at all", 1000, 10));

        assertThat(e.reason()).isEqualTo(ErrorReason.RESOURCE_NOT_FOUND);
    }

    @Test
    void aGeocoderOutageIsProviderUnavailable() {
        service.onList = request -> {
            throw Fakes.error(Status.Code.UNAVAILABLE, "PROVIDER_UNAVAILABLE");
        };

        assertThatThrownBy(() -> parking.listNearPlace("서울역", 1000, 10))
                .isInstanceOf(ProviderUnavailableException.class);
    }

    @Test
    void createsALot() {
        ParkingLot lot = ParkingLot.newBuilder().setDisplayName("서울역 제1주차장").setLocation(SEOUL_STATION).setOpen(true)
                .build();

        ParkingLot created = parking.createParkingLot(lot);

        assertThat(created.getName()).isEqualTo("parkingLots/new");
        assertThat(((CreateParkingLotRequest) service.adminRequests.get(0)).getParkingLot()).isEqualTo(lot);
    }

    @Test
    void updatesALotWithTheGivenPaths() {
        parking.updateParkingLot(ParkingLot.newBuilder().setName(LOT).setOpen(false).setDisplayName("x").build(),
                "open", "display_name");

        UpdateParkingLotRequest request = (UpdateParkingLotRequest) service.adminRequests.get(0);
        assertThat(request.getParkingLot().getName()).isEqualTo(LOT);
        assertThat(request.getUpdateMask().getPathsList()).containsExactly("open", "display_name");
    }

    @Test
    void createsUpdatesAndDeletesSpots() {
        Spot spot = Spot.newBuilder().setFloor("B2").setCode("A-12").setEnabled(true).build();

        parking.createSpot(LOT, spot);
        parking.updateSpot(spot.toBuilder().setName(SPOT).setEnabled(false).build(), "enabled");
        parking.deleteSpot(SPOT);

        assertThat(service.adminRequests).containsExactly(
                CreateSpotRequest.newBuilder().setParent(LOT).setSpot(spot).build(),
                UpdateSpotRequest.newBuilder().setSpot(spot.toBuilder().setName(SPOT).setEnabled(false))
                        .setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("enabled")).build(),
                DeleteSpotRequest.newBuilder().setName(SPOT).build());
    }

    @Test
    void anUpdateWithoutPathsIsRefusedBeforeAnyCall() {
        assertThatThrownBy(() -> parking.updateParkingLot(ParkingLot.newBuilder().setName(LOT).build()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> parking.updateSpot(Spot.newBuilder().setName(SPOT).build()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> parking.updateSpot(Spot.newBuilder().setName(SPOT).build(), (String) null))
                .isInstanceOf(NullPointerException.class);
        assertThat(service.adminRequests).isEmpty();
    }

    @Test
    void deletingASpotWithUpcomingReservationsIsFailedPrecondition() {
        service.onDeleteSpot = request -> {
            throw RichErrors.error(Status.Code.FAILED_PRECONDITION, SPOT + " has 1 upcoming reservation",
                    ErrorInfo.newBuilder().setReason("FAILED_PRECONDITION").setDomain("chargebot.io")
                            .putMetadata("reservations", "reservations/r1").build(),
                    PreconditionFailure.newBuilder().addViolations(PreconditionFailure.Violation.newBuilder()
                            .setType("UPCOMING_RESERVATION").setSubject("reservations/r1")).build());
        };

        FailedPreconditionException e = catchThrowableOfType(FailedPreconditionException.class,
                () -> parking.deleteSpot(SPOT));

        assertThat(e.metadata()).containsEntry("reservations", "reservations/r1");
    }

    @Test
    void aTakenSpotCodeIsAlreadyExists() {
        service.onCreateSpot = request -> {
            throw Fakes.error(Status.Code.ALREADY_EXISTS, "RESOURCE_EXISTS");
        };

        ChargeBotException e = catchThrowableOfType(ChargeBotException.class,
                () -> parking.createSpot(LOT, Spot.newBuilder().setFloor("1").setCode("A-1").build()));

        assertThat(e).isExactlyInstanceOf(AlreadyExistsException.class);
    }

    @Test
    void aUserIsPermissionDenied() {
        service.onCreateLot = request -> {
            throw Fakes.error(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        };

        assertThatThrownBy(() -> parking.createParkingLot(ParkingLot.getDefaultInstance()))
                .isInstanceOf(PermissionDeniedException.class);
    }
}
