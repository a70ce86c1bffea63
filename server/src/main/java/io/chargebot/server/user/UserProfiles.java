package io.chargebot.server.user;

import io.chargebot.server.db.Db;
import io.chargebot.server.db.NotifiedCache;
import io.chargebot.user.v1.User;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Account profiles as {@code GetUser} returns them, kept in memory so that {@code GetUser(users/me)}
 * — the most frequent authenticated call — needs no database round trip (it cost ~100 µs of
 * PostgreSQL CPU plus ~45 µs of JDBC work in the server per call, most of the call).
 *
 * <p>How it stays correct ({@link NotifiedCache} implements the mechanics):
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
public final class UserProfiles extends NotifiedCache<UUID, User> {

    static final String CHANNEL = "chargebot_users";
    private static final int MAX_ENTRIES = 100_000;

    private final Db db;

    UserProfiles(Db db, @Value("${chargebot.users.profile-cache-ttl:60s}") Duration ttl) {
        super(CHANNEL, ttl, MAX_ENTRIES);
        this.db = db;
    }

    /** The profile of a live (not deleted) account, from memory when known, else from the database. */
    public Optional<User> get(UUID id) {
        return get(id, key -> db.read(connection -> Users.findById(connection, key)).map(Users::toProto));
    }

    @Override
    @Nullable
    protected UUID keyOf(String payload) {
        try {
            return UUID.fromString(payload);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
