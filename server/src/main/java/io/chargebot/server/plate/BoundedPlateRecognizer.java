package io.chargebot.server.plate;

import static java.util.Objects.requireNonNull;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * Lets at most {@code limit} recognitions run at once; one more is refused at once with
 * RESOURCE_EXHAUSTED / RATE_LIMITED (retry in a second) instead of waiting. Each recognition holds a
 * gRPC thread for up to the request timeout, so without this a flood of uploads could pile up
 * threads and memory (each holds its image) while the recogniser is slow.
 */
final class BoundedPlateRecognizer implements PlateRecognizer {

    private final PlateRecognizer delegate;
    private final Semaphore permits;
    private final int limit;

    BoundedPlateRecognizer(PlateRecognizer delegate, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: at least 1)");
        }
        this.delegate = requireNonNull(delegate, "delegate");
        this.permits = new Semaphore(limit);
        this.limit = limit;
    }

    @Override
    public PlateReading recognize(PlateImage image) {
        if (!permits.tryAcquire()) {
            throw new ApiException(Status.Code.RESOURCE_EXHAUSTED, ErrorReason.RATE_LIMITED,
                    "too many plate recognitions are in progress; retry shortly", List.of(), Map.of(),
                    PlateHttp.DEFAULT_RETRY_DELAY);
        }
        try {
            return delegate.recognize(image);
        } finally {
            permits.release();
        }
    }

    /** The bounded recogniser. */
    PlateRecognizer delegate() {
        return delegate;
    }

    @Override
    public String toString() {
        return delegate + " (at most " + limit + " at once)";
    }
}
