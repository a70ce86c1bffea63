package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.FieldMask;
import com.google.type.LatLng;
import io.chargebot.parking.v1.CreateParkingLotRequest;
import io.chargebot.parking.v1.CreateSpotRequest;
import io.chargebot.parking.v1.DeleteSpotRequest;
import io.chargebot.parking.v1.GetParkingLotRequest;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.parking.v1.ParkingServiceGrpc.ParkingServiceBlockingStub;
import io.chargebot.parking.v1.Spot;
import io.chargebot.parking.v1.UpdateParkingLotRequest;
import io.chargebot.parking.v1.UpdateSpotRequest;
import io.grpc.StatusRuntimeException;
import java.util.Arrays;
import java.util.Iterator;

/**
 * Finding parking lots and their charging spots, by position or by place name; for admins, creating
 * and changing lots and spots. Get it from {@link ChargeBotClient#parking()}.
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

    /**
     * Lists the open lots within a radius of a named place, nearest first: the server geocodes the
     * place (its top hit) and searches from there, e.g. {@code listNearPlace("서울역", 3000, 20)}.
     *
     * @param placeQuery a place name or address, 1..100 characters, e.g. "강남역" or "강남역 2번 출구"
     * @param radiusMeters search radius in metres, 1..50000 (0 means 5000)
     * @param pageSize maximum lots in the page, 0..100 (0 means 20)
     * @return the geocoded origin and the first page of lots
     * @throws NotFoundException if no place matches the query (try a station, landmark or address,
     *     or search by position)
     * @throws ProviderUnavailableException if the geocoding provider could not be asked; retry later
     * @throws InvalidArgumentException if a value is out of range
     */
    public PlaceSearchResult listNearPlace(String placeQuery, int radiusMeters, int pageSize) {
        return listNearPlace(placeQuery, radiusMeters, pageSize, "");
    }

    /**
     * Lists one page of the open lots within a radius of a named place, nearest first. Later pages
     * search from the origin of the first (the token carries it), so the place is geocoded once.
     *
     * @param pageToken {@link Page#nextPageToken()} of the previous page (with the same other
     *     arguments), or {@code ""} for the first page
     * @see #listNearPlace(String, int, int)
     */
    public PlaceSearchResult listNearPlace(final String placeQuery, final int radiusMeters, final int pageSize,
                                           String pageToken) {
        requireNonNull(placeQuery, "placeQuery");
        requireNonNull(pageToken, "pageToken");
        ListParkingLotsResponse response = list(ListParkingLotsRequest.newBuilder()
                .setPlaceQuery(placeQuery)
                .setRadiusMeters(radiusMeters)
                .setPageSize(pageSize)
                .setPageToken(pageToken)
                .build());
        Page<ParkingLot> lots = new Page<>(response.getParkingLotsList(), response.getNextPageToken(),
                new Page.Fetcher<ParkingLot>() {
                    @Override
                    public Page<ParkingLot> fetch(String nextPageToken) {
                        return listNearPlace(placeQuery, radiusMeters, pageSize, nextPageToken).lots();
                    }
                });
        return new PlaceSearchResult(response.getOrigin(), lots);
    }

    /**
     * All open lots within a radius of a named place, nearest first, fetched page by page as the
     * iteration goes. Nothing is fetched until an iteration starts; each iteration starts over (and
     * geocodes the place again).
     *
     * @see #listNearPlace(String, int, int)
     */
    public Iterable<ParkingLot> listAllNearPlace(final String placeQuery, final int radiusMeters, final int pageSize) {
        requireNonNull(placeQuery, "placeQuery");
        return new Iterable<ParkingLot>() {
            @Override
            public Iterator<ParkingLot> iterator() {
                return listNearPlace(placeQuery, radiusMeters, pageSize).lots().iterateAll().iterator();
            }
        };
    }

    /**
     * Admins: creates a lot, e.g.
     * {@code createParkingLot(ParkingLot.newBuilder().setDisplayName("서울역 제1주차장").setLocation(latLng).setOpen(true).build())}.
     * {@code open} is taken as sent (a lot created without it does not take reservations); without
     * business hours the lot opens 09:00-22:00 every day; the time zone defaults to "Asia/Seoul".
     * Name and output-only fields are ignored.
     *
     * @return the lot as {@link #getParkingLot(String)} returns it
     * @throws InvalidArgumentException if a field is missing or malformed (see its {@code fieldViolations()})
     * @throws PermissionDeniedException if the caller is not an admin
     */
    public ParkingLot createParkingLot(ParkingLot parkingLot) {
        requireNonNull(parkingLot, "parkingLot");
        try {
            return stub.createParkingLot(CreateParkingLotRequest.newBuilder().setParkingLot(parkingLot).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Admins: changes the fields of a lot named by {@code fieldPaths}, e.g.
     * {@code updateParkingLot(lot.toBuilder().setOpen(false).build(), "open")}. With
     * {@code business_hours} in the paths, the lot's hours are replaced by the given list (an empty
     * list closes every weekday).
     *
     * @param withChanges the lot with its name set and the new values
     * @param fieldPaths the fields to update: display_name, address, location, image_uri, time_zone,
     *     business_hours, open
     * @return the lot as {@link #getParkingLot(String)} returns it
     * @throws IllegalArgumentException if no field path is given
     * @throws NotFoundException if there is no such lot
     */
    public ParkingLot updateParkingLot(ParkingLot withChanges, String... fieldPaths) {
        requireNonNull(withChanges, "withChanges");
        FieldMask mask = mask(fieldPaths);
        try {
            return stub.updateParkingLot(UpdateParkingLotRequest.newBuilder()
                    .setParkingLot(withChanges).setUpdateMask(mask).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Admins: adds a charging spot to a lot, e.g.
     * {@code createSpot(lot.getName(), Spot.newBuilder().setFloor("B2").setCode("A-12").setEnabled(true).build())}.
     * {@code enabled} is taken as sent (a spot created without it takes no reservations).
     *
     * @param parkingLot the lot, {@code "parkingLots/{id}"}
     * @return the spot with its name
     * @throws AlreadyExistsException if the lot already has a spot with that code (reason {@code RESOURCE_EXISTS})
     * @throws NotFoundException if there is no such lot
     */
    public Spot createSpot(String parkingLot, Spot spot) {
        requireNonNull(parkingLot, "parkingLot");
        requireNonNull(spot, "spot");
        try {
            return stub.createSpot(CreateSpotRequest.newBuilder().setParent(parkingLot).setSpot(spot).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Admins: changes the fields of a spot named by {@code fieldPaths}, e.g.
     * {@code updateSpot(spot.toBuilder().setEnabled(false).build(), "enabled")} to stop new bookings.
     *
     * @param withChanges the spot with its name set and the new values
     * @param fieldPaths the fields to update: floor, code, x_meters, y_meters, enabled
     * @throws IllegalArgumentException if no field path is given
     * @throws AlreadyExistsException if the new code is taken in the lot
     */
    public Spot updateSpot(Spot withChanges, String... fieldPaths) {
        requireNonNull(withChanges, "withChanges");
        FieldMask mask = mask(fieldPaths);
        try {
            return stub.updateSpot(UpdateSpotRequest.newBuilder().setSpot(withChanges).setUpdateMask(mask).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Admins: deletes a spot.
     *
     * @param name {@code "parkingLots/{lot}/spots/{spot}"}
     * @throws FailedPreconditionException while the spot has reservations that are confirmed or in
     *     progress and not yet over ({@code metadata().get("reservations")} names them); cancel them,
     *     or disable the spot instead
     * @throws NotFoundException if there is no such spot
     */
    public void deleteSpot(String name) {
        requireNonNull(name, "name");
        try {
            stub.deleteSpot(DeleteSpotRequest.newBuilder().setName(name).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    private ListParkingLotsResponse list(ListParkingLotsRequest request) {
        try {
            return stub.listParkingLots(request);
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    private static FieldMask mask(String[] fieldPaths) {
        requireNonNull(fieldPaths, "fieldPaths");
        if (fieldPaths.length == 0) {
            throw new IllegalArgumentException("fieldPaths is empty: name the fields to update, e.g. \"open\"");
        }
        for (String path : fieldPaths) {
            requireNonNull(path, "fieldPaths[]");
        }
        return FieldMask.newBuilder().addAllPaths(Arrays.asList(fieldPaths)).build();
    }

    static ParkingClient create(io.grpc.Channel channel) {
        return new ParkingClient(ParkingServiceGrpc.newBlockingStub(channel));
    }
}
