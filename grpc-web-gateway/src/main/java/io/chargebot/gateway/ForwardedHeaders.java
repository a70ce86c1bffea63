package io.chargebot.gateway;

import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpHeadersBuilder;
import io.grpc.Metadata;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * Decides which headers cross the gateway.
 *
 * <p>Everything the caller sends is forwarded to the backend as metadata ({@code authorization},
 * {@code accept-language}, {@code x-request-id}, custom {@code x-*} and {@code *-bin} metadata, trace
 * context…) except what belongs to one HTTP hop or to the wire format the caller chose: pseudo-headers,
 * hop-by-hop headers, content negotiation, gRPC transport headers ({@code grpc-timeout} travels as the call's
 * deadline instead), gRPC-Web/Connect signalling, CORS and browser fetch metadata, and cookies (the platform
 * authenticates with bearer tokens; forwarding a browser's ambient cookies would only help cross-site
 * attacks). The caller's address is appended to {@code x-forwarded-for}.
 *
 * <p>Backend response headers and trailers are relayed the same way, minus the transport headers the gateway
 * writes itself ({@code content-type}, {@code grpc-status}, {@code grpc-message}, {@code grpc-encoding}…).
 * {@code grpc-status-details-bin} and application metadata pass unchanged.
 *
 * <p>The same rules apply to grpc-java {@link Metadata} (the decoding path, {@link ForwardingCallHandler}) and to
 * Armeria {@link HttpHeaders} (the byte pass-through, {@link GrpcPassThroughService}).
 */
final class ForwardedHeaders {

