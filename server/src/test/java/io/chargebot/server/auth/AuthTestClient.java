package io.chargebot.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.auth.v1.AuthTokens;
import io.chargebot.auth.v1.SendVerificationCodeRequest;
import io.chargebot.auth.v1.SignInRequest;
import io.chargebot.auth.v1.SignUpRequest;
import io.chargebot.auth.v1.VerificationChannel;
import io.chargebot.auth.v1.VerificationPurpose;
import io.chargebot.auth.v1.VerifyCodeRequest;
import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.db.DatabaseSettings;
import io.chargebot.server.testing.MutableClock;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.server.testing.TestServers;
import io.chargebot.user.v1.UserServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A server on a fresh database with a movable clock, and the calls auth tests repeat. */
public final class AuthTestClient implements AutoCloseable {

    private static final AtomicInteger PHONES = new AtomicInteger(10_000_000);
    private static final Pattern CODE = Pattern.compile("\\[(\\d{6,10})]|(?<![0-9])(\\d{6})(?![0-9])");

    public final MutableClock clock = new MutableClock();
    public final DatabaseSettings database;
    public final ChargeBotServer server;
    public final ManagedChannel channel;
    public final AuthServiceGrpc.AuthServiceBlockingStub auth;
    public final UserServiceGrpc.UserServiceBlockingStub users;

    public AuthTestClient(Map<String, Object> properties) {
        this(properties, new Object[0]);
    }

    /** A server with extra singleton beans that replace the defaults of their type (e.g. a push sender). */
    public AuthTestClient(Map<String, Object> properties, Object... singletons) {
        database = TestDatabases.create();
        Object[] all = new Object[singletons.length + 1];
        all[0] = clock;
        System.arraycopy(singletons, 0, all, 1, singletons.length);
        server = TestServers.start(database, properties, all);
        channel = TestServers.channel(server);
        auth = AuthServiceGrpc.newBlockingStub(channel);
        users = UserServiceGrpc.newBlockingStub(channel);
    }

    /** Properties with limits high enough that tests of other things never hit them. */
    public static Map<String, Object> relaxedLimits() {
        return Map.of("chargebot.verification.per-address-hourly", 10_000,
                "chargebot.verification.resend-cooldown", "0s",
                "chargebot.auth.brute-force.address-threshold", 10_000,
                "chargebot.auth.max-concurrent-hashes", 4);
    }

    public static String newPhone() {
        return "010" + PHONES.incrementAndGet();
    }

    public static String e164(String nationalPhone) {
        return "+82" + nationalPhone.substring(1);
    }

