package io.chargebot.server.auth;

import com.google.protobuf.Empty;
import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.auth.v1.AuthTokens;
import io.chargebot.auth.v1.CheckLoginIdRequest;
import io.chargebot.auth.v1.CheckLoginIdResponse;
import io.chargebot.auth.v1.FindLoginIdRequest;
import io.chargebot.auth.v1.FindLoginIdResponse;
import io.chargebot.auth.v1.IssueServiceTokenRequest;
import io.chargebot.auth.v1.IssueServiceTokenResponse;
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
import io.chargebot.auth.v1.SocialCredential;
import io.chargebot.auth.v1.VerificationChannel;
import io.chargebot.auth.v1.VerificationPurpose;
import io.chargebot.auth.v1.VerifyCodeRequest;
import io.chargebot.auth.v1.VerifyCodeResponse;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.audit.AuditLog;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.Violations;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.messaging.MessageSendException;
import io.chargebot.server.notification.Notifications;
import io.chargebot.server.social.SocialIdentity;
import io.chargebot.server.social.SocialIdentityVerifier;
import io.chargebot.server.social.SocialProvider;
import io.chargebot.server.user.Users;
import io.chargebot.user.v1.JoinPath;
import io.chargebot.user.v1.NotificationType;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** AuthService: accounts without a session (seeds 000, 001, 002, 004). */
@Singleton
final class AuthGrpcService extends AuthServiceGrpc.AuthServiceImplBase {

    private static final Logger logger = LoggerFactory.getLogger(AuthGrpcService.class);
    static final String DEFAULT_LANGUAGE = "ko";

    private final Db db;
    private final Users users;
    private final Passwords passwords;
    private final Sessions sessions;
    private final SignInThrottle throttle;
    private final Verifications verifications;
    private final SocialIdentityVerifier social;
    private final ServiceClients serviceClients;
    private final AuditLog audit;
    private final Notifications notifications;

    AuthGrpcService(Db db, Users users, Passwords passwords, Sessions sessions, SignInThrottle throttle,
                    Verifications verifications, SocialIdentityVerifier social, ServiceClients serviceClients,
                    AuditLog audit, Notifications notifications) {
        this.db = db;
        this.users = users;
        this.passwords = passwords;
        this.sessions = sessions;
        this.throttle = throttle;
        this.verifications = verifications;
        this.social = social;
        this.serviceClients = serviceClients;
        this.audit = audit;
        this.notifications = notifications;
    }

    @Override
    @Access(anonymous = true)
    public void checkLoginId(CheckLoginIdRequest request, StreamObserver<CheckLoginIdResponse> observer) {
        String loginId = Identifiers.loginId(request.getLoginId(), "login_id");
        boolean taken = db.read(connection -> users.loginIdExists(connection, loginId));
        observer.onNext(CheckLoginIdResponse.newBuilder().setAvailable(!taken).build());
        observer.onCompleted();
    }