    static final String X_REQUEST_ID = "x-request-id";
    static final String X_FORWARDED_FOR = "x-forwarded-for";

    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
            "te", "trailer", "transfer-encoding", "upgrade", "http2-settings");

    private static final Set<String> NOT_FORWARDED_REQUEST = Set.of(
            "host", "content-type", "content-length", "content-encoding", "accept", "accept-encoding",
            "user-agent", "expect", "cookie", "origin", "referer", "pragma", "cache-control", "priority", "dnt",
            "x-grpc-web", "connect-protocol-version", "connect-timeout-ms", "connect-content-encoding",
            "connect-accept-encoding", X_FORWARDED_FOR);

    private static final Set<String> NOT_RELAYED_RESPONSE = Set.of(
            "content-type", "content-length", "content-encoding", "date", "server", "set-cookie",
            "grpc-status", "grpc-message", "grpc-encoding", "grpc-accept-encoding",
            "armeria-grpc-throwableproto-bin");

    private ForwardedHeaders() {}

    /**
     * Returns the metadata to send to the backend for a call whose caller sent {@code incoming}.
     *
     * @param requestId the request id to send when the caller sent none
     * @param remoteAddress the caller's address, appended to {@code x-forwarded-for}; {@code null} if unknown
     */
    static Metadata toBackend(Metadata incoming, String requestId, @Nullable SocketAddress remoteAddress) {
        final Metadata outgoing = new Metadata();
        String forwardedFor = null;
        for (String name : incoming.keys()) {
            final String lowerName = name.toLowerCase(Locale.ROOT);
            if (X_FORWARDED_FOR.equals(lowerName)) {
                forwardedFor = String.join(", ", incoming.getAll(asciiKey(lowerName)));
                continue;
            }
            if (!forwardsRequestHeader(lowerName)) {
                continue;
            }
            copy(incoming, outgoing, lowerName);
        }
        final Metadata.Key<String> requestIdKey = asciiKey(X_REQUEST_ID);
        if (!outgoing.containsKey(requestIdKey)) {
            outgoing.put(requestIdKey, requestId);
        }
        forwardedFor = appendClientIp(forwardedFor, remoteAddress);
        if (forwardedFor != null) {
            outgoing.put(asciiKey(X_FORWARDED_FOR), forwardedFor);
        }
        return outgoing;
    }

    /**
     * Adds to {@code outgoing} the headers to send to the backend for a request whose caller sent
     * {@code incoming}: the same selection as {@link #toBackend(Metadata, String, SocketAddress)}, values
     * ({@code -bin} ones included) copied as they are.
     */
    static void toBackend(HttpHeaders incoming, HttpHeadersBuilder outgoing, String requestId,
                          @Nullable SocketAddress remoteAddress) {
        String forwardedFor = null;
        boolean hasRequestId = false;
        for (var header : incoming) {
            final String lowerName = header.getKey().toString();
            if (X_FORWARDED_FOR.equals(lowerName)) {
                forwardedFor = forwardedFor == null ? header.getValue() : forwardedFor + ", " + header.getValue();
                continue;
            }
            if (!forwardsRequestHeader(lowerName) || !isValidMetadataName(lowerName)) {
                continue;
            }
            hasRequestId |= X_REQUEST_ID.equals(lowerName);
            outgoing.add(lowerName, header.getValue());
        }
        if (!hasRequestId) {
            outgoing.add(X_REQUEST_ID, requestId);
        }
        forwardedFor = appendClientIp(forwardedFor, remoteAddress);
        if (forwardedFor != null) {
            outgoing.add(X_FORWARDED_FOR, forwardedFor);
        }
    }

    /** Returns the backend's response headers or trailers without the transport headers the gateway writes. */
    static Metadata fromBackend(Metadata backend) {
        final Metadata relayed = new Metadata();
        for (String name : backend.keys()) {
            final String lowerName = name.toLowerCase(Locale.ROOT);
            if (relaysResponseHeader(lowerName)) {
                copy(backend, relayed, lowerName);
            }
        }
        return relayed;
    }

    /**
     * Adds to {@code relayed} the backend's response headers or trailers without the transport headers the
     * gateway writes; the same selection as {@link #fromBackend(Metadata)}.
     */
    static void fromBackend(HttpHeaders backend, HttpHeadersBuilder relayed) {
        for (var header : backend) {
            final String lowerName = header.getKey().toString();
            if (relaysResponseHeader(lowerName) && isValidMetadataName(lowerName)) {
                relayed.add(lowerName, header.getValue());
            }
        }
    }

    /** Returns whether a backend response header or trailer (lower case) is relayed to the caller. */
    static boolean relaysResponseHeader(String lowerName) {
        return !lowerName.startsWith(":") && !HOP_BY_HOP.contains(lowerName) &&
               !NOT_RELAYED_RESPONSE.contains(lowerName) && !lowerName.startsWith("access-control-");
    }

    /** Returns whether a request header (lower case) is forwarded to the backend as metadata. */
    static boolean forwardsRequestHeader(String lowerName) {
        if (lowerName.isEmpty() || lowerName.startsWith(":") || HOP_BY_HOP.contains(lowerName) ||
            NOT_FORWARDED_REQUEST.contains(lowerName)) {
            return false;
        }
        if (lowerName.startsWith("grpc-")) {
            // Transport headers (grpc-timeout, grpc-encoding, grpc-status...), except trace context.
            return "grpc-trace-bin".equals(lowerName);
        }
        return !lowerName.startsWith("access-control-") && !lowerName.startsWith("sec-") &&
               !lowerName.startsWith("armeria-");
    }

    private static void copy(Metadata from, Metadata to, String name) {
        if (!isValidMetadataName(name)) {
            return;
        }
        if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
            final Metadata.Key<byte[]> key = Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER);
            final Iterable<byte[]> values = from.getAll(key);
            if (values != null) {
                values.forEach(value -> to.put(key, value));
            }
            return;
        }
        final Metadata.Key<String> key = asciiKey(name);
        final Iterable<String> values = from.getAll(key);
        if (values != null) {
            values.forEach(value -> to.put(key, value));
        }
    }

    /** gRPC metadata names: lower-case letters, digits, '-', '_' and '.'. */
    private static boolean isValidMetadataName(String name) {
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return !name.isEmpty();
    }

    private static Metadata.Key<String> asciiKey(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }

    /** Returns {@code forwardedFor} with the caller's address appended, as the next hop reads it. */
    @Nullable
    private static String appendClientIp(@Nullable String forwardedFor, @Nullable SocketAddress remoteAddress) {
        final String clientIp = ip(remoteAddress);
        if (clientIp == null) {
            return forwardedFor;
        }
        return forwardedFor == null ? clientIp : forwardedFor + ", " + clientIp;
    }

    @Nullable
    private static String ip(@Nullable SocketAddress address) {
        if (!(address instanceof InetSocketAddress)) {
            return null;
        }
        final InetAddress inetAddress = ((InetSocketAddress) address).getAddress();
        return inetAddress == null ? null : inetAddress.getHostAddress();
    }
}
