package io.chargebot.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A lean unary client for gRPC-Web ({@code application/grpc-web+proto}) and, for comparison, plain gRPC
 * ({@code application/grpc+proto}) over Armeria's {@link WebClient}: the request is framed once in advance
 * and the reply is deframed and checked here (status in the trailers frame or trailers, message decoded
 * with the generated parser). It skips the gRPC call machinery of a stub, so a load generator that shares
 * the CPUs with the server spends as little as possible per call.
 */
final class RawGrpcClient {

    /** What a call produced: the decoded message, or a problem. */
    interface Result<T> {
        void succeeded(T message);

        void failed(Throwable error);
    }

    private static final MediaType GRPC_WEB_PROTO = MediaType.parse("application/grpc-web+proto");
    private static final MediaType GRPC_PROTO = MediaType.parse("application/grpc+proto");

    private final WebClient client;
    private final boolean web;
    private final String timeoutHeader;
    private final String authority;

    RawGrpcClient(ClientFactory factory, SessionProtocol protocol, Endpoint endpoint, boolean web, Duration deadline) {
        this.client = WebClient.builder(protocol, endpoint)
                .factory(factory)
                // The gRPC deadline below ends the call; this only guards against a server that never answers.
                .responseTimeout(deadline.plusSeconds(5))
                .maxResponseLength(16 << 20)
                .build();
        this.web = web;
        this.timeoutHeader = deadline.toMillis() + "m";
        this.authority = endpoint.authority();
    }

    /** The message framed as gRPC (and gRPC-Web) frame it: flag byte 0, 4-byte big-endian length, bytes. */
    static byte[] frame(MessageLite message) {
        byte[] body = message.toByteArray();
        byte[] framed = new byte[5 + body.length];
        framed[1] = (byte) (body.length >>> 24);
        framed[2] = (byte) (body.length >>> 16);
        framed[3] = (byte) (body.length >>> 8);
        framed[4] = (byte) body.length;
        System.arraycopy(body, 0, framed, 5, body.length);
        return framed;
    }

    <T> void call(String path, byte[] framedRequest, Parser<T> parser, Result<T> result) {
        RequestHeaders headers = RequestHeaders.builder(HttpMethod.POST, path)
                .authority(authority)
                .contentType(web ? GRPC_WEB_PROTO : GRPC_PROTO)
                .set("te", "trailers")
                .set("grpc-timeout", timeoutHeader)
                .set(web ? "x-grpc-web" : "grpc-accept-encoding", web ? "1" : "identity")
                .build();
        client.execute(HttpRequest.of(headers, HttpData.wrap(framedRequest))).aggregate()
              .handle((response, error) -> {
                  if (error != null) {
                      result.failed(error);
                      return null;
                  }
                  decode(response, parser, result);
                  return null;
              });
    }

    private <T> void decode(AggregatedHttpResponse response, Parser<T> parser, Result<T> result) {
        if (!response.status().equals(HttpStatus.OK)) {
            result.failed(new IllegalStateException("HTTP " + response.status() + ": "
                    + truncate(response.contentUtf8())));
            return;
        }
        // A trailers-only reply (an error, usually) carries grpc-status in the headers.
        String status = response.headers().get("grpc-status");
        String message = response.headers().get("grpc-message");
        byte[] body = response.content().array();
        T decoded = null;
        int pos = 0;
        try {
            while (pos + 5 <= body.length) {
                int flags = body[pos] & 0xFF;
                int length = ((body[pos + 1] & 0xFF) << 24) | ((body[pos + 2] & 0xFF) << 16)
                             | ((body[pos + 3] & 0xFF) << 8) | (body[pos + 4] & 0xFF);
                pos += 5;
                if (length < 0 || pos + length > body.length) {
                    throw new IllegalStateException("truncated frame");
                }
                if ((flags & 0x80) != 0) {
                    // gRPC-Web trailers frame: "name:value\r\n" lines.
                    String trailers = new String(body, pos, length, StandardCharsets.ISO_8859_1);
                    for (String line : trailers.split("\r\n")) {
                        int colon = line.indexOf(':');
                        if (colon > 0) {
                            String name = line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
                            if (name.equals("grpc-status")) {
                                status = line.substring(colon + 1).trim();
                            } else if (name.equals("grpc-message")) {
                                message = line.substring(colon + 1).trim();
                            }
                        }
                    }
                } else if ((flags & 0x01) != 0) {
                    throw new IllegalStateException("compressed message though none was accepted");
                } else {
                    if (decoded != null) {
                        throw new IllegalStateException("more than one message in a unary reply");
                    }
                    decoded = parser.parseFrom(body, pos, length);
                }
                pos += length;
            }
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            result.failed(new IllegalStateException("undecodable reply: " + e, e));
            return;
        }
        if (!web && status == null) {
            status = response.trailers().get("grpc-status");
            message = response.trailers().get("grpc-message");
        }
        if (!"0".equals(status)) {
            result.failed(new IllegalStateException("grpc-status " + status + (message == null ? "" : ": " + message)));
        } else if (pos != body.length) {
            result.failed(new IllegalStateException("trailing bytes after the last frame"));
        } else if (decoded == null) {
            result.failed(new IllegalStateException("OK without a message"));
        } else {
            result.succeeded(decoded);
        }
    }

    private static String truncate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

}
