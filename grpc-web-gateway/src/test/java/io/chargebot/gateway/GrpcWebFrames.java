package io.chargebot.gateway;

import com.google.protobuf.Message;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** gRPC-Web framing as a browser client does it: 1 flag byte, 4 length bytes, payload. */
final class GrpcWebFrames {

    private static final int TRAILER_FLAG = 0x80;

    final List<byte[]> messages = new ArrayList<>();
    final Map<String, String> trailers = new LinkedHashMap<>();
    boolean sawTrailerFrame;

    private GrpcWebFrames() {}

    static byte[] frame(Message message) {
        final byte[] payload = message.toByteArray();
        final ByteBuffer buffer = ByteBuffer.allocate(5 + payload.length);
        buffer.put((byte) 0).putInt(payload.length).put(payload);
        return buffer.array();
    }

    static String textFrame(Message message) {
        return Base64.getEncoder().encodeToString(frame(message));
    }

    static GrpcWebFrames parse(byte[] body) {
        final GrpcWebFrames frames = new GrpcWebFrames();
        final ByteBuffer buffer = ByteBuffer.wrap(body);
        while (buffer.remaining() > 0) {
            final int flags = buffer.get() & 0xFF;
            final int length = buffer.getInt();
            final byte[] payload = new byte[length];
            buffer.get(payload);
            if ((flags & TRAILER_FLAG) != 0) {
                frames.sawTrailerFrame = true;
                for (String line : new String(payload, StandardCharsets.US_ASCII).split("\r\n")) {
                    if (line.isEmpty()) {
                        continue;
                    }
                    final int colon = line.indexOf(':');
                    frames.trailers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                                        line.substring(colon + 1).trim());
                }
            } else {
                frames.messages.add(payload);
            }
        }
        return frames;
    }

    /** Decodes a gRPC-Web-Text body: base64 chunks, each possibly padded, concatenated. */
    static GrpcWebFrames parseText(String body) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int start = 0;
        // Each chunk ends at its padding; decode chunk by chunk as grpc-web clients do.
        for (int i = 0; i < body.length(); i++) {
            if (body.charAt(i) == '=' && (i + 1 == body.length() || body.charAt(i + 1) != '=')) {
                out.writeBytes(Base64.getDecoder().decode(body.substring(start, i + 1)));
                start = i + 1;
            }
        }
        if (start < body.length()) {
            out.writeBytes(Base64.getDecoder().decode(body.substring(start)));
        }
        return parse(out.toByteArray());
    }
}
