package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.FieldMask;
import com.google.type.Date;
import io.chargebot.user.v1.ChangePasswordRequest;
import io.chargebot.user.v1.DeleteUserRequest;
import io.chargebot.user.v1.Device;
import io.chargebot.user.v1.DevicePlatform;
import io.chargebot.user.v1.DriverLicense;
import io.chargebot.user.v1.GetDriverLicenseRequest;
import io.chargebot.user.v1.GetUserRequest;
import io.chargebot.user.v1.ListNotificationsRequest;
import io.chargebot.user.v1.ListNotificationsResponse;
import io.chargebot.user.v1.NotificationState;
import io.chargebot.user.v1.RegisterDeviceRequest;
import io.chargebot.user.v1.RegisterDriverLicenseRequest;
import io.chargebot.user.v1.UnregisterDeviceRequest;
import io.chargebot.user.v1.UpdateUserRequest;
import io.chargebot.user.v1.User;
import io.chargebot.user.v1.UserServiceGrpc;
import io.chargebot.user.v1.UserServiceGrpc.UserServiceBlockingStub;
import io.grpc.StatusRuntimeException;
import java.util.Arrays;
import javax.annotation.Nullable;

/**
 * The signed-in user's own account: profile, password, driver's licence and push devices. Get it
 * from {@link ChargeBotClient#users()}; sign in first ({@link ChargeBotClient#auth()}). Admin
 * methods ({@code ListUsers}, {@code CreateAdmin}, ...) are on {@link ChargeBotClient#userStub()}.
 *
 * <p>Calls block: on Android, call them off the main thread. Without a valid session they throw
 * {@link UnauthenticatedException} ({@link SessionExpiredException} once the refresh token is no
 * longer accepted).
 */
public final class UserClient {

    /** The resource name of the caller's own account. */
    public static final String ME = "users/me";

    private final UserServiceBlockingStub stub;
    private final SessionManager session;

    UserClient(UserServiceBlockingStub stub, SessionManager session) {
        this.stub = requireNonNull(stub, "stub");
        this.session = requireNonNull(session, "session");
    }

    static UserClient create(io.grpc.Channel channel, SessionManager session) {
        return new UserClient(UserServiceGrpc.newBlockingStub(channel), session);
    }

