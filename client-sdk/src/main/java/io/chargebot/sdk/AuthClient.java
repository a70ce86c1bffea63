package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.auth.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import io.chargebot.auth.v1.CheckLoginIdRequest;
import io.chargebot.auth.v1.FindLoginIdRequest;
import io.chargebot.auth.v1.FindLoginIdResponse;
import io.chargebot.auth.v1.ResetPasswordRequest;
import io.chargebot.auth.v1.SendVerificationCodeRequest;
import io.chargebot.auth.v1.SendVerificationCodeResponse;
import io.chargebot.auth.v1.SignInRequest;
import io.chargebot.auth.v1.SignInResponse;
import io.chargebot.auth.v1.SignOutRequest;
import io.chargebot.auth.v1.SignUpRequest;
import io.chargebot.auth.v1.SignUpResponse;
import io.chargebot.auth.v1.SocialCredential;
import io.chargebot.auth.v1.VerificationChannel;
import io.chargebot.auth.v1.VerificationPurpose;
import io.chargebot.auth.v1.VerifyCodeRequest;
import io.chargebot.auth.v1.VerifyCodeResponse;
import io.chargebot.user.v1.JoinPath;
import io.chargebot.user.v1.User;
import io.grpc.StatusRuntimeException;
import javax.annotation.Nullable;

/**
 * Accounts without a session: login-id check, verification codes, sign-up, sign-in, sign-out,
 * finding a login id and resetting a password. Get it from {@link ChargeBotClient#auth()}.
 *
 * <p>Sign-up and sign-in save the new session's {@link Tokens} in the client's {@link TokenStore};
 * from then on every call carries the access token, refreshed as needed. Sign-out clears them.
 * Calls block: on Android, call them off the main thread. Failures are thrown as
 * {@link ChargeBotException}s, e.g. {@link LoginIdTakenException}, {@link SignInFailedException},
 * {@link VerificationFailedException}, {@link RateLimitedException}.
 *
 * <pre>{@code
 * AuthClient auth = client.auth();
 * auth.sendVerificationCode(VerificationChannel.VERIFICATION_CHANNEL_SMS,
 *         VerificationPurpose.VERIFICATION_PURPOSE_SIGN_UP, "010-1234-5678");
 * VerificationProof proof = auth.verifyCode(VerificationChannel.VERIFICATION_CHANNEL_SMS,
 *         VerificationPurpose.VERIFICATION_PURPOSE_SIGN_UP, "010-1234-5678", codeTheUserTyped);
 * User me = auth.signUp("Kim Minji", "minji", password, proof);   // signed in now
 * }</pre>
 */
public final class AuthClient {

    private final AuthServiceBlockingStub stub;
    private final SessionManager session;

    AuthClient(AuthServiceBlockingStub stub, SessionManager session) {
        this.stub = requireNonNull(stub, "stub");
        this.session = requireNonNull(session, "session");
    }

    static AuthClient create(io.grpc.Channel channel, SessionManager session) {
        return new AuthClient(AuthServiceGrpc.newBlockingStub(channel), session);
    }