    @Override
    @Access(anonymous = true)
    public void sendVerificationCode(SendVerificationCodeRequest request,
                                     StreamObserver<SendVerificationCodeResponse> observer) {
        Verifications.Channel channel = channel(request.getChannel(), "channel");
        Verifications.Purpose purpose = purpose(request.getPurpose(), "purpose");
        String target = target(channel, request.getTarget(), "target");
        Principal caller = Principal.current();
        boolean deliver = true;
        boolean background = false;
        switch (purpose) {
            case SIGN_UP -> ensureUnused(channel, target, null);
            case CHANGE_PHONE, CHANGE_EMAIL -> {
                if (caller == null || caller.role() == Role.SERVICE) {
                    throw new ApiException(Status.Code.UNAUTHENTICATED, ErrorReason.UNAUTHENTICATED,
                            "sign in to change your phone or e-mail");
                }
                if ((purpose == Verifications.Purpose.CHANGE_PHONE) != (channel == Verifications.Channel.SMS)) {
                    throw ApiException.invalid("channel", "CHANGE_PHONE needs SMS and CHANGE_EMAIL needs EMAIL");
                }
                ensureUnused(channel, target, caller.userId());
            }
            case FIND_LOGIN_ID, RESET_PASSWORD -> {
                // Same reply and timing whether or not an account has this target.
                deliver = db.read(connection -> accountFor(connection, channel, target).isPresent());
                background = true;
            }
            default -> throw new IllegalStateException(purpose.name());
        }
        Verifications.Sent sent = verifications.send(channel, purpose, target, CallerInfo.current().address(),
                deliver, background);
        observer.onNext(SendVerificationCodeResponse.newBuilder()
                .setExpireTime(ProtoTime.timestamp(sent.expiresAt()))
                .setExpiresInSeconds(sent.expiresInSeconds())
                .setResendAfterSeconds(sent.resendAfterSeconds())
                .setCodeLength(sent.codeLength())
                .setNormalizedTarget(sent.normalizedTarget())
                .build());
        observer.onCompleted();
    }

    @Override
    @Access(anonymous = true)
    public void verifyCode(VerifyCodeRequest request, StreamObserver<VerifyCodeResponse> observer) {
        Violations violations = new Violations();
        Verifications.Channel channel = request.getChannel() == VerificationChannel.VERIFICATION_CHANNEL_UNSPECIFIED
                || request.getChannel() == VerificationChannel.UNRECOGNIZED ? null : channel(request.getChannel(), "channel");
        violations.check(channel != null, "channel", "must be SMS or EMAIL");
        violations.check(request.getCode().matches("[0-9]{6,10}"), "code", "must be the 6-10 digit code that was sent");
        violations.throwIfAny();
        Verifications.Purpose purpose = purpose(request.getPurpose(), "purpose");
        String target = target(channel, request.getTarget(), "target");
        Verifications.Proof proof = verifications.verify(channel, purpose, target, request.getCode());
        observer.onNext(VerifyCodeResponse.newBuilder()
                .setVerificationProof(proof.token())
                .setExpireTime(ProtoTime.timestamp(proof.expiresAt()))
                .build());
        observer.onCompleted();
    }

