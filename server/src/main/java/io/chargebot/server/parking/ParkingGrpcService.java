package io.chargebot.server.parking;

import com.google.protobuf.Empty;
import com.google.type.DayOfWeek;
import com.google.type.LatLng;
import com.google.type.TimeOfDay;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.parking.v1.BusinessHours;
import io.chargebot.parking.v1.CreateParkingLotRequest;
import io.chargebot.parking.v1.CreateSpotRequest;
import io.chargebot.parking.v1.DeleteSpotRequest;
import io.chargebot.parking.v1.GetParkingLotRequest;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.parking.v1.Spot;
import io.chargebot.parking.v1.UpdateParkingLotRequest;
import io.chargebot.parking.v1.UpdateSpotRequest;
import io.chargebot.server.auth.Access;
import io.chargebot.server.auth.Role;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.Violations;
import io.chargebot.server.geocode.GeocodedPlace;
import io.chargebot.server.geocode.Geocoder;
import io.chargebot.server.grpc.BlockingCalls;
import io.chargebot.server.grpc.FieldMasks;
import io.chargebot.server.grpc.NonBlocking;
import io.chargebot.server.grpc.PageTokens;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.grpc.ResourceNames;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * ParkingService: nearest-first lot search from a coordinate or a place name, and lot details
 * (seed 000), open to every caller; lot and spot management for admins.
 */
@Singleton
final class ParkingGrpcService extends ParkingServiceGrpc.ParkingServiceImplBase {

    static final int DEFAULT_RADIUS_METERS = 5_000;
    static final int MAX_RADIUS_METERS = 50_000;
    static final int DEFAULT_PAGE_SIZE = 20;
    static final int MAX_PAGE_SIZE = 100;
    private static final UUID NIL = new UUID(0, 0);

    private final ParkingLotRepository repository;
    private final NearestLots nearestLots;
    private final PageTokens pageTokens;
    private final Geocoder geocoder;
    private final ParkingLotWriter writer;
    private final BlockingCalls blockingCalls;

    ParkingGrpcService(ParkingLotRepository repository, NearestLots nearestLots, PageTokens pageTokens, Geocoder geocoder,
                       ParkingLotWriter writer, BlockingCalls blockingCalls) {
        this.repository = repository;
        this.nearestLots = nearestLots;
        this.pageTokens = pageTokens;
        this.geocoder = geocoder;
        this.writer = writer;
        this.blockingCalls = blockingCalls;
    }

    /**
     * From the in-memory lot index on the calling thread; a place query's first page (the geocoder) and a search
     * while the index is not loaded (PostgreSQL) continue on the {@code io} executor.
     */
    @Override
    @Access(anonymous = true)
    @NonBlocking
    public void listParkingLots(ListParkingLotsRequest request, StreamObserver<ListParkingLotsResponse> observer) {
        listParkingLots(request, observer, false);
    }

