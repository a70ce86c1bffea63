package io.chargebot.gateway;

import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.common.grpc.protocol.GrpcWebTrailers;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.logging.AccessLogWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one line per request to the {@code io.chargebot.gateway.access} logger: caller address, method, path
 * (without the query string), wire format, HTTP status, gRPC status, duration, sizes, request id and the type
 * of the exception that ended the request, if one did. It names
 * the fields it writes, so credentials ({@code authorization}, cookies, query parameters) never reach the log.
 */
final class GatewayAccessLog implements AccessLogWriter {

    private static final Logger accessLogger = LoggerFactory.getLogger("io.chargebot.gateway.access");

    @Override
    public void log(RequestLog log) {
        if (!accessLogger.isInfoEnabled()) {
            return;
        }
        final RequestContext ctx = log.context();
        final String grpcStatus = grpcStatus(log);
        final Throwable cause = log.responseCause();
        accessLogger.info("{} {} {} {} {} grpc-status={} {}ms in={}B out={}B request-id={}{}",
                          clientIp(ctx), ctx.method(), ctx.path(),
                          log.scheme().serializationFormat().uriText(),
                          log.responseHeaders().status().code(),
                          grpcStatus == null ? "-" : grpcStatus,
                          TimeUnit.NANOSECONDS.toMillis(log.totalDurationNanos()),
                          log.requestLength(), log.responseLength(),
                          requestId(ctx),
                          cause == null ? "" : " cause=" + cause.getClass().getSimpleName());
    }

    @Nullable
    private static String grpcStatus(RequestLog log) {
        final String inTrailers = log.responseTrailers().get(GrpcHeaderNames.GRPC_STATUS);
        if (inTrailers != null) {
            return inTrailers;
        }
        final String inHeaders = log.responseHeaders().get(GrpcHeaderNames.GRPC_STATUS);
        if (inHeaders != null) {
            return inHeaders;
        }
        final HttpHeaders grpcWebTrailers = GrpcWebTrailers.get(log.context());
        return grpcWebTrailers == null ? null : grpcWebTrailers.get(GrpcHeaderNames.GRPC_STATUS);
    }

    private static String clientIp(RequestContext ctx) {
        final InetSocketAddress address = ctx.remoteAddress();
        if (address == null || address.getAddress() == null) {
            return "-";
        }
        return address.getAddress().getHostAddress();
    }

    private static String requestId(RequestContext ctx) {
        if (!(ctx instanceof ServiceRequestContext)) {
            return "-";
        }
        final String requestId = RequestIdService.of((ServiceRequestContext) ctx);
        return requestId == null ? "-" : requestId;
    }
}