    /** Gets the signed-in user's account. */
    public User getMe() {
        try {
            return stub.getUser(GetUserRequest.newBuilder().setName(ME).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Updates the fields of the signed-in user's account named by {@code fieldPaths}, e.g.
     * {@code updateMe(User.newBuilder().setDisplayName("Minji").build(), "display_name")}. A changed
     * phone or e-mail needs a proof: use {@link #changePhone}, {@link #changeEmail} or the overload
     * with proofs.
     *
     * @param withChanges the new values; its name may be left empty ("users/me" is used)
     * @param fieldPaths the fields to update: display_name, phone, email, organization_code,
     *     language_code, disabled_notification_types
     * @return the updated account
     */
    public User updateMe(User withChanges, String... fieldPaths) {
        return updateMe(withChanges, null, null, fieldPaths);
    }

    /**
     * Updates fields of the signed-in user's account, with proofs for a new phone and/or e-mail.
     *
     * @param phoneProof a CHANGE_PHONE proof for the new phone, required when "phone" is updated
     * @param emailProof a CHANGE_EMAIL proof for the new e-mail, required when "email" changes to a non-empty value
     * @throws IllegalArgumentException if no field path is given
     * @throws VerificationFailedException if a proof is wrong, expired, used or for another target
     * @throws PhoneTakenException if another account uses the new phone
     * @throws EmailTakenException if another account uses the new e-mail address
     */
    public User updateMe(User withChanges, @Nullable VerificationProof phoneProof,
                         @Nullable VerificationProof emailProof, String... fieldPaths) {
        requireNonNull(withChanges, "withChanges");
        requireNonNull(fieldPaths, "fieldPaths");
        if (fieldPaths.length == 0) {
            throw new IllegalArgumentException("fieldPaths is empty: name the fields to update, e.g. \"display_name\"");
        }
        User user = withChanges.getName().isEmpty() ? withChanges.toBuilder().setName(ME).build() : withChanges;
        UpdateUserRequest.Builder request = UpdateUserRequest.newBuilder()
                .setUser(user)
                .setUpdateMask(FieldMask.newBuilder().addAllPaths(Arrays.asList(fieldPaths)));
        if (phoneProof != null) {
            request.setPhoneVerificationProof(phoneProof.proof());
        }
        if (emailProof != null) {
            request.setEmailVerificationProof(emailProof.proof());
        }
        try {
            return stub.updateUser(request.build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /** Changes the phone to the target of a CHANGE_PHONE proof (SMS). */
    public User changePhone(VerificationProof proof) {
        requireNonNull(proof, "proof");
        return updateMe(User.newBuilder().setPhone(proof.target()).build(), proof, null, "phone");
    }

    /** Changes the e-mail address to the target of a CHANGE_EMAIL proof (e-mail). */
    public User changeEmail(VerificationProof proof) {
        requireNonNull(proof, "proof");
        return updateMe(User.newBuilder().setEmail(proof.target()).build(), null, proof, "email");
    }

    /**
     * Changes the password; the user's other sessions are revoked, this one stays.
     *
     * @throws SignInFailedException if the current password is wrong
     * @throws PasswordPolicyException if the new password is too short, too long or too common
     */
    public void changePassword(String currentPassword, String newPassword) {
        requireNonNull(currentPassword, "currentPassword");
        requireNonNull(newPassword, "newPassword");
        try {
            stub.changePassword(ChangePasswordRequest.newBuilder()
                    .setName(ME).setCurrentPassword(currentPassword).setNewPassword(newPassword).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Deletes the signed-in user's account (sessions revoked, future reservations cancelled,
     * personal data erased) and clears the {@link TokenStore}.
     *
     * @param password the current password, as confirmation
     * @throws SignInFailedException if the password is wrong (nothing is deleted, the session stays)
     */
    public void deleteAccount(String password) {
        requireNonNull(password, "password");
        try {
            stub.deleteUser(DeleteUserRequest.newBuilder().setName(ME).setPassword(password).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
        session.signedOut();
    }

    /**
     * Checks a driver's licence with the licence verifier and stores the result; a licence the
     * verifier does not confirm is returned with {@code getVerified() == false}.
     *
     * @param birthDate the holder's date of birth, e.g. {@code Date.newBuilder().setYear(1990).setMonth(5).setDay(17).build()}
     * @param holderName the name as printed on the licence
     * @param licenseNumber "12-34-567890-12" (dashes and spaces optional)
     * @param serialNumber the serial (identify) number printed on the licence
     * @throws LicenseRejectedException if the verifier rejected the licence
     * @throws ProviderUnavailableException if the verifier could not be asked
     */
    public DriverLicense registerDriverLicense(Date birthDate, String holderName, String licenseNumber,
                                               String serialNumber) {
        try {
            return stub.registerDriverLicense(RegisterDriverLicenseRequest.newBuilder()
                    .setName(ME + "/driverLicense")
                    .setBirthDate(requireNonNull(birthDate, "birthDate"))
                    .setHolderName(requireNonNull(holderName, "holderName"))
                    .setLicenseNumber(requireNonNull(licenseNumber, "licenseNumber"))
                    .setSerialNumber(requireNonNull(serialNumber, "serialNumber"))
                    .build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Gets the stored licence check (masked number and the verifier's answer).
     *
     * @throws NotFoundException if no licence was registered
     */
    public DriverLicense getDriverLicense() {
        try {
            return stub.getDriverLicense(GetDriverLicenseRequest.newBuilder().setName(ME + "/driverLicense").build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Registers this device's FCM token for push notifications; registering a known token again
     * updates that device.
     *
     * @param appVersion e.g. "1.4.2 (142)", or {@code null}
     * @param deviceModel e.g. "SM-S918N", or {@code null}
     * @return the device; keep {@link Device#getName()} for {@link #unregisterDevice(String)}
     */
    public Device registerDevice(String fcmToken, DevicePlatform platform, @Nullable String appVersion,
                                 @Nullable String deviceModel) {
        Device.Builder device = Device.newBuilder()
                .setFcmToken(requireNonNull(fcmToken, "fcmToken"))
                .setPlatform(requireNonNull(platform, "platform"));
        if (appVersion != null) {
            device.setAppVersion(appVersion);
        }
        if (deviceModel != null) {
            device.setDeviceModel(deviceModel);
        }
        try {
            return stub.registerDevice(RegisterDeviceRequest.newBuilder().setParent(ME).setDevice(device).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Removes a device so it gets no more pushes; call it before signing out.
     *
     * @param name the device's resource name, from {@link #registerDevice}
     */
    public void unregisterDevice(String name) {
        requireNonNull(name, "name");
        try {
            stub.unregisterDevice(UnregisterDeviceRequest.newBuilder().setName(name).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * The signed-in user's recent notifications, newest first, each with its delivery state.
     *
     * @param pageSize 0..100; 0 means 20
     * @param pageToken {@code next_page_token} of the previous page, or {@code null} for the first
     */
    public ListNotificationsResponse listNotifications(int pageSize, @Nullable String pageToken) {
        return listNotifications(ME, pageSize, pageToken);
    }

    /**
     * An account's recent notifications, newest first, optionally only those in {@code states}.
     * Naming another account than {@code users/me} needs the ADMIN role (PERMISSION_DENIED otherwise).
     *
     * @param parent "users/me" or "users/{user_id}"
     * @param pageSize 0..100; 0 means 20
     * @param pageToken {@code next_page_token} of the previous page, or {@code null} for the first
     * @param states only notifications in these states; none means all
     */
    public ListNotificationsResponse listNotifications(String parent, int pageSize, @Nullable String pageToken,
                                                       NotificationState... states) {
        ListNotificationsRequest.Builder request = ListNotificationsRequest.newBuilder()
                .setParent(requireNonNull(parent, "parent"))
                .setPageSize(pageSize)
                .addAllStates(Arrays.asList(states));
        if (pageToken != null) {
            request.setPageToken(pageToken);
        }
        try {
            return stub.listNotifications(request.build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }
}
