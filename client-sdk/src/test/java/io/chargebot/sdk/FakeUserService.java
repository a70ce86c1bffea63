package io.chargebot.sdk;

import com.google.protobuf.Empty;
import io.chargebot.user.v1.ChangePasswordRequest;
import io.chargebot.user.v1.DeleteUserRequest;
import io.chargebot.user.v1.Device;
import io.chargebot.user.v1.DriverLicense;
import io.chargebot.user.v1.GetDriverLicenseRequest;
import io.chargebot.user.v1.GetUserRequest;
import io.chargebot.user.v1.RegisterDeviceRequest;
import io.chargebot.user.v1.RegisterDriverLicenseRequest;
import io.chargebot.user.v1.ListNotificationsRequest;
import io.chargebot.user.v1.ListNotificationsResponse;
import io.chargebot.user.v1.UnregisterDeviceRequest;
import io.chargebot.user.v1.UpdateUserRequest;
import io.chargebot.user.v1.User;
import io.chargebot.user.v1.UserServiceGrpc;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A lite test double of UserService that, like the server, rejects every call whose bearer token
 * it does not accept with UNAUTHENTICATED (reason UNAUTHENTICATED); answers each test sets.
 */
final class FakeUserService extends UserServiceGrpc.UserServiceImplBase {

    /** The access tokens the fake accepts. */
    final Set<String> acceptedTokens = ConcurrentHashMap.newKeySet();

    volatile Function<GetUserRequest, User> onGetUser = r -> FakeAuthService.MINJI;
    volatile Function<UpdateUserRequest, User> onUpdateUser = r -> r.getUser();
    volatile Function<ChangePasswordRequest, Empty> onChangePassword = r -> Empty.getDefaultInstance();
    volatile Function<DeleteUserRequest, Empty> onDeleteUser = r -> Empty.getDefaultInstance();
    volatile Function<RegisterDriverLicenseRequest, DriverLicense> onRegisterLicense =
            r -> DriverLicense.newBuilder().setName(r.getName()).setMaskedLicenseNumber("12-34-******-12")
                    .setResultCode("00").setVerified(true).build();
    volatile Function<GetDriverLicenseRequest, DriverLicense> onGetLicense =
            r -> DriverLicense.newBuilder().setName(r.getName()).build();
    volatile Function<RegisterDeviceRequest, Device> onRegisterDevice =
            r -> r.getDevice().toBuilder().setName("users/42/devices/d1").build();
    volatile Function<UnregisterDeviceRequest, Empty> onUnregisterDevice = r -> Empty.getDefaultInstance();
    volatile Function<ListNotificationsRequest, ListNotificationsResponse> onListNotifications =
            r -> ListNotificationsResponse.getDefaultInstance();

    final AtomicInteger calls = new AtomicInteger();
    /** The deadline of each call as the server saw it. */
    final List<Deadline> deadlines = new CopyOnWriteArrayList<>();
    final List<Object> requests = new CopyOnWriteArrayList<>();
    /** The authorization header of each call ("" when none), in order. */
    final List<String> authorizations = new CopyOnWriteArrayList<>();

    FakeUserService accept(String... tokens) {
        acceptedTokens.addAll(List.of(tokens));
        return this;
    }

    private <Q, R> void answer(Function<Q, R> handler, Q request, StreamObserver<R> out) {
        calls.incrementAndGet();
        deadlines.add(Context.current().getDeadline());
        requests.add(request);
        String authorization = InProcessFixture.AUTHORIZATION.get();
        authorizations.add(authorization == null ? "" : authorization);
        if (authorization == null || !authorization.startsWith("Bearer ")
                || !acceptedTokens.contains(authorization.substring("Bearer ".length()))) {
            out.onError(Fakes.error(Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED"));
            return;
        }
        Fakes.answer(handler, request, out);
    }

    @Override
    public void getUser(GetUserRequest request, StreamObserver<User> out) {
        answer(onGetUser, request, out);
    }

    @Override
    public void updateUser(UpdateUserRequest request, StreamObserver<User> out) {
        answer(onUpdateUser, request, out);
    }

    @Override
    public void changePassword(ChangePasswordRequest request, StreamObserver<Empty> out) {
        answer(onChangePassword, request, out);
    }

    @Override
    public void deleteUser(DeleteUserRequest request, StreamObserver<Empty> out) {
        answer(onDeleteUser, request, out);
    }

    @Override
    public void registerDriverLicense(RegisterDriverLicenseRequest request, StreamObserver<DriverLicense> out) {
        answer(onRegisterLicense, request, out);
    }

    @Override
    public void getDriverLicense(GetDriverLicenseRequest request, StreamObserver<DriverLicense> out) {
        answer(onGetLicense, request, out);
    }

    @Override
    public void registerDevice(RegisterDeviceRequest request, StreamObserver<Device> out) {
        answer(onRegisterDevice, request, out);
    }

    @Override
    public void unregisterDevice(UnregisterDeviceRequest request, StreamObserver<Empty> out) {
        answer(onUnregisterDevice, request, out);
    }

    @Override
    public void listNotifications(ListNotificationsRequest request, StreamObserver<ListNotificationsResponse> out) {
        answer(onListNotifications, request, out);
    }
}
