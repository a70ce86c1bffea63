package io.chargebot.server.grpc;

import io.chargebot.server.error.ApiException;

/** List page sizes (AIP-158): 0 means the default; negative or above the maximum is INVALID_ARGUMENT. */
public final class PageSizes {

    private PageSizes() {}

    /** The page size to use for {@code requested} (field {@code page_size}). */
    public static int of(int requested, int defaultSize, int maxSize) {
        if (requested < 0 || requested > maxSize) {
            throw ApiException.invalid("page_size", "must be between 0 and " + maxSize + " (got " + requested + ")");
        }
        return requested == 0 ? defaultSize : requested;
    }
}