    /** The search; without {@code mayBlock}, it hands itself to {@link BlockingCalls} at the first blocking step. */
    private void listParkingLots(ListParkingLotsRequest request, StreamObserver<ListParkingLotsResponse> observer,
                                 boolean mayBlock) {
        Violations violations = new Violations();
        double latitude = 0;
        double longitude = 0;
        switch (request.getOriginCase()) {
            case LOCATION -> {
                latitude = request.getLocation().getLatitude();
                longitude = request.getLocation().getLongitude();
                violations.check(Double.isFinite(latitude) && latitude >= -90 && latitude <= 90,
                        "location.latitude", "must be between -90 and 90 degrees (got " + latitude + ")");
                violations.check(Double.isFinite(longitude) && longitude >= -180 && longitude <= 180,
                        "location.longitude", "must be between -180 and 180 degrees (got " + longitude + ")");
            }
            case PLACE_QUERY -> {
                String query = request.getPlaceQuery().strip();
                violations.check(!query.isEmpty() && query.length() <= 100,
                        "place_query", "must be 1..100 characters");
            }
            default -> violations.add("origin", "set location or place_query");
        }
        int radius = request.getRadiusMeters() == 0 ? DEFAULT_RADIUS_METERS : request.getRadiusMeters();
        violations.check(radius >= 1 && radius <= MAX_RADIUS_METERS, "radius_meters",
                "must be between 1 and " + MAX_RADIUS_METERS + " metres (got " + request.getRadiusMeters() + ")");
        int pageSize = request.getPageSize() == 0 ? DEFAULT_PAGE_SIZE : request.getPageSize();
        violations.check(pageSize >= 1 && pageSize <= MAX_PAGE_SIZE, "page_size",
                "must be between 0 and " + MAX_PAGE_SIZE + " (got " + request.getPageSize() + ")");
        violations.check(request.getPageToken().length() <= 512, "page_token", "is not a token issued by this server");
        violations.throwIfAny();

        // A token is bound to the origin (or the place query) and radius; the position is (KNN chord,
        // lot id) of the last lot. A place query's token also carries the geocoded origin, so later
        // pages search from the same point without asking the geocoder again.
        boolean byPlace = request.getOriginCase() == ListParkingLotsRequest.OriginCase.PLACE_QUERY;
        String placeQuery = request.getPlaceQuery().strip();
        String query = byPlace
                ? "ListParkingLots:place:" + radius + ':' + placeQuery
                : "ListParkingLots:" + Double.doubleToLongBits(latitude) + ':' + Double.doubleToLongBits(longitude)
                + ':' + radius;
        double afterChord = -1;
        UUID afterId = NIL;
        if (!request.getPageToken().isEmpty()) {
            ByteBuffer position = pageTokens.decode(request.getPageToken(), query);
            if (position.remaining() != (byPlace ? 40 : 24)) {
                throw ApiException.invalid("page_token", "is not a token issued by this server");
            }
            if (byPlace) {
                latitude = position.getDouble();
                longitude = position.getDouble();
            }
            afterChord = position.getDouble();
            afterId = new UUID(position.getLong(), position.getLong());
        } else if (byPlace) {
            if (!mayBlock) {
                blockingCalls.run(observer, () -> listParkingLots(request, observer, true));
                return;
            }
            GeocodedPlace place = geocoder.geocode(placeQuery).orElseThrow(() -> new ApiException(Status.Code.NOT_FOUND,
                    ErrorReason.RESOURCE_NOT_FOUND, "place_query: no place matches \"" + placeQuery
                    + "\"; try a station, landmark or street address, or search by location",
                    List.of(), Map.of("place_query", placeQuery), null));
            latitude = place.latitude();
            longitude = place.longitude();
        }

        ParkingLotRepository.Page page = mayBlock
                ? nearestLots.nearest(latitude, longitude, radius, afterChord, afterId, pageSize)
                : nearestLots.inMemory(latitude, longitude, radius, afterChord, afterId, pageSize);
        if (page == null) {
            blockingCalls.run(observer, () -> listParkingLots(request, observer, true));
            return;
        }
        List<ParkingLotRepository.Lot> lots = page.lots();
        ListParkingLotsResponse.Builder response = ListParkingLotsResponse.newBuilder()
                .setOrigin(LatLng.newBuilder().setLatitude(latitude).setLongitude(longitude));
        for (ParkingLotRepository.Lot lot : lots) {
            response.addParkingLots(toProto(lot).setDistanceMeters(ParkingLotRepository.chordToMeters(lot.chord())));
        }
        if (page.more()) {
            ParkingLotRepository.Lot last = lots.get(lots.size() - 1);
            ByteBuffer position = ByteBuffer.allocate(byPlace ? 40 : 24);
            if (byPlace) {
                position.putDouble(latitude).putDouble(longitude);
            }
            response.setNextPageToken(pageTokens.encode(query, position.putDouble(last.chord())
                    .putLong(last.id().getMostSignificantBits()).putLong(last.id().getLeastSignificantBits()).array()));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    @Access(anonymous = true)
    public void getParkingLot(GetParkingLotRequest request, StreamObserver<ParkingLot> observer) {
        UUID id = ResourceNames.parseParkingLot(request.getName(), "name");
        observer.onNext(lotResource(id, request.getName()));
        observer.onCompleted();
    }

    @Override
    @Access(Role.ADMIN)
    public void createParkingLot(CreateParkingLotRequest request, StreamObserver<ParkingLot> observer) {
        Violations violations = new Violations();
        ParkingLotInput.Lot lot = ParkingLotInput.lot(request.getParkingLot(), ParkingLotInput.LOT_FIELDS, true,
                "parking_lot.", violations);
        violations.throwIfAny();
        UUID id = writer.createLot(lot);
        nearestLots.awaitOwnWrite();
        observer.onNext(lotResource(id, ResourceNames.parkingLot(id)));
        observer.onCompleted();
    }

    /** Updates the masked fields; an empty business_hours list in the mask closes the lot on every weekday. */
    @Override
    @Access(Role.ADMIN)
    public void updateParkingLot(UpdateParkingLotRequest request, StreamObserver<ParkingLot> observer) {
        Violations violations = new Violations();
        UUID id = collect(violations, () -> ResourceNames.parseParkingLot(request.getParkingLot().getName(), "parking_lot.name"));
        List<String> fields = collect(violations,
                () -> FieldMasks.paths(request.getUpdateMask(), ParkingLotInput.LOT_FIELDS, "update_mask"));
        ParkingLotInput.Lot lot = ParkingLotInput.lot(request.getParkingLot(), fields == null ? List.of() : fields, false,
                "parking_lot.", violations);
        violations.throwIfAny();
        writer.updateLot(id, lot, fields);
        nearestLots.awaitOwnWrite();
        observer.onNext(lotResource(id, ResourceNames.parkingLot(id)));
        observer.onCompleted();
    }

    @Override
    @Access(Role.ADMIN)
    public void createSpot(CreateSpotRequest request, StreamObserver<Spot> observer) {
        Violations violations = new Violations();
        UUID lotId = collect(violations, () -> ResourceNames.parseParkingLot(request.getParent(), "parent"));
        ParkingLotInput.SpotFields spot = ParkingLotInput.spot(request.getSpot(), ParkingLotInput.SPOT_FIELDS, "spot.",
                violations);
        violations.throwIfAny();
        Spot created = spotProto(lotId, writer.createSpot(lotId, spot));
        nearestLots.awaitOwnWrite();
        observer.onNext(created);
        observer.onCompleted();
    }

    @Override
    @Access(Role.ADMIN)
    public void updateSpot(UpdateSpotRequest request, StreamObserver<Spot> observer) {
        Violations violations = new Violations();
        ResourceNames.SpotName name = collect(violations, () -> ResourceNames.parseSpot(request.getSpot().getName(), "spot.name"));
        List<String> fields = collect(violations,
                () -> FieldMasks.paths(request.getUpdateMask(), ParkingLotInput.SPOT_FIELDS, "update_mask"));
        ParkingLotInput.SpotFields spot = ParkingLotInput.spot(request.getSpot(), fields == null ? List.of() : fields,
                "spot.", violations);
        violations.throwIfAny();
        Spot updated = spotProto(name.lotId(), writer.updateSpot(name, spot, fields));
        nearestLots.awaitOwnWrite();
        observer.onNext(updated);
        observer.onCompleted();
    }

    @Override
    @Access(Role.ADMIN)
    public void deleteSpot(DeleteSpotRequest request, StreamObserver<Empty> observer) {
        writer.deleteSpot(ResourceNames.parseSpot(request.getName(), "name"));
        nearestLots.awaitOwnWrite();
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    /** The value of {@code parse}, or null with its field violations added to {@code violations}. */
    private static <T> T collect(Violations violations, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (ApiException e) {
            if (e.violations().isEmpty()) {
                throw e;
            }
            e.violations().forEach(v -> violations.add(v.field(), v.description()));
            return null;
        }
    }

    /** The whole lot as GetParkingLot returns it: hours, spots, free spot count, times. */
    private ParkingLot lotResource(UUID id, String name) {
        ParkingLotRepository.LotDetail detail = repository.get(id).orElseThrow(() -> ApiException.notFound(name));
        ParkingLot.Builder lot = toProto(detail.lot());
        for (ParkingLotRepository.Hours hours : detail.hours()) {
            lot.addBusinessHours(BusinessHours.newBuilder()
                    .setDay(DayOfWeek.forNumber(hours.dayOfWeek()))
                    .setOpenTime(timeOfDay(hours.openMinute()))
                    .setCloseTime(timeOfDay(hours.closeMinute())));
        }
        for (ParkingLotRepository.Spot spot : detail.spots()) {
            lot.addSpots(spotProto(detail.lot().id(), spot));
        }
        return lot.build();
    }

    private static Spot spotProto(UUID lotId, ParkingLotRepository.Spot spot) {
        return Spot.newBuilder()
                .setName(ResourceNames.spot(lotId, spot.id()))
                .setFloor(spot.floor())
                .setCode(spot.code())
                .setXMeters(spot.xMeters())
                .setYMeters(spot.yMeters())
                .setEnabled(spot.enabled())
                .build();
    }

    private static ParkingLot.Builder toProto(ParkingLotRepository.Lot lot) {
        ParkingLot.Builder builder = ParkingLot.newBuilder()
                .setName(ResourceNames.parkingLot(lot.id()))
                .setDisplayName(lot.displayName())
                .setAddress(lot.address())
                .setLocation(LatLng.newBuilder().setLatitude(lot.latitude()).setLongitude(lot.longitude()))
                .setImageUri(lot.imageUri())
                .setTimeZone(lot.timeZone())
                .setOpen(lot.open())
                .setFreeSpotCount(lot.freeSpotCount());
        if (lot.createdAt() != null) {
            builder.setCreateTime(ProtoTime.timestamp(lot.createdAt()));
        }
        if (lot.updatedAt() != null) {
            builder.setUpdateTime(ProtoTime.timestamp(lot.updatedAt()));
        }
        return builder;
    }

    static TimeOfDay timeOfDay(int minuteOfDay) {
        return TimeOfDay.newBuilder().setHours(minuteOfDay / 60).setMinutes(minuteOfDay % 60).build();
    }

}
