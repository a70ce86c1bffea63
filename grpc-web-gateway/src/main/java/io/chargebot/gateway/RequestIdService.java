package io.chargebot.gateway;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;
import io.netty.util.AttributeKey;
import java.util.UUID;

/**
 * Gives every request an {@code x-request-id}: the caller's, or a new random one that is sent to the backend
 * and returned in the response headers, so a browser's failed call can be found in the server's logs.
 */
final class RequestIdService extends SimpleDecoratingHttpService {

    /** The id made up for a request that came without one. */
    static final AttributeKey<String> REQUEST_ID =
            AttributeKey.valueOf(RequestIdService.class, "REQUEST_ID");

    RequestIdService(HttpService delegate) {
        super(delegate);
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
        final String requestId = req.headers().get(ForwardedHeaders.X_REQUEST_ID);
        if (requestId == null || requestId.isEmpty()) {
            final String assigned = UUID.randomUUID().toString();
            ctx.setAttr(REQUEST_ID, assigned);
            ctx.setAdditionalResponseHeader(ForwardedHeaders.X_REQUEST_ID, assigned);
        }
        return unwrap().serve(ctx, req);
    }

    /** Returns the request id of a request: the caller's or the assigned one; {@code null} if neither. */
    static String of(ServiceRequestContext ctx) {
        final String requestId = ctx.request().headers().get(ForwardedHeaders.X_REQUEST_ID);
        if (requestId != null && !requestId.isEmpty()) {
            return requestId;
        }
        return ctx.attr(REQUEST_ID);
    }
}
