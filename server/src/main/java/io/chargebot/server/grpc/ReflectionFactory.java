package io.chargebot.server.grpc;

import io.grpc.BindableService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;

/** Server reflection ({@code grpc.reflection.v1}), so buf curl and grpcurl can call the API without .proto files. */
@Factory
final class ReflectionFactory {

    @Singleton
    @Requires(property = "chargebot.grpc.reflection", notEquals = "false")
    BindableService reflectionService() {
        return ProtoReflectionServiceV1.newInstance();
    }
}
