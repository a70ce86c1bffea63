package io.chargebot.api;

import io.chargebot.parking.v1.ParkingServiceGrpc;
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
                ParkingServiceGrpc.getServiceDescriptor());
    }
}
