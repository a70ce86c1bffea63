package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;

/** Attaches the client's call credentials unless the caller chose its own for the call. */
final class CallCredentialsInterceptor implements ClientInterceptor {

    private final CallCredentials credentials;

    CallCredentialsInterceptor(CallCredentials credentials) {
        this.credentials = requireNonNull(credentials, "credentials");
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
            MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
        if (callOptions.getCredentials() == null) {
            callOptions = callOptions.withCallCredentials(credentials);
        }
        return next.newCall(method, callOptions);
    }
}
