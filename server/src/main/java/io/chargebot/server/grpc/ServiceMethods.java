package io.chargebot.server.grpc;

import io.grpc.stub.StreamObserver;
import java.lang.reflect.Method;

/** Finds the Java method implementing an RPC, to read its annotations ({@code @Access}, {@link NonBlocking}). */
public final class ServiceMethods {

    private ServiceMethods() {
    }

    /**
     * The method of {@code type} (or a superclass of ours) that implements {@code rpcName} ("ListParkingLots"), or
     * null when the service does not override the generated base class's method for it.
     */
    public static Method implementation(Class<?> type, String rpcName) {
        String javaName = Character.toLowerCase(rpcName.charAt(0)) + rpcName.substring(1);
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            if (c.getName().endsWith("ImplBase") || c.getName().startsWith("io.grpc.")) {
                return null;
            }
            for (Method m : c.getDeclaredMethods()) {
                // Unary and server-streaming handlers take (request, observer); client-streaming and
                // bidirectional ones take only the response observer.
                if (m.getName().equals(javaName) && (m.getParameterCount() == 2
                        || (m.getParameterCount() == 1 && m.getParameterTypes()[0] == StreamObserver.class))) {
                    return m;
                }
            }
        }
        return null;
    }
}
