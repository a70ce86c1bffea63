package io.chargebot.server.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real HTTP server on a free loopback port that records requests and answers as a test scripts it. */
public final class FakeProvider implements AutoCloseable {

    public record Request(String method, String path, Map<String, List<String>> headers, byte[] body) {

        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.get(0);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    @FunctionalInterface
    public interface Responder {
        void respond(HttpExchange exchange) throws IOException, InterruptedException;
    }

    /** A responder that also sees the request (its body is already read). */
    @FunctionalInterface
    public interface RequestResponder {
        void respond(HttpExchange exchange, Request request) throws IOException, InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private volatile RequestResponder responder = (exchange, request) -> json(exchange, 404, "{}");

    public FakeProvider() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try (exchange) {
                Map<String, List<String>> headers = new TreeMap<>();
                exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
                byte[] body = exchange.getRequestBody().readAllBytes();
                Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), headers, body);
                requests.add(request);
                try {
                    responder.respond(exchange, request);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } catch (IOException e) {
                // the client went away (e.g. it timed out)
            }
        });
        server.start();
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    public void respond(Responder responder) {
        this.responder = (exchange, request) -> responder.respond(exchange);
    }

    public void respond(RequestResponder responder) {
        this.responder = responder;
    }

    /** Every request gets {@code status} with {@code body} as JSON. */
    public void respond(int status, String body) {
        respond(exchange -> json(exchange, status, body));
    }

    public Request take() throws InterruptedException {
        Request request = requests.poll(5, TimeUnit.SECONDS);
        if (request == null) {
            throw new AssertionError("no request reached the fake provider");
        }
        return request;
    }

    public int requestCount() {
        return requests.size();
    }

    public static void json(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
