package io.chargebot.api;

import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.car.v1.CarServiceGrpc;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.plate.v1.PlateServiceGrpc;
import io.chargebot.reservation.v1.ReservationServiceGrpc;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.chargebot.user.v1.UserServiceGrpc;
import io.grpc.ServiceDescriptor;
import java.util.List;

/** The one list of every gRPC service in the v1 contracts, for gateways and tools that serve them all. */
public final class ChargeBotApis {

    /** Domain of every {@code google.rpc.ErrorInfo} the platform sends. */
    public static final String ERROR_DOMAIN = "chargebot.io";

    private ChargeBotApis() {}

    /** Returns the descriptors of all v1 services, in a stable order. */
    public static List<ServiceDescriptor> services() {
        return List.of(
                AuthServiceGrpc.getServiceDescriptor(),
                UserServiceGrpc.getServiceDescriptor(),
                CarServiceGrpc.getServiceDescriptor(),
                ParkingServiceGrpc.getServiceDescriptor(),
                ReservationServiceGrpc.getServiceDescriptor(),
                PlateServiceGrpc.getServiceDescriptor(),
                RobotServiceGrpc.getServiceDescriptor());
    }
}
