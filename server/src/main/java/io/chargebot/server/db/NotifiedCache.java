package io.chargebot.server.db;

import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Database rows kept in memory and dropped when the database announces a change (NOTIFY from a
 * trigger, delivered by {@link DatabaseNotifications}); the one place that gets the races right for
 * every such cache (account profiles, lots' booking facts, ...).
 *
 * <ul>
 *   <li><b>Changes by anyone.</b> The trigger names the key on the channel when the writing
 *       transaction commits; every replica drops its copy within the NOTIFY latency. A payload that
 *       is not a key ({@link #keyOf} returns null) drops everything.</li>
 *   <li><b>Changes through this server are visible at once:</b> {@link #changed} drops the entry
 *       now and again right after the commit ({@link Db#afterCommit}).</li>
 *   <li><b>No stale put-back.</b> A reader notes the generation before it reads the database and
 *       stores what it read only if nothing was dropped since.</li>
 *   <li><b>Absence is never cached;</b> loaders return empty for deleted rows.</li>
 *   <li><b>Not listening, not caching.</b> While the LISTEN connection is down every call reads the
 *       database; when it is back the cache starts empty.</li>
 *   <li>A time limit bounds an entry's age as a second line of defence; 0 turns the cache off.</li>
 * </ul>
 *
 * @param <K> the key the trigger names
 * @param <V> what is kept
 */
public abstract class NotifiedCache<K, V> implements DatabaseNotifications.Subscriber {

    /** Reads the value of a key from the database; empty when there is none (never cached). */
    @FunctionalInterface
    public interface Loader<K, V> {
        Optional<V> load(K key);
    }

    private record Entry<V>(V value, long storedAtNanos) {}

    private final String channel;
    private final long ttlNanos;
    private final int maxEntries;
    private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();
    /** Bumped on every invalidation, so a read that raced with a change is not stored. */
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean listening;

    protected NotifiedCache(String channel, Duration ttl, int maxEntries) {
        this.channel = channel;
        this.ttlNanos = ttl.toNanos();
        this.maxEntries = maxEntries;
    }

    /** The key a notification names, or null if it names none (then everything is dropped). */
    protected abstract K keyOf(String payload);

    /** The value of {@code key}: from memory when known, else from {@code loader} (and remembered). */
    public Optional<V> get(K key, Loader<K, V> loader) {
        if (listening) {
            Entry<V> entry = entries.get(key);
            if (entry != null && System.nanoTime() - entry.storedAtNanos() <= ttlNanos) {
                return Optional.of(entry.value());
            }
        }
        long before = generation.get();
        Optional<V> value = loader.load(key);
        value.ifPresent(v -> put(key, v, before));
        return value;
    }

    /** Whether a value is held in memory now (for tests). */
    public boolean isCached(K key) {
        return listening && entries.containsKey(key);
    }

    private void put(K key, V value, long generationBeforeRead) {
        if (!listening || ttlNanos <= 0 || generation.get() != generationBeforeRead) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.clear();
        }
        // Checked again under the entry's lock: an invalidation bumps the generation before it
        // removes, so either it sees (and removes) this value or this put sees its generation.
        entries.compute(key, (k, current) -> generation.get() == generationBeforeRead
                ? new Entry<>(value, System.nanoTime()) : current);
    }

    /**
     * To be called by code that changes what {@code key} stands for in {@code connection}'s unit of
     * work: drops it now and again once that work commits. (The trigger tells the other replicas;
     * without this call this server too would only see the change after the NOTIFY round trip.)
     */
    public void changed(Connection connection, K key) {
        invalidate(key);
        Db.afterCommit(connection, () -> invalidate(key));
    }

    protected void invalidate(K key) {
        generation.incrementAndGet();
        entries.remove(key);
    }

    /** Drops every value matching {@code which} (for notifications that name a group, not a key). */
    protected void invalidateIf(java.util.function.Predicate<V> which) {
        generation.incrementAndGet();
        entries.values().removeIf(entry -> which.test(entry.value()));
    }

    protected void invalidateAll() {
        generation.incrementAndGet();
        entries.clear();
    }

    @Override
    public String channel() {
        return channel;
    }

    @Override
    public void listening() {
        invalidateAll();
        listening = ttlNanos > 0;
    }

    @Override
    public void notified(String payload) {
        K key = keyOf(payload);
        if (key == null) {
            invalidateAll();
        } else {
            invalidate(key);
        }
    }

    @Override
    public void stopped() {
        listening = false;
        invalidateAll();
    }
}
