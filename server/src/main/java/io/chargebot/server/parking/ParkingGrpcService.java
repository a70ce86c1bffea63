package io.chargebot.server.parking;

import com.google.type.DayOfWeek;
import com.google.type.LatLng;
import com.google.type.TimeOfDay;
import io.chargebot.parking.v1.BusinessHours;
import io.chargebot.parking.v1.GetParkingLotRequest;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.parking.v1.Spot;
import io.chargebot.server.auth.Access;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.Violations;
import io.chargebot.server.grpc.PageTokens;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.grpc.ResourceNames;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;

/** ParkingService: nearest-first lot search and lot details (seed 000). Open to every caller. */
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

    ParkingGrpcService(ParkingLotRepository repository, NearestLots nearestLots, PageTokens pageTokens) {
        this.repository = repository;
        this.nearestLots = nearestLots;
        this.pageTokens = pageTokens;
    }

    @Override
    @Access(anonymous = true)
    public void listParkingLots(ListParkingLotsRequest request, StreamObserver<ListParkingLotsResponse> observer) {
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

        if (request.getOriginCase() == ListParkingLotsRequest.OriginCase.PLACE_QUERY) {
            // Geocoding a place name needs the geocoder port (Naver/Kakao local search), which
            // arrives with the parking search issue; until then the method says so plainly.
            throw new ApiException(Status.Code.UNIMPLEMENTED, io.chargebot.common.v1.ErrorReason.FAILED_PRECONDITION,
                    "place_query search is not available on this server yet; search by location");
        }

        // A token is bound to the origin and radius; the position is (KNN chord, lot id) of the last lot.
        String query = "ListParkingLots:" + Double.doubleToLongBits(latitude) + ':' + Double.doubleToLongBits(longitude)
                + ':' + radius;
        double afterChord = -1;
        UUID afterId = NIL;
        if (!request.getPageToken().isEmpty()) {
            ByteBuffer position = pageTokens.decode(request.getPageToken(), query);
            if (position.remaining() != 24) {
                throw ApiException.invalid("page_token", "is not a token issued by this server");
            }
            afterChord = position.getDouble();
            afterId = new UUID(position.getLong(), position.getLong());
        }

        ParkingLotRepository.Page page = nearestLots.nearest(latitude, longitude, radius, afterChord, afterId, pageSize);
        List<ParkingLotRepository.Lot> lots = page.lots();
        ListParkingLotsResponse.Builder response = ListParkingLotsResponse.newBuilder()
                .setOrigin(LatLng.newBuilder().setLatitude(latitude).setLongitude(longitude));
        for (ParkingLotRepository.Lot lot : lots) {
            response.addParkingLots(toProto(lot).setDistanceMeters(ParkingLotRepository.chordToMeters(lot.chord())));
        }
        if (page.more()) {
            ParkingLotRepository.Lot last = lots.get(lots.size() - 1);
            response.setNextPageToken(pageTokens.encode(query, ByteBuffer.allocate(24).putDouble(last.chord())
                    .putLong(last.id().getMostSignificantBits()).putLong(last.id().getLeastSignificantBits()).array()));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    @Access(anonymous = true)
    public void getParkingLot(GetParkingLotRequest request, StreamObserver<ParkingLot> observer) {
        UUID id = ResourceNames.parseParkingLot(request.getName(), "name");
        ParkingLotRepository.LotDetail detail =
                repository.get(id).orElseThrow(() -> ApiException.notFound(request.getName()));
        ParkingLot.Builder lot = toProto(detail.lot());
        for (ParkingLotRepository.Hours hours : detail.hours()) {
            lot.addBusinessHours(BusinessHours.newBuilder()
                    .setDay(DayOfWeek.forNumber(hours.dayOfWeek()))
                    .setOpenTime(timeOfDay(hours.openMinute()))
                    .setCloseTime(timeOfDay(hours.closeMinute())));
        }
        for (ParkingLotRepository.Spot spot : detail.spots()) {
            lot.addSpots(Spot.newBuilder()
                    .setName(ResourceNames.spot(detail.lot().id(), spot.id()))
                    .setFloor(spot.floor())
                    .setCode(spot.code())
                    .setXMeters(spot.xMeters())
                    .setYMeters(spot.yMeters())
                    .setEnabled(spot.enabled()));
        }
        observer.onNext(lot.build());
        observer.onCompleted();
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