    @Override
    @Access(anonymous = true)
    public void signUp(SignUpRequest request, StreamObserver<SignUpResponse> observer) {
        Violations v = new Violations();
        String displayName = request.getDisplayName().strip();
        v.check(!displayName.isEmpty() && displayName.length() <= 100, "display_name", "must be 1..100 characters");
        v.check(Identifiers.isValidLoginId(request.getLoginId()), "login_id",
                "must be 4..30 letters, digits, '.', '_' or '-', starting with a letter or digit");
        String phone = Identifiers.normalizePhone(request.getPhone());
        v.check(phone != null, "phone", "must be a Korean mobile number such as 01012345678");
        v.check(!request.getPhoneVerificationProof().isEmpty(), "phone_verification_proof", "is required (from VerifyCode, purpose SIGN_UP)");
        String email = null;
        if (!request.getEmail().isEmpty()) {
            email = Identifiers.normalizeEmail(request.getEmail());
            v.check(email != null, "email", "must be an e-mail address of at most 254 characters");
            v.check(!request.getEmailVerificationProof().isEmpty(), "email_verification_proof",
                    "is required with an e-mail (from VerifyCode, purpose SIGN_UP, channel EMAIL)");
        }
        String organization = request.getOrganizationCode().strip();
        v.check(organization.length() <= 64, "organization_code", "must be at most 64 characters");
        String language = request.getLanguageCode().isEmpty() ? DEFAULT_LANGUAGE : request.getLanguageCode();
        v.check(language.equals("ko") || language.equals("en"), "language_code", "must be ko or en");
        v.check(request.getPassword().length() <= 1024, "password", "must be at most 128 characters");
        v.throwIfAny();
        passwords.checkPolicy(request.getPassword(), "password", request.getLoginId(), request.getPhone(), request.getEmail());

        String joinPath = "HOME";
        String snsId = null;
        if (request.hasSocial()) {
            SocialIdentity identity = verifySocial(request.getSocial(), "social");
            joinPath = identity.provider().name();
            snsId = identity.snsId();
        }
        String hash = passwords.hash(request.getPassword());
        CallerInfo caller = CallerInfo.current();
        String finalEmail = email;
        String finalJoinPath = joinPath;
        String finalSnsId = snsId;
        Sessions.Tokens tokens = db.transaction(connection -> {
            Verifications.ProvenTarget provenPhone = verifications.consume(connection, request.getPhoneVerificationProof(),
                    Verifications.Purpose.SIGN_UP, "phone_verification_proof");
            if (provenPhone.channel() != Verifications.Channel.SMS || !provenPhone.target().equals(phone)) {
                throw proofMismatch("phone_verification_proof", "was issued for another phone number");
            }
            if (finalEmail != null) {
                Verifications.ProvenTarget provenEmail = verifications.consume(connection,
                        request.getEmailVerificationProof(), Verifications.Purpose.SIGN_UP, "email_verification_proof");
                if (provenEmail.channel() != Verifications.Channel.EMAIL || !provenEmail.target().equals(finalEmail)) {
                    throw proofMismatch("email_verification_proof", "was issued for another e-mail address");
                }
            }
            UUID userId = users.insert(connection, new Users.NewAccount(request.getLoginId(), displayName, phone,
                    finalEmail, Role.USER, finalJoinPath, finalSnsId, organization.isEmpty() ? null : organization,
                    language, hash));
            audit.record(connection, userId.toString(), Role.USER.name(), "user.sign_up", "users/" + userId, null,
                    Map.of("join_path", finalJoinPath));
            notifications.account(connection, NotificationType.NOTIFICATION_TYPE_ACCOUNT_CREATED, userId);
            users.touchSignIn(connection, userId);
            return sessions.open(connection, userId, Role.USER, caller.userAgent(), caller.address());
        });
        Users.Account created = db.read(connection -> users.byId(connection, tokens.userId()))
                .orElseThrow(() -> new IllegalStateException("new account vanished"));
        observer.onNext(SignUpResponse.newBuilder()
                .setUser(Users.toProto(created))
                .setTokens(toProto(tokens))
                .build());
        observer.onCompleted();
    }

    @Override
    @Access(anonymous = true)
    public void signIn(SignInRequest request, StreamObserver<SignInResponse> observer) {
        CallerInfo caller = CallerInfo.current();
        if (request.hasSocial()) {
            if (!request.getLoginId().isEmpty() || !request.getPassword().isEmpty()) {
                throw ApiException.invalid("social", "use either login_id + password or social, not both");
            }
            SocialIdentity identity = verifySocial(request.getSocial(), "social");
            Optional<Users.Account> account = db.read(connection ->
                    users.bySocial(connection, identity.provider().name(), identity.snsId()));
            if (account.isEmpty()) {
                throw signInFailed();
            }
            SignedIn signedIn = openSession(account.get(), caller);
            observer.onNext(SignInResponse.newBuilder().setTokens(toProto(signedIn.tokens()))
                    .setUser(Users.toProto(signedIn.account())).build());
            observer.onCompleted();
            return;
        }
        Violations v = new Violations();
        v.check(!request.getLoginId().isEmpty() && request.getLoginId().length() <= 64, "login_id", "is required (at most 64 characters)");
        v.check(!request.getPassword().isEmpty() && request.getPassword().length() <= 1024, "password", "is required");
        v.throwIfAny();
        String loginId = request.getLoginId().strip();
        if (throttle.isLocked(loginId, caller.address())) {
            // Locked: the same reply as a wrong password, and this attempt does not count.
            passwords.verify(request.getPassword(), null);
            throw signInFailed();
        }
        Optional<Users.Account> account = db.read(connection -> users.byLoginId(connection, loginId));
        String hash = account.map(Users.Account::passwordHash).orElse(null);
        boolean matches = passwords.verify(request.getPassword(), hash);
        if (!matches || account.get().role() == Role.SERVICE) {
            throttle.recordFailure(loginId, caller.address());
            throw signInFailed();
        }
        Users.Account user = account.get();
        if (passwords.needsRehash(hash)) {
            String upgraded = passwords.hash(request.getPassword());
            db.transaction(connection -> {
                users.setPassword(connection, user.id(), upgraded);
                return null;
            });
        }
        SignedIn signedIn = db.transaction(connection -> {
            throttle.recordSuccess(connection, loginId);
            return open(connection, user, caller);
        });
        observer.onNext(SignInResponse.newBuilder().setTokens(toProto(signedIn.tokens()))
                .setUser(Users.toProto(signedIn.account())).build());
        observer.onCompleted();
    }

