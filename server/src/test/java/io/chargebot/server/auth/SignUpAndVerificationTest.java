package io.chargebot.server.auth;

import static io.chargebot.server.auth.AuthTestClient.assertFails;
import static io.chargebot.server.auth.AuthTestClient.assertInvalid;
import static io.chargebot.server.auth.AuthTestClient.e164;
import static io.chargebot.server.auth.AuthTestClient.newPhone;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.RetryInfo;
import io.chargebot.auth.v1.CheckLoginIdRequest;
import io.chargebot.auth.v1.SendVerificationCodeRequest;
import io.chargebot.auth.v1.SendVerificationCodeResponse;
import io.chargebot.auth.v1.SignUpRequest;
import io.chargebot.auth.v1.SignUpResponse;
import io.chargebot.auth.v1.VerificationChannel;
import io.chargebot.auth.v1.VerificationPurpose;
import io.chargebot.auth.v1.VerifyCodeRequest;
import io.chargebot.user.v1.GetUserRequest;
import io.chargebot.user.v1.User;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Verification codes and sign-up (seeds 001, 002) over real gRPC against PostgreSQL. */
class SignUpAndVerificationTest {

    private static final VerificationPurpose SIGN_UP = VerificationPurpose.VERIFICATION_PURPOSE_SIGN_UP;
    private static final VerificationChannel SMS = VerificationChannel.VERIFICATION_CHANNEL_SMS;
    private static AuthTestClient t;

