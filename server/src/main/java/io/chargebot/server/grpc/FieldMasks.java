package io.chargebot.server.grpc;

import com.google.protobuf.FieldMask;
import io.chargebot.server.error.ApiException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Update masks (AIP-134): the paths a caller asked to change, checked against what may change. */
public final class FieldMasks {

    private FieldMasks() {}

    /**
     * The distinct paths of {@code mask}, in request order. An empty mask or a path outside
     * {@code allowed} is INVALID_ARGUMENT naming {@code field} and listing what may be updated.
     */
    public static List<String> paths(FieldMask mask, Set<String> allowed, String field) {
        if (mask.getPathsCount() == 0) {
            throw ApiException.invalid(field, "name the fields to update (updatable: " + String.join(", ", new TreeSet<>(allowed)) + ")");
        }
        Set<String> paths = new LinkedHashSet<>();
        for (String path : mask.getPathsList()) {
            if (!allowed.contains(path)) {
                String shown = path.length() > 64 ? path.substring(0, 64) + "…" : path;
                throw ApiException.invalid(field, "cannot update " + shown
                        + " (updatable: " + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
            paths.add(path);
        }
        return List.copyOf(paths);
    }
}
