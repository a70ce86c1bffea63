package io.chargebot.server.user;

import io.chargebot.server.db.DatabaseNotifications;
import io.chargebot.server.db.Db;
import io.chargebot.user.v1.User;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Account profiles as {@code GetUser} returns them, kept in memory so that {@code GetUser(users/me)}
 * — the most frequent authenticated call — needs no database round trip (it cost ~100 µs of
 * PostgreSQL CPU plus ~45 µs of JDBC work in the server per call, most of the call).
 *
 * <p>How it stays correct:
 * <ul>
 *   <li><b>Every change is announced by the database.</b> Triggers on {@code users} and
 *       {@code driver_licenses} (migration V8) send {@code NOTIFY chargebot_users, '<user id>'} in the
 *       writing transaction, whoever writes (this server, another replica, a script). Every replica
 *       listens ({@link DatabaseNotifications}) and drops the entry when the change commits: a change
 *       made elsewhere is visible here within the NOTIFY latency (milliseconds).</li>
 *   <li><b>A change made through this server is visible at once.</b> Code that writes an account calls
 *       {@link #changed}: the entry is dropped immediately and again right after the commit
 *       ({@link Db#afterCommit}), before the writing call returns, so the next call already reads the
 *       new row.</li>
 *   <li><b>No stale put-back.</b> A reader notes the generation before it reads the database and
 *       stores what it read only if no invalidation happened since; an invalidation after the commit
 *       therefore either removes the old value or makes its put a no-op.</li>
 *   <li><b>Deleted accounts are never served.</b> Only rows with {@code deleted_at IS NULL} are read
 *       and stored, absence is never cached, and deleting an account updates its row, which drops the
 *       entry as above (the account's sessions are revoked in the same transaction, so its tokens stop
 *       working too).</li>
 *   <li><b>Not listening, not caching.</b> While the LISTEN connection is down every call reads the
 *       database; when it is back the cache starts empty (changes in between are unknown).</li>
 *   <li>A time limit ({@code chargebot.users.profile-cache-ttl}, 60 s) bounds an entry's age as a
 *       second line of defence; correctness does not depend on it. 0 turns the cache off.</li>
 * </ul>
 */
@Singleton
public final class UserProfiles implements DatabaseNotifications.Subscriber {

    static final String CHANNEL = "chargebot_users";
    private static final int MAX_ENTRIES = 100_000;

    private record Entry(User user, long storedAtNanos) {}

    private final Db db;
    private final long ttlNanos;
    private final Map<UUID, Entry> entries = new ConcurrentHashMap<>();
    /** Bumped on every invalidation, so a read that raced with a change is not stored. */
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean listening;

    UserProfiles(Db db, @Value("${chargebot.users.profile-cache-ttl:60s}") Duration ttl) {
        this.db = db;
        this.ttlNanos = ttl.toNanos();
    }

    /** The profile of a live (not deleted) account, from memory when known, else from the database. */
    public Optional<User> get(UUID id) {
        if (listening) {
            Entry entry = entries.get(id);
            if (entry != null && System.nanoTime() - entry.storedAtNanos() <= ttlNanos) {
                return Optional.of(entry.user());
            }
        }
        long before = generation.get();
        Optional<User> user = db.read(connection -> Users.findById(connection, id)).map(Users::toProto);
        user.ifPresent(profile -> put(id, profile, before));
        return user;
    }

    /** Whether a profile is held in memory now (for tests). */
    boolean isCached(UUID id) {
        return listening && entries.containsKey(id);
    }

    private void put(UUID id, User profile, long generationBeforeRead) {
        if (!listening || ttlNanos <= 0 || generation.get() != generationBeforeRead) {
            return;
        }
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        // Checked again under the entry's lock: an invalidation bumps the generation before it
        // removes, so either it sees (and removes) this value or this put sees its generation.
        entries.compute(id, (key, current) -> generation.get() == generationBeforeRead
                ? new Entry(profile, System.nanoTime()) : current);
    }

    /**
     * To be called by code that changes an account (its {@code users} row or its driver's licence) in
     * {@code connection}'s unit of work: drops the profile now and again once that work commits.
     * (The database trigger tells the other replicas; without this call this server too would only
     * see the change after the NOTIFY round trip.)
     */
    public void changed(Connection connection, UUID id) {
        invalidate(id);
        Db.afterCommit(connection, () -> invalidate(id));
    }

    private void invalidate(UUID id) {
        generation.incrementAndGet();
        entries.remove(id);
    }

    private void invalidateAll() {
        generation.incrementAndGet();
        entries.clear();
    }

    @Override
    public String channel() {
        return CHANNEL;
    }

    @Override
    public void listening() {
        invalidateAll();
        listening = ttlNanos > 0;
    }

    @Override
    public void notified(String payload) {
        UUID id;
        try {
            id = UUID.fromString(payload);
        } catch (IllegalArgumentException e) {
            invalidateAll();
            return;
        }
        invalidate(id);
    }

    @Override
    public void stopped() {
        listening = false;
        invalidateAll();
    }
}
