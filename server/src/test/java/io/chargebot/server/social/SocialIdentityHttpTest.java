package io.chargebot.server.social;

import io.chargebot.server.testing.CapturedOutput;
import io.chargebot.server.testing.FakeProvider;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.config.RuntimeProfile;
import io.chargebot.server.error.ApiException;
import io.grpc.Context;
import io.grpc.Status;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Kakao and Naver adapters against real local HTTP servers speaking each provider's shape. */
class SocialIdentityHttpTest {

    private static final String TOKEN = "AAAAOLtP40eH6P5S4Z4FpFl77n3FD5I+W3ost3oDZq/nbcS+7MAYXwX==";

    private FakeProvider kakao;
    private FakeProvider naver;

    @BeforeEach
    void start() throws Exception {
        kakao = new FakeProvider();
        naver = new FakeProvider();
    }

    @AfterEach
    void stop() {
        kakao.close();
        naver.close();
    }

    private SocialIdentityVerifier verifier(String kakaoAppId, Duration requestTimeout) {
        return SocialIdentityVerifierFactory.create(new RuntimeProfile("local"), new SocialIdentityVerifierFactory.Settings(
                "real", kakao.uri("").toString(), kakaoAppId, naver.uri("/").toString(), Duration.ofSeconds(3),
                requestTimeout));
    }

    private SocialIdentityVerifier verifier() {
        return verifier(null, Duration.ofSeconds(5));
    }

    // --- Kakao -------------------------------------------------------------------------------

