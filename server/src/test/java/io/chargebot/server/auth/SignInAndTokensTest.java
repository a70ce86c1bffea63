package io.chargebot.server.auth;

import static io.chargebot.server.auth.AuthTestClient.assertFails;
import static io.chargebot.server.auth.AuthTestClient.assertInvalid;
import static io.chargebot.server.auth.AuthTestClient.withToken;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.chargebot.auth.v1.AuthTokens;
import io.chargebot.auth.v1.IssueServiceTokenRequest;
import io.chargebot.auth.v1.IssueServiceTokenResponse;
import io.chargebot.auth.v1.RefreshTokenRequest;
import io.chargebot.auth.v1.SignInRequest;
import io.chargebot.auth.v1.SignOutRequest;
import io.chargebot.user.v1.GetUserRequest;
import io.chargebot.user.v1.ListUsersRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sign-in, brute-force protection, tokens and roles (seeds 001, 004), after Keycloak's BruteForceTest and RefreshTokenTest. */
class SignInAndTokensTest {

    private static final String SERVICE_SECRET = "s3rvice-secret-for-the-robot-bridge-0123456789";
    private static AuthTestClient t;

    @BeforeAll
    static void start() {
        Map<String, Object> properties = new HashMap<>(AuthTestClient.relaxedLimits());
        properties.put("chargebot.service-clients", "robot-bridge:" + SERVICE_SECRET + ":robot.connect");
        properties.put("chargebot.admin.password", "an admin passphrase for tests");
        t = new AuthTestClient(properties);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void unknownAccountAndWrongPasswordGiveTheSameReply() {
        t.signUp("same-reply", "the right passphrase");
        StatusRuntimeException wrongPassword = AuthTestClient.failure(() -> t.signIn("same-reply", "not the passphrase"));
        StatusRuntimeException unknown = AuthTestClient.failure(() -> t.signIn("nobody-here", "not the passphrase"));
        assertThat(wrongPassword.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertSameReply(wrongPassword, unknown);
        assertThat(AuthTestClient.reason(unknown)).isEqualTo("SIGN_IN_FAILED");
    }

    @Test
    void lockoutGivesTheSameReplyEvenForTheRightPasswordAndLiftsWithTime() {
        t.signUp("brute-target", "the right passphrase");
        StatusRuntimeException before = AuthTestClient.failure(() -> t.signIn("brute-target", "wrong guess 0"));
        for (int i = 1; i < 5; i++) {
            String guess = "wrong guess " + i;
            AuthTestClient.failure(() -> t.signIn("brute-target", guess));
        }
        // Locked now: the right password gets exactly the reply a wrong one got before the lock.
        StatusRuntimeException locked = AuthTestClient.failure(() -> t.signIn("brute-target", "the right passphrase"));
        assertSameReply(before, locked);
        // Attempts while locked do not count: after the first lock period (1 minute) the right password works.
        for (int i = 0; i < 10; i++) {
            AuthTestClient.failure(() -> t.signIn("brute-target", "more guesses"));
        }
        t.clock.advance(Duration.ofSeconds(61));
        assertThat(t.signIn("brute-target", "the right passphrase").getAccessToken()).isNotEmpty();
    }

    @Test
    void signInReturnsTheAccount() {
        t.signUp("returns-user", "the right passphrase");
        io.chargebot.auth.v1.SignInResponse response = t.auth.signIn(SignInRequest.newBuilder()
                .setLoginId("RETURNS-USER").setPassword("the right passphrase").build());
        assertThat(response.getUser().getLoginId()).isEqualTo("returns-user");
        assertThat(response.getUser().hasLastSignInTime()).isTrue();
    }

    @Test
    void successResetsTheCounter() {
        t.signUp("reset-counter", "the right passphrase");
        for (int i = 0; i < 4; i++) {
            AuthTestClient.failure(() -> t.signIn("reset-counter", "wrong"));
        }
        t.signIn("reset-counter", "the right passphrase");
        for (int i = 0; i < 4; i++) {
            AuthTestClient.failure(() -> t.signIn("reset-counter", "wrong"));
        }
        assertThat(t.signIn("reset-counter", "the right passphrase").getAccessToken()).isNotEmpty();
    }

    @Test
    void caseVariantsOfTheLoginIdCountAgainstOneAccount() {
        t.signUp("CaseVariant", "the right passphrase");
        for (String variant : new String[] {"casevariant", "CASEVARIANT", "caseVariant", "CaseVariant", "cAsEvArIaNt"}) {
            AuthTestClient.failure(() -> t.signIn(variant, "wrong"));
        }
        assertFails(() -> t.signIn("CaseVariant", "the right passphrase"), Status.Code.UNAUTHENTICATED, "SIGN_IN_FAILED");
        t.clock.advance(Duration.ofSeconds(61));
        assertThat(t.signIn("casevariant", "the right passphrase").getAccessToken()).as("sign-in is case-insensitive").isNotEmpty();
    }

    @Test
    void lockPeriodsGrowWithFurtherFailures() {
        t.signUp("growing-lock", "the right passphrase");
        for (int i = 0; i < 5; i++) {
            AuthTestClient.failure(() -> t.signIn("growing-lock", "wrong"));
        }
        t.clock.advance(Duration.ofSeconds(61));
        AuthTestClient.failure(() -> t.signIn("growing-lock", "wrong again"));
        // The sixth failure locks for 2 minutes: after 61 s it is still locked.
        t.clock.advance(Duration.ofSeconds(61));
        assertFails(() -> t.signIn("growing-lock", "the right passphrase"), Status.Code.UNAUTHENTICATED, "SIGN_IN_FAILED");
        t.clock.advance(Duration.ofSeconds(60));
        assertThat(t.signIn("growing-lock", "the right passphrase").getAccessToken()).isNotEmpty();
    }

    @Test
    void signInInputIsValidated() {
        assertInvalid(() -> t.auth.signIn(SignInRequest.newBuilder().setPassword("x").build()), "login_id");
        assertInvalid(() -> t.auth.signIn(SignInRequest.newBuilder().setLoginId("someone").build()), "password");
        assertInvalid(() -> t.auth.signIn(SignInRequest.newBuilder().setLoginId("x".repeat(65)).setPassword("p").build()), "login_id");
        assertInvalid(() -> t.auth.refreshToken(RefreshTokenRequest.getDefaultInstance()), "refresh_token");
    }

    @Test
    void refreshRotatesAndReuseRevokesTheWholeFamily() {
        AuthTokens first = t.signUp("rotating", "the right passphrase");
        AuthTokens second = t.auth.refreshToken(RefreshTokenRequest.newBuilder().setRefreshToken(first.getRefreshToken()).build()).getTokens();
        assertThat(second.getRefreshToken()).isNotEqualTo(first.getRefreshToken());
        assertThat(me(second.getAccessToken())).isNotNull();
        AuthTokens third = t.auth.refreshToken(RefreshTokenRequest.newBuilder().setRefreshToken(second.getRefreshToken()).build()).getTokens();

        // Replaying an already rotated token (stolen?) revokes the session: even the newest tokens stop working.
        assertFails(() -> t.auth.refreshToken(RefreshTokenRequest.newBuilder().setRefreshToken(first.getRefreshToken()).build()),
                Status.Code.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID");
        assertFails(() -> t.auth.refreshToken(RefreshTokenRequest.newBuilder().setRefreshToken(third.getRefreshToken()).build()),
                Status.Code.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID");
        assertFails(() -> me(third.getAccessToken()), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        assertThat(t.queryInt("SELECT count(*) FROM audit_log WHERE action = 'auth.refresh_token_reused'")).isGreaterThanOrEqualTo(1);
        assertFails(() -> t.auth.refreshToken(RefreshTokenRequest.newBuilder().setRefreshToken("made-up").build()),
                Status.Code.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID");
    }

    @Test
    void signOutKillsTheAccessTokenAtOnceAndOnlyThatSession() {
        AuthTokens phone = t.signUp("signing-out", "the right passphrase");
        AuthTokens tablet = t.signIn("signing-out", "the right passphrase");
        withToken(t.auth, phone.getAccessToken()).signOut(SignOutRequest.getDefaultInstance());
        assertFails(() -> me(phone.getAccessToken()), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        assertFails(() -> t.auth.refreshToken(RefreshTokenRequest.newBuilder().setRefreshToken(phone.getRefreshToken()).build()),
                Status.Code.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID");
        assertThat(me(tablet.getAccessToken())).isNotNull();
        withToken(t.auth, tablet.getAccessToken()).signOut(SignOutRequest.newBuilder().setAllSessions(true).build());
        assertFails(() -> me(tablet.getAccessToken()), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        assertFails(() -> t.auth.signOut(SignOutRequest.getDefaultInstance()), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
    }

    @Test
    void forgedAlteredAndExpiredTokensAreRefused() throws Exception {
        AuthTokens tokens = t.signUp("token-owner", "the right passphrase");
        String token = tokens.getAccessToken();
        String[] parts = token.split("\\.");
        Base64.Decoder decode = Base64.getUrlDecoder();
        Base64.Encoder encode = Base64.getUrlEncoder().withoutPadding();
        String payload = new String(decode.decode(parts[1]), StandardCharsets.UTF_8);

        // alg "none", no signature.
        String none = encode.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
        assertFails(() -> me(none), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        // A changed payload (promote to ADMIN) with the original signature.
        String promoted = parts[0] + "." + encode.encodeToString(payload.replace("\"USER\"", "\"ADMIN\"")
                .getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertFails(() -> me(promoted), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        // Signed with another key under the same kid.
        String kid = SignedJWT.parse(token).getHeader().getKeyID();
        ECKey attacker = new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).build(),
                SignedJWT.parse(token).getJWTClaimsSet());
        forged.sign(new ECDSASigner(attacker));
        assertFails(() -> me(forged.serialize()), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        // HS256 with the public key as the secret (algorithm confusion).
        JWTClaimsSet claims = SignedJWT.parse(token).getJWTClaimsSet();
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(), claims);
        hs.sign(new com.nimbusds.jose.crypto.MACSigner(new byte[32]));
        assertFails(() -> me(hs.serialize()), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        // Garbage and the wrong scheme.
        assertFails(() -> me("not.a.jwt"), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        // Expired: 15 minutes later the same token is refused.
        assertThat(me(token)).isNotNull();
        t.clock.advance(Duration.ofMinutes(16));
        assertFails(() -> me(token), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        // ... and the refresh token still gets a new one.
        AuthTokens renewed = t.auth.refreshToken(RefreshTokenRequest.newBuilder().setRefreshToken(tokens.getRefreshToken()).build()).getTokens();
        assertThat(me(renewed.getAccessToken())).isNotNull();
    }

    @Test
    void rolesAreEnforcedForEveryRpc() {
        AuthTokens user = t.signUp("plain-user", "the right passphrase");
        assertFails(() -> t.users.getUser(GetUserRequest.newBuilder().setName("users/me").build()),
                Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        assertFails(() -> withToken(t.users, user.getAccessToken()).listUsers(ListUsersRequest.getDefaultInstance()),
                Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        AuthTokens admin = t.signIn("admin", "an admin passphrase for tests");
        assertThat(withToken(t.users, admin.getAccessToken()).listUsers(ListUsersRequest.getDefaultInstance()).getUsersList())
                .extracting(u -> u.getLoginId()).contains("plain-user", "admin");
        // A user cannot read another user's profile (and cannot tell whether it exists).
        String otherName = withToken(t.users, admin.getAccessToken()).getUser(GetUserRequest.newBuilder().setName("users/me").build()).getName();
        assertFails(() -> withToken(t.users, user.getAccessToken()).getUser(GetUserRequest.newBuilder().setName(otherName).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertFails(() -> withToken(t.users, user.getAccessToken()).getUser(GetUserRequest.newBuilder()
                .setName("users/" + UUID.randomUUID()).build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
    }

    @Test
    void serviceCredentialsGetAServiceToken() {
        IssueServiceTokenResponse response = t.auth.issueServiceToken(IssueServiceTokenRequest.newBuilder()
                .setClientId("robot-bridge").setClientSecret(SERVICE_SECRET).build());
        assertThat(response.getScopesList()).containsExactly("robot.connect");
        assertThat(response.getTokens().getRefreshToken()).isEmpty();
        // A machine is not a person: user RPCs refuse it.
        assertFails(() -> withToken(t.users, response.getTokens().getAccessToken())
                .getUser(GetUserRequest.newBuilder().setName("users/me").build()), Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        StatusRuntimeException wrongSecret = AuthTestClient.failure(() -> t.auth.issueServiceToken(IssueServiceTokenRequest.newBuilder()
                .setClientId("robot-bridge").setClientSecret("x".repeat(40)).build()));
        StatusRuntimeException unknownClient = AuthTestClient.failure(() -> t.auth.issueServiceToken(IssueServiceTokenRequest.newBuilder()
                .setClientId("camera-9").setClientSecret(SERVICE_SECRET).build()));
        assertSameReply(wrongSecret, unknownClient);
        assertInvalid(() -> t.auth.issueServiceToken(IssueServiceTokenRequest.newBuilder().setClientId("Bad Id").setClientSecret("x").build()),
                "client_id");
    }

    private static io.chargebot.user.v1.User me(String accessToken) {
        return withToken(t.users, accessToken).getUser(GetUserRequest.newBuilder().setName("users/me").build());
    }

    private static void assertSameReply(StatusRuntimeException a, StatusRuntimeException b) {
        assertThat(b.getStatus().getCode()).isEqualTo(a.getStatus().getCode());
        assertThat(b.getStatus().getDescription()).isEqualTo(a.getStatus().getDescription());
        assertThat(AuthTestClient.reason(b)).isEqualTo(AuthTestClient.reason(a));
        assertThat(AuthTestClient.details(b, com.google.rpc.RetryInfo.class)).isEqualTo(AuthTestClient.details(a, com.google.rpc.RetryInfo.class));
    }
}
