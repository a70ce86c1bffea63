package io.chargebot.server.user;

import static io.chargebot.server.auth.AuthTestClient.withToken;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import com.google.type.Date;
import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.auth.v1.AuthTokens;
import io.chargebot.auth.v1.SignInRequest;
import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.server.testing.TestServers;
import io.chargebot.user.v1.ChangePasswordRequest;
import io.chargebot.user.v1.DeleteUserRequest;
import io.chargebot.user.v1.GetUserRequest;
import io.chargebot.user.v1.RegisterDriverLicenseRequest;
import io.chargebot.user.v1.UpdateAdminRequest;
import io.chargebot.user.v1.UpdateUserRequest;
import io.chargebot.user.v1.User;
import io.chargebot.user.v1.UserServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GetUser answers from memory and stays correct: changes made through a server show at once on it,
 * changes made elsewhere (another replica, SQL) once the database's NOTIFY arrives, and deleted
 * accounts are never served. Two servers share one database here, as replicas do.
 */
class UserProfilesTest {

    private static final String PASSWORD = "the right passphrase";
    private static final String ADMIN_PASSWORD = "an admin passphrase for tests";
    private static AuthTestClient t;
    /** A second replica on the same database. */
    private static ChargeBotServer other;
    private static ManagedChannel otherChannel;

    @BeforeAll
    static void start() {
        Map<String, Object> properties = new HashMap<>(AuthTestClient.relaxedLimits());
        properties.put("chargebot.admin.password", ADMIN_PASSWORD);
        t = new AuthTestClient(properties);
        other = TestServers.start(t.database, AuthTestClient.relaxedLimits());
        otherChannel = TestServers.channel(other);
    }

    @AfterAll
    static void stop() {
        otherChannel.shutdownNow();
        other.close();
        t.close();
    }

