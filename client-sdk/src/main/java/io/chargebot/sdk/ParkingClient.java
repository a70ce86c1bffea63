package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import com.google.type.LatLng;
import io.chargebot.parking.v1.GetParkingLotRequest;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.parking.v1.ParkingServiceGrpc.ParkingServiceBlockingStub;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;

/**
 * Finding parking lots and their charging spots. Get it from {@link ChargeBotClient#parking()}.
 *
 * <p>Calls block until the server answers (at most the client's default deadline): on Android,
 * call them off the main thread. Failures are thrown as {@link ChargeBotException}s.
 */
public final class ParkingClient {

    private final ParkingServiceBlockingStub stub;

    ParkingClient(ParkingServiceBlockingStub stub) {
        this.stub = requireNonNull(stub, "stub");
    }

    /**
     * Lists the open lots within a radius of a position, nearest first; each lot has
     * {@link ParkingLot#getDistanceMeters()} set and no spots (see {@link #getParkingLot(String)}).
     *
     * @param latitude WGS84 latitude of the search origin, -90..90
     * @param longitude WGS84 longitude of the search origin, -180..180
     * @param radiusMeters search radius in metres, 1..50000 (0 means 5000)
     * @param pageSize maximum lots in the page, 0..100 (0 means 20)
     * @throws InvalidArgumentException if a value is out of range
     */
    public Page<ParkingLot> listNearby(double latitude, double longitude, int radiusMeters, int pageSize) {
        return listNearby(latitude, longitude, radiusMeters, pageSize, "");
    }

    /**
     * Lists one page of the open lots within a radius of a position, nearest first.
     *
     * @param pageToken {@link Page#nextPageToken()} of the previous page (with the same other
     *     arguments), or {@code ""} for the first page
     * @see #listNearby(double, double, int, int)
     */
    public Page<ParkingLot> listNearby(final double latitude, final double longitude, final int radiusMeters,
                                       final int pageSize, String pageToken) {
        requireNonNull(pageToken, "pageToken");
        ListParkingLotsRequest request = ListParkingLotsRequest.newBuilder()
                .setLocation(LatLng.newBuilder().setLatitude(latitude).setLongitude(longitude))
                .setRadiusMeters(radiusMeters)
                .setPageSize(pageSize)
                .setPageToken(pageToken)
                .build();
        ListParkingLotsResponse response;
        try {
            response = stub.listParkingLots(request);
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
        return new Page<>(response.getParkingLotsList(), response.getNextPageToken(), new Page.Fetcher<ParkingLot>() {
            @Override
            public Page<ParkingLot> fetch(String nextPageToken) {
                return listNearby(latitude, longitude, radiusMeters, pageSize, nextPageToken);
            }
        });
    }

    /**
     * All open lots within a radius of a position, nearest first, fetched page by page as the
     * iteration goes. Nothing is fetched until an iteration starts; each iteration starts over.
     *
     * @see #listNearby(double, double, int, int)
     */
    public Iterable<ParkingLot> listAllNearby(final double latitude, final double longitude, final int radiusMeters,
                                              final int pageSize) {
        return new Iterable<ParkingLot>() {
            @Override
            public Iterator<ParkingLot> iterator() {
                return listNearby(latitude, longitude, radiusMeters, pageSize).iterateAll().iterator();
            }
        };
    }

    /**
     * Gets one lot with its spots, business hours and current free spot count.
     *
     * @param name resource name of the lot, {@code "parkingLots/{id}"}, as in {@link ParkingLot#getName()}
     * @throws NotFoundException if there is no such lot
     */
    public ParkingLot getParkingLot(String name) {
        requireNonNull(name, "name");
        try {
            return stub.getParkingLot(GetParkingLotRequest.newBuilder().setName(name).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    static ParkingClient create(io.grpc.Channel channel) {
        return new ParkingClient(ParkingServiceGrpc.newBlockingStub(channel));
    }
}