    @BeforeAll
    static void start() {
        t = new AuthTestClient(AuthTestClient.relaxedLimits());
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void signUpWithAVerifiedPhoneCreatesASignedInDriver() {
        String phone = newPhone();
        SignUpResponse response = t.auth.signUp(t.signUpRequest("Driver.One", "correct horse battery", phone)
                .setOrganizationCode("ACME").build());
        assertThat(response.getTokens().getAccessToken()).isNotEmpty();
        assertThat(response.getTokens().getRefreshToken()).isNotEmpty();
        assertThat(response.getTokens().getTokenType()).isEqualTo("Bearer");
        assertThat(response.getTokens().getExpiresInSeconds()).isBetween(1, 900);
        assertThat(response.getUser().getPhone()).isEqualTo(e164(phone));
        User me = AuthTestClient.withToken(t.users, response.getTokens().getAccessToken())
                .getUser(GetUserRequest.newBuilder().setName("users/me").build());
        assertThat(me.getLoginId()).isEqualTo("Driver.One");
        assertThat(me.getOrganizationCode()).isEqualTo("ACME");
        assertThat(me.getRole()).isEqualTo(io.chargebot.user.v1.Role.ROLE_USER);
        assertThat(t.auth.checkLoginId(CheckLoginIdRequest.newBuilder().setLoginId("driver.one").build()).getAvailable())
                .as("login ids are case-insensitive").isFalse();
        assertThat(t.auth.checkLoginId(CheckLoginIdRequest.newBuilder().setLoginId("driver.two").build()).getAvailable()).isTrue();
    }

    @Test
    void koreanNumbersAreAcceptedInEveryUsualFormAndStoredNormalised() {
        String national = newPhone();
        for (String written : List.of(national, national.substring(0, 3) + "-" + national.substring(3, 7) + "-" + national.substring(7),
                "+82 " + national.substring(1, 3) + " " + national.substring(3, 7) + " " + national.substring(7))) {
            SendVerificationCodeResponse sent = t.auth.sendVerificationCode(SendVerificationCodeRequest.newBuilder()
                    .setChannel(SMS).setPurpose(SIGN_UP).setTarget(written).build());
            assertThat(sent.getNormalizedTarget()).isEqualTo(e164(national));
            assertThat(sent.getCodeLength()).isEqualTo(6);
            assertThat(sent.getExpiresInSeconds()).isEqualTo(300);
        }
        for (String bad : List.of("", "12345", "02-123-4567", "010-1234-567", "+1 650 555 1234", "010123456789012", "01012345678x")) {
            assertInvalid(() -> t.auth.sendVerificationCode(SendVerificationCodeRequest.newBuilder()
                    .setChannel(SMS).setPurpose(SIGN_UP).setTarget(bad).build()), "target");
        }
    }

    @Test
    void duplicatesAreNamed() {
        String phone = newPhone();
        t.auth.signUp(t.signUpRequest("taken-id", "a fine long password", phone).build());
        // DI: another phone, same login id (any case).
        assertFails(() -> t.auth.signUp(t.signUpRequest("TAKEN-ID", "a fine long password", newPhone()).build()),
                Status.Code.ALREADY_EXISTS, "LOGIN_ID_TAKEN");
        // DT: the phone is refused already when a code is requested for sign-up.
        assertFails(() -> t.sendSms(phone, SIGN_UP), Status.Code.ALREADY_EXISTS, "PHONE_TAKEN");
    }

    @Test
    void aProofIsBoundToItsPhoneAndUsableOnce() {
        String phone = newPhone();
        String proof = t.smsProof(phone, SIGN_UP);
        // TAF: proof for another phone.
        assertFails(() -> t.auth.signUp(SignUpRequest.newBuilder().setDisplayName("x").setLoginId("proof-a")
                        .setPassword("a fine long password").setPhone(newPhone()).setPhoneVerificationProof(proof).build()),
                Status.Code.FAILED_PRECONDITION, "VERIFICATION_FAILED");
        // The failed sign-up did not use the proof up: it still works for its own phone ...
        t.auth.signUp(SignUpRequest.newBuilder().setDisplayName("x").setLoginId("proof-b")
                .setPassword("a fine long password").setPhone(phone).setPhoneVerificationProof(proof).build());
        // ... once.
        assertFails(() -> t.auth.signUp(SignUpRequest.newBuilder().setDisplayName("x").setLoginId("proof-c")
                        .setPassword("a fine long password").setPhone(phone).setPhoneVerificationProof(proof).build()),
                Status.Code.FAILED_PRECONDITION, "VERIFICATION_FAILED");
        assertFails(() -> t.auth.signUp(SignUpRequest.newBuilder().setDisplayName("x").setLoginId("proof-d")
                        .setPassword("a fine long password").setPhone(newPhone()).setPhoneVerificationProof("forged").build()),
                Status.Code.FAILED_PRECONDITION, "VERIFICATION_FAILED");
    }

    @Test
    void codesExpireAfterFiveMinutes() {
        String phone = newPhone();
        t.sendSms(phone, SIGN_UP);
        String code = t.lastCode(e164(phone));
        t.clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        assertFails(() -> verify(phone, code), Status.Code.FAILED_PRECONDITION, "VERIFICATION_FAILED");
    }

    @Test
    void codesAreSingleUseAndTheLatestReplacesEarlierOnes() {
        String phone = newPhone();
        t.sendSms(phone, SIGN_UP);
        String first = t.lastCode(e164(phone));
        t.sendSms(phone, SIGN_UP);
        String second = t.lastCode(e164(phone));
        if (!first.equals(second)) {
            assertFails(() -> verify(phone, first), Status.Code.FAILED_PRECONDITION, "VERIFICATION_FAILED");
        }
        assertThat(verify(phone, second)).isNotEmpty();
        assertFails(() -> verify(phone, second), Status.Code.FAILED_PRECONDITION, "VERIFICATION_FAILED");
    }

    @Test
    void afterFiveWrongTriesEvenTheRightCodeFails() {
        String phone = newPhone();
        t.sendSms(phone, SIGN_UP);
        String code = t.lastCode(e164(phone));
        String wrong = code.equals("000000") ? "111111" : "000000";
        for (int i = 0; i < 5; i++) {
            StatusRuntimeException e = AuthTestClient.failure(() -> verify(phone, wrong));
            assertThat(AuthTestClient.reason(e)).isEqualTo("VERIFICATION_FAILED");
        }
        assertFails(() -> verify(phone, code), Status.Code.FAILED_PRECONDITION, "VERIFICATION_FAILED");
    }

    @Test
    void badVerificationInputNamesTheField() {
        String phone = newPhone();
        assertInvalid(() -> t.auth.verifyCode(VerifyCodeRequest.newBuilder().setChannel(SMS).setPurpose(SIGN_UP)
                .setTarget(phone).setCode("12ab56").build()), "code");
        assertInvalid(() -> t.auth.verifyCode(VerifyCodeRequest.newBuilder().setPurpose(SIGN_UP)
                .setTarget(phone).setCode("123456").build()), "channel");
        assertInvalid(() -> t.auth.verifyCode(VerifyCodeRequest.newBuilder().setChannel(SMS)
                .setTarget(phone).setCode("123456").build()), "purpose");
        assertInvalid(() -> t.auth.sendVerificationCode(SendVerificationCodeRequest.newBuilder()
                .setChannel(VerificationChannel.VERIFICATION_CHANNEL_EMAIL).setPurpose(SIGN_UP).setTarget("not-an-email").build()), "target");
        assertInvalid(() -> t.auth.sendVerificationCode(SendVerificationCodeRequest.newBuilder()
                .setChannel(SMS).setPurpose(SIGN_UP).setTarget("0".repeat(100_000)).build()), "target");
    }

    @Test
    void signUpValidatesEveryField() {
        StatusRuntimeException e = AuthTestClient.failure(() -> t.auth.signUp(SignUpRequest.newBuilder()
                .setDisplayName("").setLoginId("a").setPassword("x").setPhone("123").setEmail("nope")
                .setLanguageCode("fr").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(AuthTestClient.fields(e)).contains("display_name", "login_id", "phone", "phone_verification_proof",
                "email", "language_code");
        assertInvalid(() -> t.auth.checkLoginId(CheckLoginIdRequest.newBuilder().setLoginId("no spaces allowed").build()), "login_id");
        assertInvalid(() -> t.auth.checkLoginId(CheckLoginIdRequest.newBuilder().setLoginId("x".repeat(31)).build()), "login_id");
    }

    @Test
    void passwordPolicyFollowsAsvs() {
        String phone = newPhone();
        String proof = t.smsProof(phone, SIGN_UP);
        for (String bad : List.of("short7!", "password1234", "qwer1234", "x".repeat(129))) {
            StatusRuntimeException e = AuthTestClient.failure(() -> t.auth.signUp(SignUpRequest.newBuilder()
                    .setDisplayName("p").setLoginId("policy-user").setPassword(bad).setPhone(phone)
                    .setPhoneVerificationProof(proof).build()));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(AuthTestClient.reason(e)).isEqualTo("PASSWORD_POLICY");
            assertThat(AuthTestClient.fields(e)).containsExactly("password");
        }
        // No composition rules: a long passphrase of lower-case words and spaces is fine, so is Korean.
        t.auth.signUp(SignUpRequest.newBuilder().setDisplayName("p").setLoginId("policy-user").setPassword("비밀번호는 길게 씁니다")
                .setPhone(phone).setPhoneVerificationProof(proof).build());
    }

    @Test
    void twoSimultaneousSignUpsWithOneLoginIdExactlyOneWins() throws Exception {
        List<SignUpRequest> requests = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            requests.add(t.signUpRequest("race-winner", "a fine long password", newPhone()).build());
        }
        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        try {
            List<Future<String>> outcomes = new ArrayList<>();
            for (SignUpRequest request : requests) {
                outcomes.add(pool.submit((Callable<String>) () -> {
                    try {
                        t.auth.signUp(request);
                        return "OK";
                    } catch (StatusRuntimeException e) {
                        return AuthTestClient.reason(e);
                    }
                }));
            }
            Map<String, Integer> counts = new HashMap<>();
            for (Future<String> outcome : outcomes) {
                counts.merge(outcome.get(), 1, Integer::sum);
            }
            assertThat(counts).containsEntry("OK", 1).containsEntry("LOGIN_ID_TAKEN", requests.size() - 1);
            assertThat(t.queryInt("SELECT count(*) FROM users WHERE lower(login_id) = 'race-winner'")).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void findLoginIdAndResetPasswordNeverRevealWhetherAnAccountExists() {
        String known = newPhone();
        t.auth.signUp(t.signUpRequest("known-user", "a fine long password", known).build());
        String unknown = newPhone();
        SendVerificationCodeResponse forKnown = t.auth.sendVerificationCode(SendVerificationCodeRequest.newBuilder()
                .setChannel(SMS).setPurpose(VerificationPurpose.VERIFICATION_PURPOSE_FIND_LOGIN_ID).setTarget(known).build());
        SendVerificationCodeResponse forUnknown = t.auth.sendVerificationCode(SendVerificationCodeRequest.newBuilder()
                .setChannel(SMS).setPurpose(VerificationPurpose.VERIFICATION_PURPOSE_FIND_LOGIN_ID).setTarget(unknown).build());
        assertThat(forUnknown.toBuilder().clearExpireTime().clearNormalizedTarget().build())
                .isEqualTo(forKnown.toBuilder().clearExpireTime().clearNormalizedTarget().build());
        // Only the real account's phone received a message.
        awaitMessages(e164(known), 2);
        assertThat(t.messagesTo(e164(unknown))).isZero();
    }

    private static void awaitMessages(String recipient, int count) {
        long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (t.messagesTo(recipient) < count && System.nanoTime() < giveUp) {
            Thread.onSpinWait();
        }
        assertThat(t.messagesTo(recipient)).isEqualTo(count);
    }

    private static String verify(String phone, String code) {
        return t.auth.verifyCode(VerifyCodeRequest.newBuilder().setChannel(SMS).setPurpose(SIGN_UP).setTarget(phone)
                .setCode(code).build()).getVerificationProof();
    }

    /** Send limits, on a server of its own with the default limits. */
    @Test
    void sendingIsRateLimitedPerTargetWithACooldown() {
        try (AuthTestClient strict = new AuthTestClient(Map.of("chargebot.verification.per-address-hourly", 1000))) {
            String phone = newPhone();
            strict.sendSms(phone, SIGN_UP);
            StatusRuntimeException e = AuthTestClient.failure(() -> strict.sendSms(phone, SIGN_UP));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(AuthTestClient.reason(e)).isEqualTo("RATE_LIMITED");
            assertThat(AuthTestClient.details(e, RetryInfo.class).get(0).getRetryDelay().getSeconds()).isBetween(1L, 61L);
            // Five per hour per target, even with the cool-down respected.
            for (int i = 0; i < 4; i++) {
                strict.clock.advance(Duration.ofSeconds(61));
                strict.sendSms(phone, SIGN_UP);
            }
            strict.clock.advance(Duration.ofSeconds(61));
            assertFails(() -> strict.sendSms(phone, SIGN_UP), Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");
            strict.clock.advance(Duration.ofHours(1));
            strict.sendSms(phone, SIGN_UP);
            assertThat(strict.messagesTo(e164(phone))).isEqualTo(6);
        }
    }

    @Test
    void sendingIsRateLimitedPerCallerAddress() {
        try (AuthTestClient strict = new AuthTestClient(Map.of("chargebot.verification.per-address-hourly", 3))) {
            for (int i = 0; i < 3; i++) {
                strict.sendSms(newPhone(), SIGN_UP);
            }
            assertFails(() -> strict.sendSms(newPhone(), SIGN_UP), Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");
        }
    }
}