    @Test
    void changesMadeThroughThisServerShowAtOnce() {
        AuthTokens tokens = t.signUp("profile-cache-1", PASSWORD);
        UserServiceGrpc.UserServiceBlockingStub me = withToken(t.users, tokens.getAccessToken());
        User first = getMe(me);
        assertThat(getMe(me)).isEqualTo(first);

        me.updateUser(UpdateUserRequest.newBuilder().setUser(User.newBuilder().setName("users/me").setDisplayName("새 이름"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("display_name")).build());
        assertThat(getMe(me).getDisplayName()).isEqualTo("새 이름");

        me.registerDriverLicense(RegisterDriverLicenseRequest.newBuilder().setName("users/me/driverLicense")
                .setBirthDate(Date.newBuilder().setYear(1999).setMonth(8).setDay(23)).setHolderName("홍길동")
                .setLicenseNumber("11-23-456789-01").setSerialNumber("AB12CD").build());
        assertThat(getMe(me).getDriverLicenseVerified()).isTrue();

        User beforeSignIn = getMe(me);
        t.signIn("profile-cache-1", PASSWORD);
        assertThat(getMe(me).getLastSignInTime()).isNotEqualTo(beforeSignIn.getLastSignInTime());

        User beforePassword = getMe(me);
        me.changePassword(ChangePasswordRequest.newBuilder().setName("users/me").setCurrentPassword(PASSWORD)
                .setNewPassword("the second passphrase").build());
        assertThat(getMe(me).getUpdateTime()).isNotEqualTo(beforePassword.getUpdateTime());
    }

    @Test
    void anAdminsRoleChangeShowsAtOnce() {
        AuthTokens admin = t.signIn("admin", ADMIN_PASSWORD);
        UserServiceGrpc.UserServiceBlockingStub asAdmin = withToken(t.users, admin.getAccessToken());
        AuthTokens driver = t.signUp("profile-cache-2", PASSWORD);
        User profile = getMe(withToken(t.users, driver.getAccessToken()));
        assertThat(asAdmin.getUser(GetUserRequest.newBuilder().setName(profile.getName()).build())).isEqualTo(profile);
        asAdmin.updateAdmin(UpdateAdminRequest.newBuilder().setUser(User.newBuilder().setName(profile.getName())
                .setRole(io.chargebot.user.v1.Role.ROLE_ADMIN)).setUpdateMask(FieldMask.newBuilder().addPaths("role")).build());
        assertThat(asAdmin.getUser(GetUserRequest.newBuilder().setName(profile.getName()).build()).getRole())
                .isEqualTo(io.chargebot.user.v1.Role.ROLE_ADMIN);
    }

    @Test
    void changesMadeElsewhereShowOnceTheDatabaseNotifies() throws Exception {
        AuthTokens tokens = t.signUp("profile-cache-3", PASSWORD);
        UserServiceGrpc.UserServiceBlockingStub here = withToken(t.users, tokens.getAccessToken());
        UserServiceGrpc.UserServiceBlockingStub there = otherReplica("profile-cache-3", PASSWORD);
        User profile = getMe(here);
        assertThat(getMe(there)).isEqualTo(profile);

        // Through the other replica: shows there at once, here once notified.
        there.updateUser(UpdateUserRequest.newBuilder().setUser(User.newBuilder().setName("users/me").setDisplayName("다른 서버"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("display_name")).build());
        assertThat(getMe(there).getDisplayName()).isEqualTo("다른 서버");
        eventually(here, u -> u.getDisplayName().equals("다른 서버"));

        // Straight in the database (a script, a migration): both, once notified.
        sql("UPDATE users SET organization_code = 'ORG-7' WHERE login_id = 'profile-cache-3'");
        eventually(here, u -> u.getOrganizationCode().equals("ORG-7"));
        eventually(there, u -> u.getOrganizationCode().equals("ORG-7"));
    }

    private static boolean keptAfterAMoment(UserProfiles profiles, java.util.UUID id) throws InterruptedException {
        if (!profiles.isCached(id)) {
            Thread.sleep(10);
            return false;
        }
        Thread.sleep(200);
        return profiles.isCached(id);
    }

    @Test
    void servedFromMemoryUntilTheDatabaseSaysOtherwise() throws Exception {
        AuthTokens tokens = t.signUp("profile-cache-4", PASSWORD);
        UserServiceGrpc.UserServiceBlockingStub me = withToken(t.users, tokens.getAccessToken());
        User cached = getMe(me);
        // The sign-up's own notifications (more than one: the account, then its sign-in) may arrive after a read and
        // drop the copy: read until it is kept and still kept a moment later, when they have all been delivered.
        UserProfiles profiles = t.server.context().getBean(UserProfiles.class);
        java.util.UUID id = java.util.UUID.fromString(cached.getName().substring("users/".length()));
        long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!keptAfterAMoment(profiles, id)) {
            assertThat(System.nanoTime()).as("the profile is kept in memory").isLessThan(giveUp);
            getMe(me);
        }
        // A write that bypasses the trigger (replica mode) is not announced, so the copy in memory stays ...
        try (Connection c = TestDatabases.connect(t.database); Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            s.execute("UPDATE users SET display_name = 'unannounced' WHERE login_id = 'profile-cache-4'");
        }
        assertThat(getMe(me)).isEqualTo(cached);
        // ... until the database announces the account.
        sql("SELECT pg_notify('chargebot_users', id::text) FROM users WHERE login_id = 'profile-cache-4'");
        eventually(me, u -> u.getDisplayName().equals("unannounced"));
    }

    @Test
    void deletedAccountsAreNeverServed() throws Exception {
        AuthTokens tokens = t.signUp("profile-cache-5", PASSWORD);
        UserServiceGrpc.UserServiceBlockingStub here = withToken(t.users, tokens.getAccessToken());
        UserServiceGrpc.UserServiceBlockingStub there = otherReplica("profile-cache-5", PASSWORD);
        User profile = getMe(here);
        assertThat(getMe(there)).isEqualTo(profile);

        here.deleteUser(DeleteUserRequest.newBuilder().setName("users/me").setPassword(PASSWORD).build());
        assertRefused(() -> getMe(here));
        // The other replica learns of it from the NOTIFY of the same commit; it never serves it afterwards.
        eventuallyRefused(there);
        for (int i = 0; i < 20; i++) {
            assertRefused(() -> getMe(there));
        }

        // Deleted straight in the database, without revoking sessions: refused once notified.
        AuthTokens second = t.signUp("profile-cache-6", PASSWORD);
        UserServiceGrpc.UserServiceBlockingStub secondMe = withToken(t.users, second.getAccessToken());
        getMe(secondMe);
        sql("UPDATE users SET deleted_at = now() WHERE login_id = 'profile-cache-6'");
        eventuallyRefused(secondMe);
        assertRefused(() -> getMe(secondMe));
    }

    @Test
    void afterLosingItsListenerTheServerReadsTheDatabaseThenCachesAgain() throws Exception {
        AuthTokens tokens = t.signUp("profile-cache-7", PASSWORD);
        UserServiceGrpc.UserServiceBlockingStub me = withToken(t.users, tokens.getAccessToken());
        getMe(me);
        int killed;
        try (Connection c = TestDatabases.connect(t.database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     + "WHERE datname = current_database() AND application_name = 'chargebot-server notifications'")) {
            rs.next();
            killed = rs.getInt(1);
        }
        assertThat(killed).as("listener connections of both replicas").isEqualTo(2);
        // Possibly while nobody listens: the notification may be lost, the change must show anyway.
        sql("UPDATE users SET display_name = 'while reconnecting' WHERE login_id = 'profile-cache-7'");
        eventually(me, u -> u.getDisplayName().equals("while reconnecting"));
        // Listening again: changes keep showing.
        sql("UPDATE users SET display_name = 'after reconnecting' WHERE login_id = 'profile-cache-7'");
        eventually(me, u -> u.getDisplayName().equals("after reconnecting"));
    }

    // --- helpers ---------------------------------------------------------------------------------------

    private static UserServiceGrpc.UserServiceBlockingStub otherReplica(String loginId, String password) {
        String token = AuthServiceGrpc.newBlockingStub(otherChannel).signIn(SignInRequest.newBuilder().setLoginId(loginId)
                .setPassword(password).build()).getTokens().getAccessToken();
        return withToken(UserServiceGrpc.newBlockingStub(otherChannel), token);
    }

    private static User getMe(UserServiceGrpc.UserServiceBlockingStub stub) {
        return stub.getUser(GetUserRequest.newBuilder().setName("users/me").build());
    }

    /** Waits (up to 30 s) for the NOTIFY of a change to arrive: a behaviour, not a speed, is asserted. */
    private static void eventually(UserServiceGrpc.UserServiceBlockingStub stub, Predicate<User> shows) throws InterruptedException {
        long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!shows.test(getMe(stub))) {
            assertThat(System.nanoTime()).as("the change shows").isLessThan(giveUp);
            Thread.sleep(10);
        }
    }

    private static void eventuallyRefused(UserServiceGrpc.UserServiceBlockingStub stub) throws InterruptedException {
        long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                getMe(stub);
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).isIn(Status.Code.UNAUTHENTICATED, Status.Code.NOT_FOUND);
                return;
            }
            assertThat(System.nanoTime()).as("the deletion shows").isLessThan(giveUp);
            Thread.sleep(10);
        }
    }

    private static void assertRefused(Runnable call) {
        StatusRuntimeException e = AuthTestClient.failure(call);
        assertThat(e.getStatus().getCode()).isIn(Status.Code.UNAUTHENTICATED, Status.Code.NOT_FOUND);
    }

    private static void sql(String statement) throws SQLException {
        try (Connection c = TestDatabases.connect(t.database); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }
}
