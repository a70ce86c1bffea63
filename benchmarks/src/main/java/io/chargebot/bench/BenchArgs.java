package io.chargebot.bench;

import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.util.HashMap;
import java.util.Map;

/** What the load clients share: {@code --name=value} flags and the bearer token header. */
final class BenchArgs {

    private BenchArgs() {}

    /** {@code --name=value} arguments as a map; anything else is an error. */
    static Map<String, String> flags(String[] args) {
        Map<String, String> flags = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("unknown argument: " + arg + " (expected: --name=value)");
            }
            flags.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        return flags;
    }

    /** The value of a required flag. */
    static String required(Map<String, String> flags, String name) {
        String value = flags.get(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    /** Sends {@code authorization: Bearer <token>} with every call. */
    static ClientInterceptor bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }
}
