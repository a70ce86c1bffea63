package io.chargebot.sdk;

import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.auth.v1.AuthTokens;
import io.chargebot.auth.v1.CheckLoginIdRequest;
import io.chargebot.auth.v1.CheckLoginIdResponse;
import io.chargebot.auth.v1.FindLoginIdRequest;
import io.chargebot.auth.v1.FindLoginIdResponse;
import io.chargebot.auth.v1.RefreshTokenRequest;
import io.chargebot.auth.v1.RefreshTokenResponse;
import io.chargebot.auth.v1.ResetPasswordRequest;
import io.chargebot.auth.v1.SendVerificationCodeRequest;
import io.chargebot.auth.v1.SendVerificationCodeResponse;
import io.chargebot.auth.v1.SignInRequest;
import io.chargebot.auth.v1.SignInResponse;
import io.chargebot.auth.v1.SignOutRequest;
import io.chargebot.auth.v1.SignUpRequest;
import io.chargebot.auth.v1.SignUpResponse;
import io.chargebot.auth.v1.VerifyCodeRequest;
import io.chargebot.auth.v1.VerifyCodeResponse;
import io.chargebot.user.v1.User;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** A lite test double of AuthService whose answers each test sets; records what it received. */
final class FakeAuthService extends AuthServiceGrpc.AuthServiceImplBase {

    static final User MINJI = User.newBuilder().setName("users/42").setLoginId("minji").setDisplayName("Kim Minji")
            .setPhone("+821012345678").build();

    volatile Function<CheckLoginIdRequest, CheckLoginIdResponse> onCheckLoginId =
            r -> CheckLoginIdResponse.newBuilder().setAvailable(true).build();
    volatile Function<SendVerificationCodeRequest, SendVerificationCodeResponse> onSendCode =
            r -> SendVerificationCodeResponse.newBuilder().setExpiresInSeconds(300).setResendAfterSeconds(60)
                    .setCodeLength(6).setNormalizedTarget("+821012345678").build();
    volatile Function<VerifyCodeRequest, VerifyCodeResponse> onVerifyCode =
            r -> VerifyCodeResponse.newBuilder().setVerificationProof("proof-for-" + r.getTarget())
                    .setExpireTime(Timestamp.newBuilder().setSeconds(2_000_000_000L)).build();
    volatile Function<SignUpRequest, SignUpResponse> onSignUp =
            r -> SignUpResponse.newBuilder().setUser(MINJI.toBuilder().setLoginId(r.getLoginId()))
                    .setTokens(tokens("access-1", "refresh-1", 900)).build();
    volatile Function<SignInRequest, SignInResponse> onSignIn =
            r -> SignInResponse.newBuilder().setUser(MINJI).setTokens(tokens("access-1", "refresh-1", 900)).build();
    /** By default: the n-th refresh returns "refreshed-n" / "refresh-after-n". */
    volatile Function<RefreshTokenRequest, RefreshTokenResponse> onRefresh = r -> {
        int n = this.refreshCalls.get();
        return RefreshTokenResponse.newBuilder().setTokens(tokens("refreshed-" + n, "refresh-after-" + n, 900)).build();
    };
    volatile Function<SignOutRequest, Empty> onSignOut = r -> Empty.getDefaultInstance();
    volatile Function<FindLoginIdRequest, FindLoginIdResponse> onFindLoginId =
            r -> FindLoginIdResponse.newBuilder().setMaskedLoginId("mi*ji").build();
    volatile Function<ResetPasswordRequest, Empty> onResetPassword = r -> Empty.getDefaultInstance();

    final AtomicInteger refreshCalls = new AtomicInteger();
    final AtomicInteger signOutCalls = new AtomicInteger();
    final List<Object> requests = new CopyOnWriteArrayList<>();
    /** The authorization header of each call ("" when none), in order. */
    final List<String> authorizations = new CopyOnWriteArrayList<>();

    static AuthTokens tokens(String access, String refresh, int expiresInSeconds) {
        long now = System.currentTimeMillis() / 1000;
        return AuthTokens.newBuilder()
                .setAccessToken(access)
                .setTokenType("Bearer")
                .setExpiresInSeconds(expiresInSeconds)
                .setExpireTime(Timestamp.newBuilder().setSeconds(now + expiresInSeconds))
                .setRefreshToken(refresh)
                .setRefreshExpireTime(Timestamp.newBuilder().setSeconds(now + 30 * 24 * 3600))
                .build();
    }

    private <Q, R> void answer(Function<Q, R> handler, Q request, StreamObserver<R> out) {
        requests.add(request);
        String authorization = InProcessFixture.AUTHORIZATION.get();
        authorizations.add(authorization == null ? "" : authorization);
        Fakes.answer(handler, request, out);
    }

    @Override
    public void checkLoginId(CheckLoginIdRequest request, StreamObserver<CheckLoginIdResponse> out) {
        answer(onCheckLoginId, request, out);
    }

    @Override
    public void sendVerificationCode(SendVerificationCodeRequest request,
                                     StreamObserver<SendVerificationCodeResponse> out) {
        answer(onSendCode, request, out);
    }

    @Override
    public void verifyCode(VerifyCodeRequest request, StreamObserver<VerifyCodeResponse> out) {
        answer(onVerifyCode, request, out);
    }

    @Override
    public void signUp(SignUpRequest request, StreamObserver<SignUpResponse> out) {
        answer(onSignUp, request, out);
    }

    @Override
    public void signIn(SignInRequest request, StreamObserver<SignInResponse> out) {
        answer(onSignIn, request, out);
    }

    @Override
    public void refreshToken(RefreshTokenRequest request, StreamObserver<RefreshTokenResponse> out) {
        refreshCalls.incrementAndGet();
        answer(onRefresh, request, out);
    }

    @Override
    public void signOut(SignOutRequest request, StreamObserver<Empty> out) {
        signOutCalls.incrementAndGet();
        answer(onSignOut, request, out);
    }

    @Override
    public void findLoginId(FindLoginIdRequest request, StreamObserver<FindLoginIdResponse> out) {
        answer(onFindLoginId, request, out);
    }

    @Override
    public void resetPassword(ResetPasswordRequest request, StreamObserver<Empty> out) {
        answer(onResetPassword, request, out);
    }
}
