package io.chargebot.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;

/**
 * Plain TCP sockets for Paho's {@code tcp://} connections: Nagle's algorithm off, reads through a buffer and, for
 * the bridge, writes gathered.
 *
 * <ul>
 *   <li>Without TCP_NODELAY a QoS 1 subscriber of HiveMQ gets ~1,100 msg/s (each PUBACK waits for the delayed-ACK
 *       timer); with it ~25k/s.</li>
 *   <li>Paho 1.2.5 reads every packet from the socket's own stream: {@code available()} (an ioctl), the fixed header's
 *       byte, each byte of the remaining length, then the rest: four system calls or more per packet. Through
 *       {@link ReadBuffer} one read takes whatever the kernel holds, often many packets.</li>
 *   <li>Paho also writes and flushes every packet on its own. With a gathering window ({@link #gathering}, the
 *       bridge's: it acknowledges a stored batch of hundreds of messages at once) what Paho flushes within the window
 *       goes out in one write, and the broker reads it with one system call instead of one per PUBACK.</li>
 * </ul>
 */
public final class MqttSocketFactory extends SocketFactory {

    /** Bytes one socket read may take: a few hundred telemetry publishes. */
    static final int READ_BUFFER_BYTES = 64 * 1024;
    /** Bytes gathered beyond which a write waits for the socket instead of the window (back-pressure). */
    static final int GATHER_LIMIT_BYTES = 1024 * 1024;
    /** Writes gathered output when a window ends; one thread for every gathering socket of the process. */
    private static final ScheduledExecutorService FLUSHER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mqtt-gathered-writes");
        t.setDaemon(true);
        return t;
    });

    /** Zero: every flush writes at once. */
    private final long gatherNanos;

    /** Sockets that write what Paho flushes at once (robots, simulators, the benchmark). */
    public MqttSocketFactory() {
        this(Duration.ZERO);
    }

    private MqttSocketFactory(Duration gather) {
        this.gatherNanos = gather.toNanos();
    }

    /**
     * Sockets whose output flushed within {@code window} of the first unwritten flush goes out in one write: at most
     * that much later, never more than {@link #GATHER_LIMIT_BYTES} held.
     */
    public static MqttSocketFactory gathering(Duration window) {
        if (window.isNegative() || window.isZero() || window.toMillis() > 100) {
            throw new IllegalArgumentException("gathering window: " + window + " (expected: more than 0, at most 100 ms)");
        }
        return new MqttSocketFactory(window);
    }

    @Override
    public Socket createSocket() throws IOException {
        return configure(new BufferedSocket(gatherNanos));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
        Socket socket = configure(new BufferedSocket(gatherNanos));
        try {
            if (local != null) {
                socket.bind(local);
            }
            socket.connect(remote);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static Socket configure(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        return socket;
    }

    /**
     * A socket whose input stream is a {@link ReadBuffer} over the plain one and, with a window, whose output stream is
     * a {@link GatheringOutput} (each created once, on first use).
     */
    static final class BufferedSocket extends Socket {
        private final long gatherNanos;
        private InputStream input;
        private GatheringOutput output;

        BufferedSocket(long gatherNanos) {
            this.gatherNanos = gatherNanos;
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (input == null) {
                input = new ReadBuffer(super.getInputStream(), READ_BUFFER_BYTES);
            }
            return input;
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (gatherNanos == 0) {
                return super.getOutputStream();
            }
            if (output == null) {
                output = new GatheringOutput(super.getOutputStream(), gatherNanos, this::closeQuietly);
            }
            return output;
        }

        /** Writes what is gathered (Paho's DISCONNECT, say) before the socket closes. */
        @Override
        public void close() throws IOException {
            GatheringOutput gathered;
            synchronized (this) {
                gathered = output;
            }
            if (gathered != null && !isClosed()) {
                try {
                    gathered.writeGathered();
                } catch (IOException e) {
                    // closing anyway
                }
            }
            super.close();
        }

        private void closeQuietly() {
            try {
                super.close();
            } catch (IOException e) {
                // the reader sees the socket closed
            }
        }
    }

    /**
     * Output for one socket that writes what was flushed when the window that the first unwritten flush opened ends.
     * A failed write closes the socket (Paho's receiver then ends the connection) and fails every later call.
     */
    static final class GatheringOutput extends OutputStream {
        private final OutputStream out;
        private final long windowNanos;
        private final Runnable closeSocket;
        private final Object writeLock = new Object();
        // Guarded by this.
        private byte[] buffer = new byte[8192];
        private int count;
        private boolean scheduled;
        private IOException failure;

        GatheringOutput(OutputStream out, long windowNanos, Runnable closeSocket) {
            this.out = out;
            this.windowNanos = windowNanos;
            this.closeSocket = closeSocket;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            boolean full;
            synchronized (this) {
                if (failure != null) {
                    throw new IOException("an earlier write failed", failure);
                }
                if (count + len > buffer.length) {
                    buffer = Arrays.copyOf(buffer, Math.max(count + len, 2 * buffer.length));
                }
                System.arraycopy(b, off, buffer, count, len);
                count += len;
                full = count >= GATHER_LIMIT_BYTES;
            }
            if (full) {
                writeGathered();
            }
        }

        /** The first flush after a write opens a window; when it ends, everything written so far goes out. */
        @Override
        public void flush() throws IOException {
            synchronized (this) {
                if (failure != null) {
                    throw new IOException("an earlier write failed", failure);
                }
                if (count == 0 || scheduled) {
                    return;
                }
                scheduled = true;
            }
            try {
                FLUSHER.schedule(this::writeOrClose, windowNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                writeGathered();
            }
        }

        private void writeOrClose() {
            try {
                writeGathered();
            } catch (IOException e) {
                closeSocket.run();
            }
        }

        /** Writes everything gathered, in order, now. */
        void writeGathered() throws IOException {
            synchronized (writeLock) {
                byte[] bytes;
                int n;
                synchronized (this) {
                    scheduled = false;
                    if (failure != null) {
                        throw new IOException("an earlier write failed", failure);
                    }
                    n = count;
                    if (n == 0) {
                        return;
                    }
                    bytes = Arrays.copyOf(buffer, n);
                    count = 0;
                }
                try {
                    out.write(bytes, 0, n);
                    out.flush();
                } catch (IOException e) {
                    synchronized (this) {
                        failure = e;
                    }
                    throw e;
                }
            }
        }

        @Override
        public void close() throws IOException {
            try {
                writeGathered();
            } finally {
                out.close();
            }
        }
    }

    /**
     * A read buffer for one reader thread. Unlike {@link java.io.BufferedInputStream} it is not synchronised, and
     * {@link #available()} answers from the buffer without a system call while it holds data. A read that times out
     * (SO_TIMEOUT) leaves it as it was.
     */
    static final class ReadBuffer extends InputStream {
        private final InputStream in;
        private final byte[] buffer;
        private int position;
        private int count;

        ReadBuffer(InputStream in, int size) {
            this.in = in;
            this.buffer = new byte[size];
        }

        /** Refills an empty buffer with one read; false at end of stream. */
        private boolean fill() throws IOException {
            int n = in.read(buffer, 0, buffer.length);
            if (n <= 0) {
                return false;
            }
            position = 0;
            count = n;
            return true;
        }

        @Override
        public int read() throws IOException {
            if (position >= count && !fill()) {
                return -1;
            }
            return buffer[position++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (position >= count) {
                if (len >= buffer.length) {
                    return in.read(b, off, len); // a large read gains nothing from the copy
                }
                if (!fill()) {
                    return -1;
                }
            }
            int n = Math.min(len, count - position);
            System.arraycopy(buffer, position, b, off, n);
            position += n;
            return n;
        }

        @Override
        public int available() throws IOException {
            return position < count ? count - position : in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
