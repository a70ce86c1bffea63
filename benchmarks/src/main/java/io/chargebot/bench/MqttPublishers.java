package io.chargebot.bench;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The telemetry benchmark's robots: MQTT v5 connections that only publish at QoS 1, written for a load client that
 * must leave the CPU to what it measures. Paho spends three threads per connection and a system call or more per
 * packet each way; here the thread that publishes for a connection writes everything it published in one pass with one
 * system call ({@link Connection#flush()}), and one selector thread reads the PUBACKs of every connection.
 *
 * <p>Each connection has a single publishing thread (the caller's contract); completions run on the reader thread.
 * Clean start, no keep-alive, no subscriptions: the broker never sends these connections a PUBLISH.
 */
final class MqttPublishers implements AutoCloseable {

    /** What the broker answered for one publish: PUBACK with a success code, or not. */
    interface Completion {
        void completed(boolean accepted);
    }

    private static final int PUBLISH_QOS1 = 0x32;
    private static final int PUBACK = 0x40;
    private static final int DISCONNECT = 0xE0;
    private static final int PROPERTY_CONTENT_TYPE = 0x03;

    private final InetSocketAddress broker;
    private final Selector selector;
    private final ConcurrentLinkedQueue<Connection> toRegister = new ConcurrentLinkedQueue<>();
    private final List<Connection> connections = new ArrayList<>();
    private final Thread reader;
    private volatile boolean closed;

    MqttPublishers(String mqttUrl) throws IOException {
        URI uri = URI.create(mqttUrl);
        if (!"tcp".equals(uri.getScheme())) {
            throw new IllegalArgumentException("the benchmark's publishers speak plain tcp:// only: " + mqttUrl);
        }
        broker = new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 1883 : uri.getPort());
        selector = Selector.open();
        reader = new Thread(this::readLoop, "mqtt-publishers-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens a clean-start MQTT v5 connection as {@code clientId} and waits for the broker's CONNACK. */
    Connection connect(String clientId) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.connect(broker);
            byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 0, 0}); // v5, clean start, no keep-alive, no properties
            body.write(id.length >> 8);
            body.write(id.length);
            body.writeBytes(id);
            ByteBuffer connect = ByteBuffer.allocate(body.size() + 5);
            connect.put((byte) 0x10);
            putVariableInt(connect, body.size());
            connect.put(body.toByteArray()).flip();
            while (connect.hasRemaining()) {
                channel.write(connect);
            }
            // CONNACK: 0x20, remaining length, flags, reason code, properties.
            ByteBuffer header = ByteBuffer.allocate(2);
            readFully(channel, header);
            if ((header.get(0) & 0xff) != 0x20) {
                throw new IOException("expected CONNACK, got packet type " + ((header.get(0) & 0xff) >> 4));
            }
            int length = header.get(1) & 0x7f;
            if ((header.get(1) & 0x80) != 0) {
                ByteBuffer second = ByteBuffer.allocate(1);
                readFully(channel, second);
                length += (second.get(0) & 0x7f) << 7;
            }
            ByteBuffer connack = ByteBuffer.allocate(length);
            readFully(channel, connack);
            int reason = connack.get(1) & 0xff;
            if (reason >= 0x80) {
                throw new IOException("broker refused " + clientId + ": reason code 0x" + Integer.toHexString(reason));
            }
            channel.configureBlocking(false);
            Connection connection = new Connection(clientId, channel);
            synchronized (connections) {
                connections.add(connection);
            }
            toRegister.add(connection);
            selector.wakeup();
            return connection;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static void readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("broker closed the connection");
            }
        }
    }

    private static void putVariableInt(ByteBuffer buffer, int value) {
        do {
            int digit = value & 0x7f;
            value >>>= 7;
            buffer.put((byte) (value > 0 ? digit | 0x80 : digit));
        } while (value > 0);
    }

    /** One robot's connection. {@link #publish} and {@link #flush} are for one thread at a time. */
    final class Connection {
        final String clientId;
        private final SocketChannel channel;
        private final ByteBuffer out = ByteBuffer.allocate(256 * 1024);
        private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        /** Publishes waiting for their PUBACK, by packet id (1..65535). */
        private final AtomicReferenceArray<Completion> waiting = new AtomicReferenceArray<>(65_536);
        private int nextPacketId;
        private volatile boolean broken;

        private Connection(String clientId, SocketChannel channel) {
            this.clientId = clientId;
            this.channel = channel;
        }

        /**
         * Queues a QoS 1 PUBLISH (content type {@code contentType}) to be written by the next {@link #flush()};
         * {@code completion} runs when its PUBACK comes, or with false when the connection breaks first.
         */
        void publish(byte[] topic, byte[] contentType, byte[] payload, Completion completion) throws IOException {
            if (broken) {
                throw new IOException(clientId + ": connection lost");
            }
            int properties = 3 + contentType.length;
            int remaining = 2 + topic.length + 2 + 1 + properties + payload.length;
            if (out.remaining() < remaining + 5) {
                flush();
                if (out.remaining() < remaining + 5) {
                    throw new IOException("packet of " + remaining + " bytes larger than the write buffer");
                }
            }
            nextPacketId = nextPacketId % 65_535 + 1;
            if (!waiting.compareAndSet(nextPacketId, null, completion)) {
                throw new IllegalStateException(clientId + ": 65,535 publishes waiting for their PUBACK");
            }
            out.put((byte) PUBLISH_QOS1);
            putVariableInt(out, remaining);
            out.putShort((short) topic.length).put(topic);
            out.putShort((short) nextPacketId);
            out.put((byte) properties);
            out.put((byte) PROPERTY_CONTENT_TYPE).putShort((short) contentType.length).put(contentType);
            out.put(payload);
        }

        /** Writes what {@link #publish} queued: one system call unless the socket's buffer is full. */
        void flush() throws IOException {
            if (out.position() == 0) {
                return;
            }
            out.flip();
            try {
                while (out.hasRemaining()) {
                    if (channel.write(out) == 0) {
                        LockSupport.parkNanos(50_000);
                    }
                }
            } catch (IOException e) {
                fail();
                throw e;
            } finally {
                out.clear();
            }
        }

        /** Reader thread: parses whole packets from {@link #in}. */
        private void received() {
            in.flip();
            while (in.remaining() >= 2) {
                int start = in.position();
                int type = in.get() & 0xff;
                int length = 0;
                int shift = 0;
                boolean complete = false;
                while (in.hasRemaining()) {
                    int b = in.get() & 0xff;
                    length |= (b & 0x7f) << shift;
                    shift += 7;
                    if ((b & 0x80) == 0) {
                        complete = true;
                        break;
                    }
                }
                if (!complete || in.remaining() < length) {
                    in.position(start);
                    break;
                }
                int bodyStart = in.position();
                if ((type & 0xf0) == PUBACK && length >= 2) {
                    int packetId = in.getShort(bodyStart) & 0xffff;
                    int reason = length >= 3 ? in.get(bodyStart + 2) & 0xff : 0;
                    Completion completion = waiting.getAndSet(packetId, null);
                    if (completion != null) {
                        completion.completed(reason < 0x80);
                    }
                } else if ((type & 0xf0) == DISCONNECT) {
                    fail();
                }
                in.position(bodyStart + length);
            }
            in.compact();
        }

        /** The connection is gone: every publish still waiting completes as not accepted. */
        private void fail() {
            broken = true;
            for (int id = 1; id < waiting.length(); id++) {
                Completion completion = waiting.getAndSet(id, null);
                if (completion != null) {
                    completion.completed(false);
                }
            }
        }

        void close() {
            try {
                if (!broken && channel.isOpen()) {
                    out.clear();
                    out.put((byte) DISCONNECT).put((byte) 0);
                    flush();
                }
            } catch (IOException e) {
                // closing anyway
            }
            try {
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
            fail();
        }
    }

    private void readLoop() {
        while (!closed) {
            try {
                selector.select(100);
                for (Connection c = toRegister.poll(); c != null; c = toRegister.poll()) {
                    c.channel.register(selector, SelectionKey.OP_READ, c);
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    Connection c = (Connection) key.attachment();
                    try {
                        if (c.channel.read(c.in) < 0) {
                            key.cancel();
                            c.fail();
                            continue;
                        }
                        c.received();
                    } catch (IOException e) {
                        key.cancel();
                        c.fail();
                    }
                }
                selector.selectedKeys().clear();
            } catch (IOException e) {
                if (!closed) {
                    throw new UncheckedIOException(e);
                }
            } catch (java.nio.channels.ClosedSelectorException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (connections) {
            for (Connection c : connections) {
                c.close();
            }
            connections.clear();
        }
        closed = true;
        selector.wakeup();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        selector.close();
    }
}