    /** A stub that sends {@code authorization: Bearer <token>}. */
    public static <S extends AbstractStub<S>> S withToken(S stub, String accessToken) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + accessToken);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /**
     * The newest code sent to {@code recipient} (E.164 phone or e-mail), read from the development
     * outbox; waits up to 10 s for it, since codes for FIND_LOGIN_ID and RESET_PASSWORD are sent in
     * the background.
     */
    public String lastCode(String recipient) {
        long giveUp = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        String last = null;
        while (System.nanoTime() < giveUp) {
            try (Connection c = TestDatabases.connect(database);
                 PreparedStatement ps = c.prepareStatement(
                         "SELECT body FROM dev_outbox_messages WHERE recipient = ? AND body LIKE '%인증번호%' "
                         + "AND id > ? ORDER BY id DESC LIMIT 1")) {
                ps.setString(1, recipient);
                ps.setLong(2, codesSeen.getOrDefault(recipient, 0L));
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        last = rs.getString(1);
                        Matcher m = CODE.matcher(last);
                        assertThat(m.find()).as("a code in the message").isTrue();
                        return m.group(1) != null ? m.group(1) : m.group(2);
                    }
                }
                Thread.sleep(20);
            } catch (SQLException | InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("no new code for " + recipient + " within 10 s (last message: " + last + ")");
    }

    /** Outbox ids already present per recipient when a send began: lastCode looks only at newer ones. */
    private final java.util.Map<String, Long> codesSeen = new java.util.concurrent.ConcurrentHashMap<>();

    private void markOutbox(String recipient) {
        codesSeen.put(recipient, (long) queryInt("SELECT coalesce(max(id), 0) FROM dev_outbox_messages WHERE recipient = '"
                + recipient.replace("'", "''") + "'"));
    }

    public int messagesTo(String recipient) {
        return queryInt("SELECT count(*) FROM dev_outbox_messages WHERE recipient = '" + recipient.replace("'", "''") + "'");
    }

    public int queryInt(String sql) {
        try (Connection c = TestDatabases.connect(database); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    public void sendSms(String phone, VerificationPurpose purpose) {
        markOutbox(e164(phone));
        auth.sendVerificationCode(SendVerificationCodeRequest.newBuilder()
                .setChannel(VerificationChannel.VERIFICATION_CHANNEL_SMS).setPurpose(purpose).setTarget(phone).build());
    }

    /** Like {@link #smsProof} for a signed-in caller (CHANGE_PHONE). */
    public String smsProofAs(String accessToken, String phone, VerificationPurpose purpose) {
        markOutbox(e164(phone));
        withToken(auth, accessToken).sendVerificationCode(SendVerificationCodeRequest.newBuilder()
                .setChannel(VerificationChannel.VERIFICATION_CHANNEL_SMS).setPurpose(purpose).setTarget(phone).build());
        return auth.verifyCode(VerifyCodeRequest.newBuilder()
                .setChannel(VerificationChannel.VERIFICATION_CHANNEL_SMS).setPurpose(purpose).setTarget(phone)
                .setCode(lastCode(e164(phone))).build()).getVerificationProof();
    }

    /** Sends an SMS code for {@code purpose} and verifies it; returns the proof. */
    public String smsProof(String phone, VerificationPurpose purpose) {
        sendSms(phone, purpose);
        return auth.verifyCode(VerifyCodeRequest.newBuilder()
                .setChannel(VerificationChannel.VERIFICATION_CHANNEL_SMS).setPurpose(purpose).setTarget(phone)
                .setCode(lastCode(e164(phone))).build()).getVerificationProof();
    }

    public SignUpRequest.Builder signUpRequest(String loginId, String password, String phone) {
        return SignUpRequest.newBuilder().setDisplayName("홍길동").setLoginId(loginId).setPassword(password)
                .setPhone(phone).setPhoneVerificationProof(smsProof(phone, VerificationPurpose.VERIFICATION_PURPOSE_SIGN_UP));
    }

    /** Signs up a new driver and returns its tokens. */
    public AuthTokens signUp(String loginId, String password) {
        return auth.signUp(signUpRequest(loginId, password, newPhone()).build()).getTokens();
    }

    public AuthTokens signIn(String loginId, String password) {
        return auth.signIn(SignInRequest.newBuilder().setLoginId(loginId).setPassword(password).build()).getTokens();
    }

    public static StatusRuntimeException failure(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("expected the call to fail");
    }

    public static void assertFails(Runnable call, Status.Code code, String reason) {
        StatusRuntimeException e = failure(call);
        assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
        assertThat(reason(e)).isEqualTo(reason);
    }

    public static void assertInvalid(Runnable call, String field) {
        StatusRuntimeException e = failure(call);
        assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(fields(e)).contains(field);
    }

    public static String reason(StatusRuntimeException e) {
        return details(e, ErrorInfo.class).stream().findFirst().map(ErrorInfo::getReason).orElse("");
    }

    public static List<String> fields(StatusRuntimeException e) {
        return details(e, BadRequest.class).stream().flatMap(b -> b.getFieldViolationsList().stream())
                .map(BadRequest.FieldViolation::getField).toList();
    }

    public static <T extends com.google.protobuf.Message> List<T> details(StatusRuntimeException e, Class<T> type) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        if (status == null) {
            return List.of();
        }
        return status.getDetailsList().stream().filter(a -> a.is(type)).map(a -> {
            try {
                return a.unpack(type);
            } catch (Exception ex) {
                throw new AssertionError(ex);
            }
        }).toList();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.close();
    }
}
