package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Listing lots page by page and across pages, against a server that pages by offset. */
class PagingTest {

    private static final int LOTS = 7;

    private final FakeParkingService service = new FakeParkingService();
    private final InProcessFixture fixture = new InProcessFixture(service);
    private ParkingClient parking;

    @BeforeEach
    void serveSevenLots() {
        List<ParkingLot> lots = IntStream.range(0, LOTS)
                .mapToObj(i -> ParkingLot.newBuilder().setName("parkingLots/" + i).setDistanceMeters(i * 100.0).build())
                .collect(Collectors.toList());
        service.onList = request -> {
            int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
            int to = Math.min(LOTS, from + request.getPageSize());
            return ListParkingLotsResponse.newBuilder()
                    .addAllParkingLots(lots.subList(from, to))
                    .setNextPageToken(to < LOTS ? Integer.toString(to) : "")
                    .build();
        };
        parking = fixture.client().parking();
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void listsOnePageWithTheTokenOfTheNext() {
        Page<ParkingLot> page = parking.listNearby(37.5665, 126.9780, 3000, 3);

        assertThat(names(page.items())).containsExactly("parkingLots/0", "parkingLots/1", "parkingLots/2");
        assertThat(page.hasNext()).isTrue();
        assertThat(page.nextPageToken()).isEqualTo("3");

        ListParkingLotsRequest request = service.listRequests.get(0);
        assertThat(request.getLocation().getLatitude()).isEqualTo(37.5665);
        assertThat(request.getLocation().getLongitude()).isEqualTo(126.9780);
        assertThat(request.getRadiusMeters()).isEqualTo(3000);
        assertThat(request.getPageSize()).isEqualTo(3);
        assertThat(request.getPageToken()).isEmpty();
    }

    @Test
    void followsTheTokensToTheLastPage() {
        Page<ParkingLot> first = parking.listNearby(37.5665, 126.9780, 3000, 3);
        Page<ParkingLot> second = first.next();
        Page<ParkingLot> third = parking.listNearby(37.5665, 126.9780, 3000, 3, second.nextPageToken());

        assertThat(names(second.items())).containsExactly("parkingLots/3", "parkingLots/4", "parkingLots/5");
        assertThat(names(third.items())).containsExactly("parkingLots/6");
        assertThat(third.hasNext()).isFalse();
        assertThat(third.nextPageToken()).isEmpty();
        assertThatThrownBy(third::next).isInstanceOf(NoSuchElementException.class);
        // The next page is asked for with the same search and the previous page's token.
        assertThat(service.listRequests.get(1))
                .isEqualTo(service.listRequests.get(0).toBuilder().setPageToken("3").build());
    }

    @Test
    void iteratesOverAllPagesLazily() {
        Iterable<ParkingLot> all = parking.listAllNearby(37.5665, 126.9780, 3000, 3);
        assertThat(service.listRequests).isEmpty();

        List<String> names = names(all);

        assertThat(names).containsExactly(IntStream.range(0, LOTS).mapToObj(i -> "parkingLots/" + i).toArray(String[]::new));
        assertThat(service.listRequests).hasSize(3);
        // Each iteration starts over from the first page.
        assertThat(names(all)).isEqualTo(names);
        assertThat(service.listRequests).hasSize(6);
    }

    @Test
    void iteratesFromAPage() {
        Page<ParkingLot> first = parking.listNearby(37.5665, 126.9780, 3000, 5);

        assertThat(names(first.iterateAll())).hasSize(LOTS).doesNotHaveDuplicates();
    }

    @Test
    void aFailingPageSurfacesAsAChargeBotException() {
        Page<ParkingLot> first = parking.listNearby(37.5665, 126.9780, 3000, 3);
        service.onList = request -> {
            throw Status.INTERNAL.withDescription("database on fire").asRuntimeException();
        };

        assertThatThrownBy(() -> names(first.iterateAll()))
                .isInstanceOf(ChargeBotException.class)
                .hasMessageContaining("database on fire");
    }

    @Test
    void getsOneLotByName() {
        service.onGet = request -> ParkingLot.newBuilder().setName(request.getName()).setDisplayName("City Hall").build();

        ParkingLot lot = parking.getParkingLot("parkingLots/5");

        assertThat(lot.getName()).isEqualTo("parkingLots/5");
        assertThat(lot.getDisplayName()).isEqualTo("City Hall");
    }

    private static List<String> names(Iterable<ParkingLot> lots) {
        List<String> names = new ArrayList<>();
        StreamSupport.stream(lots.spliterator(), false).forEach(lot -> names.add(lot.getName()));
        return names;
    }
}
