package io.chargebot.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Objects;
import javax.net.SocketFactory;

/**
 * Plain TCP sockets for Paho's {@code tcp://} connections: Nagle's algorithm off and reads through a buffer.
 *
 * <ul>
 *   <li>Without TCP_NODELAY a QoS 1 subscriber of HiveMQ gets ~1,100 msg/s (each PUBACK waits for the delayed-ACK
 *       timer); with it ~25k/s.</li>
 *   <li>Paho 1.2.5 reads every packet from the socket's own stream: {@code available()} (an ioctl), the fixed header's
 *       byte, each byte of the remaining length, then the rest: four system calls or more per packet. Through
 *       {@link ReadBuffer} one read takes whatever the kernel holds, often many packets.</li>
 * </ul>
 *
 * <p>Writes are unchanged: Paho buffers each packet and flushes it on its own.
 */
public final class MqttSocketFactory extends SocketFactory {

    /** Bytes one socket read may take: a few hundred telemetry publishes. */
    static final int READ_BUFFER_BYTES = 64 * 1024;

    @Override
    public Socket createSocket() throws IOException {
        return configure(new BufferedSocket());
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

    private static Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
        Socket socket = configure(new BufferedSocket());
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

    /** A socket whose input stream is a {@link ReadBuffer} over the plain one (created once, on first use). */
    static final class BufferedSocket extends Socket {
        private InputStream input;

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (input == null) {
                input = new ReadBuffer(super.getInputStream(), READ_BUFFER_BYTES);
            }
            return input;
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
