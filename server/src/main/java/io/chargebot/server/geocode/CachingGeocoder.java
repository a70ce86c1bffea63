package io.chargebot.server.geocode;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Remembers recent hits (query → place) for a while, so popular searches ("강남역") and the same
 * user's repeated searches do not spend provider quota. Bounded (least recently used entries are
 * dropped) and per process; misses and failures are not remembered. Queries that differ only in
 * case or spacing share an entry.
 */
final class CachingGeocoder implements Geocoder {

    private record Entry(GeocodedPlace place, Instant expires) {}

    private final Geocoder delegate;
    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Entry> entries;

    CachingGeocoder(Geocoder delegate, Clock clock, int maxEntries, Duration ttl) {
        this.delegate = requireNonNull(delegate, "delegate");
        this.clock = requireNonNull(clock, "clock");
        this.ttl = requireNonNull(ttl, "ttl");
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries: " + maxEntries + " (expected: > 0)");
        }
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > maxEntries;
            }
        };
    }

    @Override
    public Optional<GeocodedPlace> geocode(String query) {
        String key = key(query);
        Instant now = clock.instant();
        synchronized (entries) {
            Entry entry = entries.get(key);
            if (entry != null) {
                if (now.isBefore(entry.expires())) {
                    return Optional.of(entry.place());
                }
                entries.remove(key);
            }
        }
        Optional<GeocodedPlace> place = delegate.geocode(query);
        place.ifPresent(hit -> {
            synchronized (entries) {
                entries.put(key, new Entry(hit, now.plus(ttl)));
            }
        });
        return place;
    }

    static String key(String query) {
        return query.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return delegate + " (cached for " + ttl + ")";
    }
}