    /**
     * Tells whether a login id is free (in any letter case).
     *
     * @throws InvalidArgumentException if the login id is malformed (4..30 letters, digits, '.', '_', '-')
     */
    public boolean checkLoginId(String loginId) {
        requireNonNull(loginId, "loginId");
        try {
            return stub.checkLoginId(CheckLoginIdRequest.newBuilder().setLoginId(loginId).build()).getAvailable();
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Sends a one-time code by SMS or e-mail. The reply says when the code expires
     * ({@code getExpiresInSeconds()}), when another may be sent ({@code getResendAfterSeconds()}),
     * how many digits it has and the normalised target.
     *
     * @param target a Korean mobile number ("01012345678", "010-1234-5678", "+82 10 1234 5678") for
     *     SMS, or an e-mail address for EMAIL
     * @throws PhoneTakenException for SIGN_UP / CHANGE_PHONE when an account uses the phone
     * @throws EmailTakenException for SIGN_UP / CHANGE_EMAIL when an account uses the e-mail address
     * @throws RateLimitedException when too many codes were sent; see {@link RateLimitedException#retryDelayMillis()}
     */
    public SendVerificationCodeResponse sendVerificationCode(VerificationChannel channel, VerificationPurpose purpose,
                                                             String target) {
        requireNonNull(channel, "channel");
        requireNonNull(purpose, "purpose");
        requireNonNull(target, "target");
        try {
            return stub.sendVerificationCode(SendVerificationCodeRequest.newBuilder()
                    .setChannel(channel).setPurpose(purpose).setTarget(target).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Checks a code and returns the proof to pass on (single use, valid for a few minutes).
     *
     * @throws VerificationFailedException if the code is wrong, expired or spent (5 wrong tries)
     */
    public VerificationProof verifyCode(VerificationChannel channel, VerificationPurpose purpose, String target,
                                        String code) {
        requireNonNull(channel, "channel");
        requireNonNull(purpose, "purpose");
        requireNonNull(target, "target");
        requireNonNull(code, "code");
        VerifyCodeResponse response;
        try {
            response = stub.verifyCode(VerifyCodeRequest.newBuilder()
                    .setChannel(channel).setPurpose(purpose).setTarget(target).setCode(code).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
        return new VerificationProof(response.getVerificationProof(), channel, purpose, target,
                response.hasExpireTime() ? millis(response.getExpireTime()) : 0);
    }

    /**
     * Creates an account with login id and password (join path HOME) and signs it in.
     *
     * @param phoneProof the proof of {@link #verifyCode} for SMS, purpose SIGN_UP; its target is the account's phone
     * @return the new account
     * @throws LoginIdTakenException if an account uses the login id in any letter case
     * @throws PhoneTakenException if an account uses the phone
     * @throws VerificationFailedException if the proof is wrong, expired, used or for another target
     * @throws PasswordPolicyException if the password is too short, too long or too common
     * @throws InvalidArgumentException if a field is missing or malformed
     */
    public User signUp(String displayName, String loginId, String password, VerificationProof phoneProof) {
        requireNonNull(phoneProof, "phoneProof");
        return signUp(SignUpRequest.newBuilder()
                .setDisplayName(requireNonNull(displayName, "displayName"))
                .setLoginId(requireNonNull(loginId, "loginId"))
                .setPassword(requireNonNull(password, "password"))
                .setPhone(phoneProof.target())
                .setPhoneVerificationProof(phoneProof.proof())
                .build());
    }

    /**
     * Creates an account with every option of the contract (e-mail with its proof, Kakao/Naver join
     * path with a {@link SocialCredential}, organisation code, language) and signs it in.
     *
     * @return the new account
     */
    public User signUp(SignUpRequest request) {
        requireNonNull(request, "request");
        SignUpResponse response;
        try {
            response = stub.signUp(request);
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
        session.signedIn(response.getTokens());
        return response.getUser();
    }

    /**
     * Signs in with login id (any letter case) and password.
     *
     * @return the signed-in account
     * @throws SignInFailedException for a wrong id or password or a temporarily locked account (the
     *     server does not say which)
     * @throws RateLimitedException when the caller tried too often
     */
    public User signIn(String loginId, String password) {
        return signIn(SignInRequest.newBuilder()
                .setLoginId(requireNonNull(loginId, "loginId"))
                .setPassword(requireNonNull(password, "password"))
                .build());
    }

    /** Signs in with a Kakao or Naver access token of an account linked at sign-up. */
    public User signInWithSocial(JoinPath provider, String accessToken) {
        return signInWithSocial(provider, accessToken, null);
    }

    /**
     * Signs in with a Kakao or Naver access token of an account linked at sign-up.
     *
     * @param provider {@link JoinPath#JOIN_PATH_KAKAO} or {@link JoinPath#JOIN_PATH_NAVER}
     * @param accessToken the provider's OAuth access token the app obtained
     * @param snsId the provider's user id, checked against the token when given
     * @throws ProviderUnavailableException if the provider could not be asked
     */
    public User signInWithSocial(JoinPath provider, String accessToken, @Nullable String snsId) {
        SocialCredential.Builder social = SocialCredential.newBuilder()
                .setProvider(requireNonNull(provider, "provider"))
                .setAccessToken(requireNonNull(accessToken, "accessToken"));
        if (snsId != null) {
            social.setSnsId(snsId);
        }
        return signIn(SignInRequest.newBuilder().setSocial(social).build());
    }

    private User signIn(SignInRequest request) {
        SignInResponse response;
        try {
            response = stub.signIn(request);
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
        session.signedIn(response.getTokens());
        return response.getUser();
    }

    /** Signs out of this session; see {@link #signOut(boolean)}. */
    public void signOut() {
        signOut(false);
    }

    /**
     * Revokes the session on the server and clears the {@link TokenStore}. The tokens are cleared in
     * every case; an {@code UNAUTHENTICATED} reply (the session was already over) is not an error.
     * Does nothing but clear when not signed in.
     *
     * @param allSessions also revoke every other session of the account (sign out everywhere)
     * @throws ChargeBotException for other failures (e.g. {@link UnavailableException}): the tokens
     *     are gone from this device, but the server session lives until its refresh token expires
     */
    public void signOut(boolean allSessions) {
        if (session.tokens() == null) {
            session.signedOut();
            return;
        }
        try {
            stub.signOut(SignOutRequest.newBuilder().setAllSessions(allSessions).build());
        } catch (StatusRuntimeException e) {
            ChargeBotException mapped = ErrorMapper.map(e);
            if (!(mapped instanceof UnauthenticatedException)) {
                throw mapped;
            }
        } finally {
            session.signedOut();
        }
    }

    /**
     * With a FIND_LOGIN_ID proof (SMS or e-mail), returns the account's login id masked ("qw****34");
     * the server sends the whole id to the proven phone or e-mail address.
     *
     * @throws NotFoundException if no account uses the proven target
     * @throws VerificationFailedException if the proof is wrong, expired or used
     */
    public FindLoginIdResponse findLoginId(VerificationProof proof) {
        requireNonNull(proof, "proof");
        try {
            return stub.findLoginId(FindLoginIdRequest.newBuilder().setVerificationProof(proof.proof()).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * With a RESET_PASSWORD proof, sets a new password; every session of the account is revoked.
     *
     * @throws PasswordPolicyException if the new password is too short, too long or too common
     * @throws VerificationFailedException if the proof is wrong, expired or used
     */
    public void resetPassword(VerificationProof proof, String newPassword) {
        requireNonNull(proof, "proof");
        requireNonNull(newPassword, "newPassword");
        try {
            stub.resetPassword(ResetPasswordRequest.newBuilder()
                    .setVerificationProof(proof.proof()).setNewPassword(newPassword).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /** Whether the token store holds a session (it may still turn out to be expired on the server). */
    public boolean isSignedIn() {
        return session.tokens() != null;
    }

    /** The stored tokens, or {@code null} when signed out. */
    @Nullable
    public Tokens tokens() {
        return session.tokens();
    }

    private static long millis(Timestamp t) {
        return t.getSeconds() * 1000L + t.getNanos() / 1_000_000;
    }
}