    @Override
    @Access(anonymous = true)
    public void refreshToken(RefreshTokenRequest request, StreamObserver<RefreshTokenResponse> observer) {
        if (request.getRefreshToken().isEmpty() || request.getRefreshToken().length() > 512) {
            throw ApiException.invalid("refresh_token", "is required (at most 512 characters)");
        }
        Sessions.Tokens tokens = sessions.refresh(db, request.getRefreshToken());
        observer.onNext(RefreshTokenResponse.newBuilder().setTokens(toProto(tokens)).build());
        observer.onCompleted();
    }

    @Override
    @Access({Role.USER, Role.ADMIN})
    public void signOut(SignOutRequest request, StreamObserver<Empty> observer) {
        Principal principal = Principal.require();
        db.transaction(connection -> {
            if (request.getAllSessions()) {
                sessions.revokeAll(connection, principal.userId(), null, "signed out everywhere");
            } else {
                sessions.revoke(connection, principal.sessionId(), "signed out");
            }
            return null;
        });
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    @Access(anonymous = true)
    public void findLoginId(FindLoginIdRequest request, StreamObserver<FindLoginIdResponse> observer) {
        if (request.getVerificationProof().isEmpty()) {
            throw ApiException.invalid("verification_proof", "is required (from VerifyCode, purpose FIND_LOGIN_ID)");
        }
        record Found(Verifications.ProvenTarget target, Users.Account account) {}
        Found found = db.transaction(connection -> {
            Verifications.ProvenTarget target = verifications.consume(connection, request.getVerificationProof(),
                    Verifications.Purpose.FIND_LOGIN_ID, "verification_proof");
            Users.Account account = accountFor(connection, target.channel(), target.target())
                    .orElseThrow(() -> new ApiException(Status.Code.NOT_FOUND, ErrorReason.RESOURCE_NOT_FOUND,
                            "no account uses this " + (target.channel() == Verifications.Channel.SMS ? "phone number" : "e-mail address")));
            return new Found(target, account);
        });
        try {
            verifications.notify(found.target().channel(), found.target().target(), "[ChargeBot] 아이디 안내 / Your login id",
                    "[ChargeBot] 회원님의 아이디는 " + found.account().loginId() + " 입니다. Your login id is "
                    + found.account().loginId() + ".");
        } catch (MessageSendException e) {
            logger.warn("Found login id could not be sent: {}", e.getMessage());
        }
        observer.onNext(FindLoginIdResponse.newBuilder()
                .setMaskedLoginId(Identifiers.maskLoginId(found.account().loginId()))
                .setChannel(found.target().channel() == Verifications.Channel.SMS
                        ? VerificationChannel.VERIFICATION_CHANNEL_SMS : VerificationChannel.VERIFICATION_CHANNEL_EMAIL)
                .setAccountCreateTime(ProtoTime.timestamp(found.account().createdAt()))
                .build());
        observer.onCompleted();
    }

    @Override
    @Access(anonymous = true)
    public void resetPassword(ResetPasswordRequest request, StreamObserver<Empty> observer) {
        Violations v = new Violations();
        v.check(!request.getVerificationProof().isEmpty(), "verification_proof", "is required (from VerifyCode, purpose RESET_PASSWORD)");
        v.check(request.getNewPassword().length() <= 1024, "new_password", "must be at most 128 characters");
        v.throwIfAny();
        passwords.checkPolicy(request.getNewPassword(), "new_password");
        String hash = passwords.hash(request.getNewPassword());
        db.transaction(connection -> {
            Verifications.ProvenTarget target = verifications.consume(connection, request.getVerificationProof(),
                    Verifications.Purpose.RESET_PASSWORD, "verification_proof");
            Users.Account account = accountFor(connection, target.channel(), target.target())
                    .orElseThrow(() -> new ApiException(Status.Code.NOT_FOUND, ErrorReason.RESOURCE_NOT_FOUND,
                            "no account uses this phone number or e-mail address"));
            users.setPassword(connection, account.id(), hash);
            sessions.revokeAll(connection, account.id(), null, "password reset");
            notifications.account(connection, NotificationType.NOTIFICATION_TYPE_PASSWORD_CHANGED, account.id());
            audit.record(connection, account.id().toString(), account.role().name(), "user.password_reset",
                    account.name(), null, Map.of("channel", target.channel().name()));
            return null;
        });
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    @Access(anonymous = true)
    public void issueServiceToken(IssueServiceTokenRequest request, StreamObserver<IssueServiceTokenResponse> observer) {
        Violations v = new Violations();
        v.check(request.getClientId().matches("[a-z0-9][a-z0-9._-]{2,63}"), "client_id", "must be 3..64 lower-case letters, digits, '.', '_' or '-'");
        v.check(!request.getClientSecret().isEmpty() && request.getClientSecret().length() <= 256, "client_secret", "is required (at most 256 characters)");
        v.throwIfAny();
        ServiceClients.Grant grant = serviceClients.authenticate(request.getClientId(), request.getClientSecret());
        observer.onNext(IssueServiceTokenResponse.newBuilder()
                .setTokens(AuthTokens.newBuilder()
                        .setAccessToken(grant.token().token())
                        .setTokenType("Bearer")
                        .setExpireTime(ProtoTime.timestamp(grant.token().expiresAt()))
                        .setExpiresInSeconds(grant.token().expiresInSeconds()))
                .addAllScopes(grant.scopes())
                .build());
        observer.onCompleted();
    }

    private record SignedIn(Sessions.Tokens tokens, Users.Account account) {}

    private SignedIn openSession(Users.Account account, CallerInfo caller) {
        return db.transaction(connection -> open(connection, account, caller));
    }

    private SignedIn open(java.sql.Connection connection, Users.Account account, CallerInfo caller) throws java.sql.SQLException {
        users.touchSignIn(connection, account.id());
        Sessions.Tokens tokens = sessions.open(connection, account.id(), account.role(), caller.userAgent(), caller.address());
        return new SignedIn(tokens, users.byId(connection, account.id()).orElseThrow());
    }

    private SocialIdentity verifySocial(SocialCredential credential, String field) {
        Violations v = new Violations();
        SocialProvider provider = switch (credential.getProvider()) {
            case JOIN_PATH_KAKAO -> SocialProvider.KAKAO;
            case JOIN_PATH_NAVER -> SocialProvider.NAVER;
            default -> null;
        };
        v.check(provider != null, field + ".provider", "must be JOIN_PATH_KAKAO or JOIN_PATH_NAVER");
        v.check(!credential.getAccessToken().isEmpty() && credential.getAccessToken().length() <= 4096,
                field + ".access_token", "is required (at most 4096 characters)");
        v.check(credential.getSnsId().length() <= 100, field + ".sns_id", "must be at most 100 characters");
        v.throwIfAny();
        SocialIdentity identity = social.verify(provider, credential.getAccessToken())
                .orElseThrow(() -> new ApiException(Status.Code.UNAUTHENTICATED, ErrorReason.VERIFICATION_FAILED,
                        "the " + provider.name().toLowerCase() + " access token is invalid or expired"));
        if (!credential.getSnsId().isEmpty() && !credential.getSnsId().equals(identity.snsId())) {
            throw new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.VERIFICATION_FAILED,
                    field + ".sns_id does not belong to the access token");
        }
        return identity;
    }

    private void ensureUnused(Verifications.Channel channel, String target, UUID except) {
        db.read(connection -> {
            Optional<Users.Account> owner = accountFor(connection, channel, target);
            if (owner.isPresent() && !owner.get().id().equals(except)) {
                throw channel == Verifications.Channel.SMS
                        ? new ApiException(Status.Code.ALREADY_EXISTS, ErrorReason.PHONE_TAKEN, "this phone number is already registered")
                        : new ApiException(Status.Code.ALREADY_EXISTS, ErrorReason.EMAIL_TAKEN, "this e-mail address is already registered");
            }
            return null;
        });
    }

    private Optional<Users.Account> accountFor(java.sql.Connection connection, Verifications.Channel channel, String target)
            throws java.sql.SQLException {
        return channel == Verifications.Channel.SMS ? users.byPhone(connection, target) : users.byEmail(connection, target);
    }

    static Verifications.Channel channel(VerificationChannel channel, String field) {
        return switch (channel) {
            case VERIFICATION_CHANNEL_SMS -> Verifications.Channel.SMS;
            case VERIFICATION_CHANNEL_EMAIL -> Verifications.Channel.EMAIL;
            default -> throw ApiException.invalid(field, "must be SMS or EMAIL");
        };
    }

    static Verifications.Purpose purpose(VerificationPurpose purpose, String field) {
        return switch (purpose) {
            case VERIFICATION_PURPOSE_SIGN_UP -> Verifications.Purpose.SIGN_UP;
            case VERIFICATION_PURPOSE_FIND_LOGIN_ID -> Verifications.Purpose.FIND_LOGIN_ID;
            case VERIFICATION_PURPOSE_RESET_PASSWORD -> Verifications.Purpose.RESET_PASSWORD;
            case VERIFICATION_PURPOSE_CHANGE_PHONE -> Verifications.Purpose.CHANGE_PHONE;
            case VERIFICATION_PURPOSE_CHANGE_EMAIL -> Verifications.Purpose.CHANGE_EMAIL;
            default -> throw ApiException.invalid(field, "must be one of SIGN_UP, FIND_LOGIN_ID, RESET_PASSWORD, CHANGE_PHONE, CHANGE_EMAIL");
        };
    }

    static String target(Verifications.Channel channel, String raw, String field) {
        return channel == Verifications.Channel.SMS ? Identifiers.phone(raw, field) : Identifiers.email(raw, field);
    }

    static AuthTokens toProto(Sessions.Tokens tokens) {
        return AuthTokens.newBuilder()
                .setAccessToken(tokens.access().token())
                .setTokenType("Bearer")
                .setExpireTime(ProtoTime.timestamp(tokens.access().expiresAt()))
                .setExpiresInSeconds(tokens.access().expiresInSeconds())
                .setRefreshToken(tokens.refreshToken())
                .setRefreshExpireTime(ProtoTime.timestamp(tokens.refreshExpiresAt()))
                .build();
    }

    private static ApiException signInFailed() {
        return new ApiException(Status.Code.UNAUTHENTICATED, ErrorReason.SIGN_IN_FAILED, "the login id or password is wrong");
    }

    private static ApiException proofMismatch(String field, String description) {
        return new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.VERIFICATION_FAILED, field + " " + description,
                java.util.List.of(new io.chargebot.server.error.FieldViolation(field, description)), Map.of(), null);
    }
}
