package io.chargebot.sdk;

import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.car.v1.CarServiceGrpc;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.plate.v1.PlateServiceGrpc;
import io.chargebot.reservation.v1.ReservationServiceGrpc;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.chargebot.user.v1.UserServiceGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gRPC service config of the client's channel: transparent retries of idempotent reads.
 *
 * <p>Only unary {@code Get*} and {@code List*} methods are retried, on {@code UNAVAILABLE}, with
 * exponential backoff and at most {@value #MAX_ATTEMPTS} attempts. Writes are never retried here: a
 * repeated {@code CreateReservation} could book twice. ({@link ReservationClient} retries a booking
 * itself, with the same idempotency key in every attempt.)
 */
final class ServiceConfig {

    /** Every v1 service the SDK knows. A new service is one line here. */
    static final List<ServiceDescriptor> SERVICES = Collections.unmodifiableList(Arrays.asList(
            AuthServiceGrpc.getServiceDescriptor(),
            UserServiceGrpc.getServiceDescriptor(),
            CarServiceGrpc.getServiceDescriptor(),
            ParkingServiceGrpc.getServiceDescriptor(),
            ReservationServiceGrpc.getServiceDescriptor(),
            PlateServiceGrpc.getServiceDescriptor(),
            RobotServiceGrpc.getServiceDescriptor()));

    static final int MAX_ATTEMPTS = 3;

    private ServiceConfig() {}

    /** Returns whether a method only reads and so may be retried. */
    static boolean isIdempotentRead(MethodDescriptor<?, ?> method) {
        if (method.getType() != MethodDescriptor.MethodType.UNARY) {
            return false;
        }
        String name = method.getBareMethodName();
        return name != null && (name.startsWith("Get") || name.startsWith("List"));
    }

    /** Returns the service config (in the JSON-like map form gRPC takes) for the given services. */
    static Map<String, Object> forServices(List<ServiceDescriptor> services) {
        List<Object> names = new ArrayList<>();
        for (ServiceDescriptor service : services) {
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                if (isIdempotentRead(method)) {
                    Map<String, Object> name = new LinkedHashMap<>();
                    name.put("service", method.getServiceName());
                    name.put("method", method.getBareMethodName());
                    names.add(name);
                }
            }
        }
        Map<String, Object> config = new LinkedHashMap<>();
        if (names.isEmpty()) {
            return config;
        }
        Map<String, Object> retryPolicy = new LinkedHashMap<>();
        // gRPC reads numbers in a service config map as Double.
        retryPolicy.put("maxAttempts", (double) MAX_ATTEMPTS);
        retryPolicy.put("initialBackoff", "0.2s");
        retryPolicy.put("maxBackoff", "2s");
        retryPolicy.put("backoffMultiplier", 2.0);
        retryPolicy.put("retryableStatusCodes", Collections.<Object>singletonList("UNAVAILABLE"));
        Map<String, Object> methodConfig = new LinkedHashMap<>();
        methodConfig.put("name", names);
        methodConfig.put("retryPolicy", retryPolicy);
        config.put("methodConfig", Collections.<Object>singletonList(methodConfig));
        return config;
    }
}
