package io.chargebot.server.plate;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.plate.v1.MatchPlateRequest;
import io.chargebot.plate.v1.MatchPlateResponse;
import io.chargebot.plate.v1.PlateCandidate;
import io.chargebot.plate.v1.PlateServiceGrpc;
import io.chargebot.plate.v1.RecognizePlateRequest;
import io.chargebot.plate.v1.RecognizePlateResponse;
import io.chargebot.plate.v1.VerifyPlateRequest;
import io.chargebot.plate.v1.VerifyPlateResponse;
import io.chargebot.server.auth.Access;
import io.chargebot.server.auth.Role;
import io.chargebot.server.car.Plates;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.FieldViolation;
import io.chargebot.server.error.Violations;
import io.chargebot.server.reservation.PlateChecks;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PlateService (seed 003): RecognizePlate reads the plate in a photo through the configured
 * {@link PlateRecognizer}; VerifyPlate and MatchPlate check a plate against reservations
 * ({@link PlateChecks}, in the reservation package, which owns that table).
 *
 * <p>RecognizePlate checks the photo before any provider sees it: {@code image} is required,
 * at most {@value #MAX_IMAGE_BYTES} bytes (larger: INVALID_ARGUMENT / PAYLOAD_TOO_LARGE, as
 * error_reason.proto defines that reason), and a JPEG or PNG by its leading bytes; {@code content_type},
 * when given, must be {@code image/jpeg} or {@code image/png} and name the format of the bytes. The reply
 * keeps the recogniser's text in {@code plate} and adds the canonical form ({@link Plates#tryNormalize})
 * in {@code normalized_plate}, empty when the reading is not a valid Korean plate. Candidates are kept
 * even when they do not normalise (their {@code normalized_plate} is then empty), so a caller can show
 * what was read; a candidate that repeats the best reading, or an earlier candidate, in raw or canonical
 * form, is dropped, and at most {@value #MAX_CANDIDATES} are returned.
 */
@Singleton
final class PlateGrpcService extends PlateServiceGrpc.PlateServiceImplBase {

    /** The largest photo accepted: 3 MiB. */
    static final int MAX_IMAGE_BYTES = 3 * 1024 * 1024;
    static final int MAX_CANDIDATES = 5;
    /** The scope a SERVICE caller (a lot camera worker) needs for RecognizePlate. */
    static final String RECOGNIZE_SCOPE = "plate.recognize";

    /** The scope a SERVICE caller (a lot camera worker) needs for MatchPlate. */
    static final String MATCH_SCOPE = "plate.match";

    private final PlateRecognizer recognizer;
    private final PlateChecks checks;

    PlateGrpcService(PlateRecognizer recognizer, PlateChecks checks) {
        this.recognizer = requireNonNull(recognizer, "recognizer");
        this.checks = requireNonNull(checks, "checks");
    }

    @Override
    @Access({Role.USER, Role.ADMIN})
    public void verifyPlate(VerifyPlateRequest request, StreamObserver<VerifyPlateResponse> observer) {
        observer.onNext(checks.verify(request));
        observer.onCompleted();
    }

    @Override
    @Access(value = {Role.ADMIN, Role.SERVICE}, scope = MATCH_SCOPE)
    public void matchPlate(MatchPlateRequest request, StreamObserver<MatchPlateResponse> observer) {
        observer.onNext(checks.match(request));
        observer.onCompleted();
    }

    @Override
    @Access(value = {Role.USER, Role.ADMIN, Role.SERVICE}, scope = RECOGNIZE_SCOPE)
    public void recognizePlate(RecognizePlateRequest request, StreamObserver<RecognizePlateResponse> observer) {
        PlateImage image = checkImage(request.getImage(), request.getContentType());
        PlateReading reading = recognizer.recognize(image);
        observer.onNext(toResponse(reading));
        observer.onCompleted();
    }

    /** The photo, or INVALID_ARGUMENT naming {@code image} and/or {@code content_type}. */
    static PlateImage checkImage(ByteString image, String contentType) {
        if (image.isEmpty()) {
            throw ApiException.invalid("image", "is required: the bytes of a JPEG or PNG photo");
        }
        if (image.size() > MAX_IMAGE_BYTES) {
            String description = "is " + image.size() + " bytes (expected: at most " + MAX_IMAGE_BYTES
                    + " bytes, 3 MiB); send a smaller or more compressed photo";
            throw new ApiException(Status.Code.INVALID_ARGUMENT, ErrorReason.PAYLOAD_TOO_LARGE, "image: " + description,
                    List.of(new FieldViolation("image", description)),
                    Map.of("max_bytes", Integer.toString(MAX_IMAGE_BYTES)), null);
        }
        byte[] bytes = image.toByteArray();
        ImageFormat format = ImageFormat.detect(bytes);
        Violations violations = new Violations();
        violations.check(format != null, "image", "is not a JPEG or PNG image");
        if (!contentType.isBlank()) {
            ImageFormat declared = ImageFormat.ofMimeType(contentType);
            if (declared == null) {
                violations.add("content_type", "must be image/jpeg or image/png, or empty to detect it from the image");
            } else if (format != null && declared != format) {
                violations.add("content_type", "is " + declared.mimeType() + " but the image is a "
                        + format + " (" + format.mimeType() + ")");
            }
        }
        violations.throwIfAny();
        return new PlateImage(bytes, format);
    }

    static RecognizePlateResponse toResponse(PlateReading reading) {
        RecognizePlateResponse.Builder response = RecognizePlateResponse.newBuilder()
                .setProvider(reading.provider());
        if (!reading.found()) {
            return response.build();
        }
        String normalized = Plates.tryNormalize(reading.plate()).orElse("");
        response.setPlate(reading.plate()).setNormalizedPlate(normalized).setConfidence(reading.confidence());
        Set<String> seen = new HashSet<>();
        seen.add(reading.plate());
        if (!normalized.isEmpty()) {
            seen.add(normalized);
        }
        for (PlateReading.Candidate candidate : reading.candidates()) {
            if (response.getCandidatesCount() == MAX_CANDIDATES) {
                break;
            }
            String candidateNormalized = Plates.tryNormalize(candidate.plate()).orElse("");
            if (seen.contains(candidate.plate()) || (!candidateNormalized.isEmpty() && seen.contains(candidateNormalized))) {
                continue;
            }
            seen.add(candidate.plate());
            if (!candidateNormalized.isEmpty()) {
                seen.add(candidateNormalized);
            }
            response.addCandidates(PlateCandidate.newBuilder()
                    .setPlate(candidate.plate())
                    .setNormalizedPlate(candidateNormalized)
                    .setConfidence(candidate.confidence()));
        }
        return response.build();
    }
}