    @Test
    void kakaoResolvesTheTokensAccountWithTheNumericIdAsAString() throws Exception {
        kakao.respond(200, "{\"id\":1234567890123,\"connected_at\":\"2024-01-01T00:00:00Z\","
                + "\"kakao_account\":{\"email\":\"driver@kakao.com\",\"is_email_valid\":true,\"is_email_verified\":true,"
                + "\"profile\":{\"nickname\":\"드라이버\"}}}");

        Optional<SocialIdentity> identity = verifier().verify(SocialProvider.KAKAO, TOKEN);

        assertThat(identity).contains(new SocialIdentity(SocialProvider.KAKAO, "1234567890123", "driver@kakao.com", "드라이버"));
        FakeProvider.Request request = kakao.take();
        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.path()).isEqualTo("/v2/user/me");
        assertThat(request.header("Authorization")).isEqualTo("Bearer " + TOKEN);
    }

    @Test
    void kakaoPrefersTheNameAndDropsAnUnverifiedEmail() {
        kakao.respond(200, "{\"id\":42,\"kakao_account\":{\"name\":\"홍길동\",\"email\":\"x@example.com\","
                + "\"is_email_verified\":false,\"profile\":{\"nickname\":\"길동\"}}}");

        assertThat(verifier().verify(SocialProvider.KAKAO, TOKEN))
                .contains(new SocialIdentity(SocialProvider.KAKAO, "42", null, "홍길동"));
    }

    @Test
    void kakaoWithoutSharedDetailsStillGivesTheId() {
        kakao.respond(200, "{\"id\":42}");

        assertThat(verifier().verify(SocialProvider.KAKAO, TOKEN))
                .contains(new SocialIdentity(SocialProvider.KAKAO, "42", null, null));
    }

    @Test
    void kakao401IsAnInvalidToken() {
        kakao.respond(401, "{\"msg\":\"this access token does not exist\",\"code\":-401}");

        assertThat(verifier().verify(SocialProvider.KAKAO, TOKEN)).isEmpty();
    }

    @Test
    void kakaoUserNotLinkedToTheAppIsAnInvalidToken() {
        kakao.respond(400, "{\"msg\":\"NotRegisteredUserException\",\"code\":-101}");

        assertThat(verifier().verify(SocialProvider.KAKAO, TOKEN)).isEmpty();
    }

    @Test
    void kakaoChecksTheTokensAppWhenAnAppIdIsConfigured() throws Exception {
        kakao.respond(exchange -> {
            if (exchange.getRequestURI().getPath().equals("/v1/user/access_token_info")) {
                FakeProvider.json(exchange, 200, "{\"id\":42,\"expires_in\":7199,\"app_id\":1234567}");
            } else {
                FakeProvider.json(exchange, 200, "{\"id\":42}");
            }
        });

        assertThat(verifier("1234567", Duration.ofSeconds(5)).verify(SocialProvider.KAKAO, TOKEN)).isPresent();
        FakeProvider.Request tokenInfo = kakao.take();
        assertThat(tokenInfo.path()).isEqualTo("/v1/user/access_token_info");
        assertThat(tokenInfo.header("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(kakao.take().path()).isEqualTo("/v2/user/me");

        assertThat(verifier("7654321", Duration.ofSeconds(5)).verify(SocialProvider.KAKAO, TOKEN)).isEmpty();
        kakao.take();
        Thread.sleep(100);
        assertThat(kakao.requestCount()).as("no user lookup for another app's token").isZero();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"{}", "{\"id\":null}", "{\"id\":\"\"}", "{\"id\":1.5}", "[]", "not json"})
    void kakaoGarbageIsProviderUnavailable(String body) {
        kakao.respond(exchange -> raw(exchange, 200, body));

        assertUnavailable(() -> verifier().verify(SocialProvider.KAKAO, TOKEN));
    }

    // --- Naver -------------------------------------------------------------------------------

    @Test
    void naverResolvesTheTokensAccount() throws Exception {
        naver.respond(200, "{\"resultcode\":\"00\",\"message\":\"success\",\"response\":{\"id\":"
                + "\"32742776\",\"nickname\":\"드라이버\",\"email\":\"driver@naver.com\",\"name\":\"홍길동\"}}");

        Optional<SocialIdentity> identity = verifier().verify(SocialProvider.NAVER, TOKEN);

        assertThat(identity).contains(new SocialIdentity(SocialProvider.NAVER, "32742776", "driver@naver.com", "홍길동"));
        FakeProvider.Request request = naver.take();
        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.path()).isEqualTo("/v1/nid/me");
        assertThat(request.header("Authorization")).isEqualTo("Bearer " + TOKEN);
    }

    @Test
    void naverFallsBackToTheNickname() {
        naver.respond(200, "{\"resultcode\":\"00\",\"message\":\"success\",\"response\":{\"id\":\"abc\",\"nickname\":\"길동\"}}");

        assertThat(verifier().verify(SocialProvider.NAVER, TOKEN))
                .contains(new SocialIdentity(SocialProvider.NAVER, "abc", null, "길동"));
    }

    @Test
    void naver401IsAnInvalidToken() {
        naver.respond(401, "{\"resultcode\":\"024\",\"message\":\"Authentication failed (인증 실패하였습니다.)\"}");

        assertThat(verifier().verify(SocialProvider.NAVER, TOKEN)).isEmpty();
    }

    @Test
    void naverResultCodeOtherThan00IsAnInvalidToken() {
        naver.respond(200, "{\"resultcode\":\"024\",\"message\":\"Authentication failed\"}");

        assertThat(verifier().verify(SocialProvider.NAVER, TOKEN)).isEmpty();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"{}", "{\"resultcode\":\"00\"}", "{\"resultcode\":\"00\",\"response\":{\"id\":\"\"}}",
            "{\"resultcode\":\"00\",\"response\":{\"id\":12}}", "<html>oops</html>"})
    void naverGarbageIsProviderUnavailable(String body) {
        naver.respond(exchange -> raw(exchange, 200, body));

        assertUnavailable(() -> verifier().verify(SocialProvider.NAVER, TOKEN));
    }

    @Test
    void naver403IsAConfigurationProblem() {
        naver.respond(403, "{\"errorMessage\":\"Scope Status Invalid : Authentication failed.\",\"errorCode\":\"403\"}");

        try (CapturedOutput log = new CapturedOutput()) {
            assertUnavailable(() -> verifier().verify(SocialProvider.NAVER, TOKEN));
            assertThat(log.text()).contains("WARN").contains("HTTP 403").contains("configuration problem");
        }
    }

    // --- both --------------------------------------------------------------------------------

    @ParameterizedTest(name = "[{index}] HTTP {0}")
    @ValueSource(ints = {500, 502, 503, 429})
    void serverErrorsAreProviderUnavailable(int status) {
        kakao.respond(status, "{\"msg\":\"internal error\",\"code\":-1}");
        naver.respond(status, "{\"resultcode\":\"500\",\"message\":\"Internal Server Error\"}");

        assertUnavailable(() -> verifier().verify(SocialProvider.KAKAO, TOKEN));
        assertUnavailable(() -> verifier().verify(SocialProvider.NAVER, TOKEN));
    }

    @Test
    void noAnswerInTimeIsProviderUnavailable() {
        FakeProvider.Responder slow = exchange -> {
            Thread.sleep(10_000);
            FakeProvider.json(exchange, 200, "{}");
        };
        kakao.respond(slow);
        naver.respond(slow);

        assertUnavailable(() -> verifier(null, Duration.ofMillis(300)).verify(SocialProvider.KAKAO, TOKEN));
        assertUnavailable(() -> verifier(null, Duration.ofMillis(300)).verify(SocialProvider.NAVER, TOKEN));
    }

    @Test
    void aStalledBodyIsProviderUnavailable() {
        naver.respond(exchange -> {
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write("{\"resultcode\":".getBytes(StandardCharsets.UTF_8));
            out.flush();
            Thread.sleep(10_000);
        });

        assertUnavailable(() -> verifier(null, Duration.ofMillis(400)).verify(SocialProvider.NAVER, TOKEN));
    }

    @Test
    void anUnreachableProviderIsProviderUnavailable() throws Exception {
        String closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = "http://127.0.0.1:" + socket.getLocalPort();
        }
        SocialIdentityVerifier unreachable = SocialIdentityVerifierFactory.create(new RuntimeProfile("local"),
                new SocialIdentityVerifierFactory.Settings("kakao,naver", closed, null, closed, Duration.ofSeconds(3),
                        Duration.ofSeconds(5)));

        assertUnavailable(() -> unreachable.verify(SocialProvider.KAKAO, TOKEN));
        assertUnavailable(() -> unreachable.verify(SocialProvider.NAVER, TOKEN));
    }

    @Test
    void theCallersShorterGrpcDeadlineBoundsTheCall() throws Exception {
        kakao.respond(exchange -> {
            Thread.sleep(10_000);
            FakeProvider.json(exchange, 200, "{\"id\":1}");
        });
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        Context.CancellableContext context = Context.current().withDeadlineAfter(300, TimeUnit.MILLISECONDS, scheduler);
        try {
            assertThatThrownBy(() -> context.call(() -> verifier().verify(SocialProvider.KAKAO, TOKEN)))
                    .isInstanceOfSatisfying(ApiException.class,
                            e -> assertThat(e.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        } finally {
            context.cancel(null);
            scheduler.shutdownNow();
        }
    }

    @Test
    void tokensNotShapedLikeBearerTokensAreInvalidWithoutAskingAnyone() throws Exception {
        SocialIdentityVerifier verifier = verifier();

        for (String token : new String[] {"", "  ", "abc def", "abc\r\nX-Injected: 1", "토큰", "=", "a=b",
                "a".repeat(4097)}) {
            assertThat(verifier.verify(SocialProvider.KAKAO, token)).as(token).isEmpty();
            assertThat(verifier.verify(SocialProvider.NAVER, token)).as(token).isEmpty();
        }
        Thread.sleep(100);
        assertThat(kakao.requestCount() + naver.requestCount()).isZero();
    }

    @Test
    void theTokenNeverAppearsInErrorsOrLogs() {
        kakao.respond(500, "{\"msg\":\"bad token " + TOKEN + "\"}");
        naver.respond(403, "{\"message\":\"bad token " + TOKEN + "\"}");

        try (CapturedOutput log = new CapturedOutput()) {
            assertUnavailable(() -> verifier().verify(SocialProvider.KAKAO, TOKEN));
            assertUnavailable(() -> verifier().verify(SocialProvider.NAVER, TOKEN));
            kakao.respond(exchange -> raw(exchange, 200, "garbage " + TOKEN));
            assertUnavailable(() -> verifier().verify(SocialProvider.KAKAO, TOKEN));

            assertThat(log.text()).contains("Kakao").contains("Naver").doesNotContain(TOKEN).doesNotContain("AAAAOLtP40eH");
        }
    }

    @Test
    void aProviderThatIsNotEnabledIsAFailedPrecondition() {
        SocialIdentityVerifier kakaoOnly = SocialIdentityVerifierFactory.create(new RuntimeProfile("local"),
                new SocialIdentityVerifierFactory.Settings("kakao", kakao.uri("").toString(), null, null,
                        Duration.ofSeconds(3), Duration.ofSeconds(5)));

        assertThatThrownBy(() -> kakaoOnly.verify(SocialProvider.NAVER, TOKEN))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getMessage()).contains("Naver").doesNotContain(TOKEN);
                });
    }

    private static void raw(com.sun.net.httpserver.HttpExchange exchange, int status, String body) throws java.io.IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void assertUnavailable(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.reason()).isEqualTo(ErrorReason.PROVIDER_UNAVAILABLE);
                    assertThat(e.getMessage()).doesNotContain(TOKEN).doesNotContain("AAAAOLtP40eH");
                    assertThat(e.toStatusProto().toString()).doesNotContain("AAAAOLtP40eH");
                });
    }
}
