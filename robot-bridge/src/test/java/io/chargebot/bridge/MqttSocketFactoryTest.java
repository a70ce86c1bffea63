package io.chargebot.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import org.junit.jupiter.api.Test;

/** The sockets Paho gets: no Nagle, and a read buffer that takes many packets per system call and loses nothing. */
class MqttSocketFactoryTest {

    /** A socket stream stand-in: each read returns the next scripted chunk (or throws it) and is counted. */
    private static final class ScriptedStream extends InputStream {
        final Deque<Object> script = new ArrayDeque<>();
        int reads;
        int availableCalls;

        @Override
        public int read() {
            throw new AssertionError("one-byte read reached the socket");
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            reads++;
            Object next = script.poll();
            if (next == null) {
                return -1;
            }
            if (next instanceof IOException e) {
                throw e;
            }
            byte[] chunk = (byte[]) next;
            assertThat(chunk.length).isLessThanOrEqualTo(len);
            System.arraycopy(chunk, 0, b, off, chunk.length);
            return chunk.length;
        }

        @Override
        public int available() {
            availableCalls++;
            return 7;
        }
    }

    private static byte[] bytes(int from, int count) {
        byte[] b = new byte[count];
        for (int i = 0; i < count; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    void packetsReadByteByByteAndInPiecesCostOneSocketReadPerChunk() throws IOException {
        ScriptedStream socket = new ScriptedStream();
        socket.script.add(bytes(0, 100)); // e.g. three small packets that arrived together
        MqttSocketFactory.ReadBuffer in = new MqttSocketFactory.ReadBuffer(socket, 4096);
        DataInputStream data = new DataInputStream(in); // as Paho reads: a header byte, a length byte, then the rest

        assertThat(data.readUnsignedByte()).isEqualTo(0);
        assertThat(data.readUnsignedByte()).isEqualTo(1);
        byte[] rest = new byte[30];
        data.readFully(rest);
        assertThat(rest).isEqualTo(bytes(2, 30));
        assertThat(in.available()).isEqualTo(68);
        byte[] more = new byte[68];
        data.readFully(more);
        assertThat(more).isEqualTo(bytes(32, 68));

        assertThat(socket.reads).isEqualTo(1);
        assertThat(socket.availableCalls).isZero(); // answered from the buffer while it held data
        assertThat(in.available()).isEqualTo(7);    // empty: the socket's own answer
        assertThat(socket.availableCalls).isEqualTo(1);
        assertThat(in.read()).isEqualTo(-1);
    }

    @Test
    void aPacketSplitAcrossSocketReadsAndATimeoutInBetweenLoseNoByte() throws IOException {
        ScriptedStream socket = new ScriptedStream();
        socket.script.add(bytes(0, 10));
        socket.script.add(new SocketTimeoutException("Read timed out")); // Paho's SO_TIMEOUT of 1 s, nothing came
        socket.script.add(bytes(10, 5));
        MqttSocketFactory.ReadBuffer in = new MqttSocketFactory.ReadBuffer(socket, 4096);

        byte[] first = new byte[15];
        assertThat(in.read(first, 0, 15)).isEqualTo(10); // what is buffered, without waiting for more
        assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
        assertThat(in.read()).isEqualTo(10);
        byte[] rest = new byte[4];
        assertThat(in.read(rest, 0, 4)).isEqualTo(4);
        assertThat(rest).isEqualTo(bytes(11, 4));
        assertThat(in.read(rest, 0, 0)).isZero();
        assertThat(in.read(rest, 0, 4)).isEqualTo(-1);
    }

    @Test
    void aReadLargerThanTheBufferGoesStraightToTheSocket() throws IOException {
        ScriptedStream socket = new ScriptedStream();
        socket.script.add(bytes(0, 3));
        socket.script.add(bytes(3, 64));
        MqttSocketFactory.ReadBuffer in = new MqttSocketFactory.ReadBuffer(socket, 16);

        assertThat(in.read()).isEqualTo(0);
        byte[] big = new byte[64];
        assertThat(in.read(big, 0, 64)).isEqualTo(2); // the buffered rest first
        assertThat(in.read(big, 0, 64)).isEqualTo(64);
        assertThat(big).isEqualTo(bytes(3, 64));
        assertThat(socket.reads).isEqualTo(2);
        assertThatThrownBy(() -> in.read(big, 60, 5)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void socketsHaveNoDelayAndOneBufferedStreamOverRealTcp() throws Exception {
        byte[] sent = bytes(0, 250);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread writer = new Thread(() -> {
                try (Socket peer = server.accept(); OutputStream out = peer.getOutputStream()) {
                    out.write(sent);
                    out.flush();
                    peer.getInputStream().read(); // until the client closes
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            try (Socket socket = new MqttSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                assertThat(socket.getTcpNoDelay()).isTrue();
                InputStream in = socket.getInputStream();
                assertThat(in).isInstanceOf(MqttSocketFactory.ReadBuffer.class).isSameAs(socket.getInputStream());
                byte[] received = new byte[sent.length];
                new DataInputStream(in).readFully(received);
                assertThat(Arrays.equals(received, sent)).isTrue();
            }
            writer.join(5000);
        }
    }

    /** An underlying stream that records each write (a system call on a socket), and can be made to fail. */
    private static final class RecordingStream extends OutputStream {
        final java.util.List<byte[]> writes = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile IOException fail;
        volatile boolean closed;

        @Override
        public void write(int b) {
            throw new AssertionError("one-byte write reached the socket");
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (fail != null) {
                throw fail;
            }
            writes.add(Arrays.copyOfRange(b, off, off + len));
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void whatIsFlushedWithinTheWindowGoesOutInOneWriteInOrder() throws IOException {
        RecordingStream socket = new RecordingStream();
        java.util.concurrent.atomic.AtomicInteger socketClosed = new java.util.concurrent.atomic.AtomicInteger();
        // A window no test run outlasts: nothing may be written until it ends or the socket closes.
        MqttSocketFactory.GatheringOutput out = new MqttSocketFactory.GatheringOutput(socket,
                java.util.concurrent.TimeUnit.MINUTES.toNanos(10), socketClosed::incrementAndGet);
        for (int i = 0; i < 200; i++) { // 200 PUBACKs as Paho writes them: header, body, flush
            out.write(new byte[] {0x40, 2});
            out.write(new byte[] {(byte) (i >> 8), (byte) i});
            out.flush();
        }
        assertThat(socket.writes).isEmpty();
        out.write(new byte[] {(byte) 0xE0, 0}); // DISCONNECT, then Paho closes the socket: everything goes at once
        out.close();
        assertThat(socket.writes).hasSize(1);
        byte[] written = socket.writes.get(0);
        assertThat(written).hasSize(802);
        for (int i = 0; i < 200; i++) {
            assertThat(Arrays.copyOfRange(written, 4 * i, 4 * i + 4)).containsExactly(0x40, 2, (byte) (i >> 8), (byte) i);
        }
        assertThat(Arrays.copyOfRange(written, 800, 802)).containsExactly(0xE0, 0);
        assertThat(socket.closed).isTrue();
        assertThat(socketClosed).hasValue(0);
    }

    @Test
    void theEndOfTheWindowWritesWhatWasFlushed() throws IOException {
        RecordingStream socket = new RecordingStream();
        MqttSocketFactory.GatheringOutput out = new MqttSocketFactory.GatheringOutput(socket,
                java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1), () -> { });
        out.write(new byte[] {0x40, 2, 0, 1});
        out.flush();
        Await.until("the gathered write", () -> !socket.writes.isEmpty());
        out.write(new byte[] {0x40, 2, 0, 2});
        out.flush();
        Await.until("the second window's write", () -> socket.writes.size() == 2);
        assertThat(socket.writes.get(0)).containsExactly(0x40, 2, 0, 1);
        assertThat(socket.writes.get(1)).containsExactly(0x40, 2, 0, 2);
    }

    @Test
    void moreThanTheLimitIsWrittenWithoutWaitingForTheWindow() throws IOException {
        RecordingStream socket = new RecordingStream();
        MqttSocketFactory.GatheringOutput out = new MqttSocketFactory.GatheringOutput(socket,
                java.util.concurrent.TimeUnit.SECONDS.toNanos(60), () -> { });
        byte[] chunk = bytes(0, 100);
        int chunks = MqttSocketFactory.GATHER_LIMIT_BYTES / chunk.length + 1;
        for (int i = 0; i < chunks; i++) {
            out.write(chunk);
        }
        assertThat(socket.writes).hasSize(1);
        assertThat(socket.writes.get(0)).hasSize(chunks * chunk.length);
    }

    @Test
    void aFailedGatheredWriteClosesTheSocketAndFailsWhatFollows() throws IOException {
        RecordingStream socket = new RecordingStream();
        socket.fail = new IOException("Broken pipe");
        java.util.concurrent.atomic.AtomicInteger socketClosed = new java.util.concurrent.atomic.AtomicInteger();
        MqttSocketFactory.GatheringOutput out = new MqttSocketFactory.GatheringOutput(socket,
                java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1), socketClosed::incrementAndGet);
        out.write(new byte[] {0x40, 2, 0, 1});
        out.flush();
        Await.until("the socket closed after the failed write", () -> socketClosed.get() == 1);
        assertThatThrownBy(() -> out.write(new byte[] {0x40, 2, 0, 2})).isInstanceOf(IOException.class)
                .hasRootCauseMessage("Broken pipe");
        assertThatThrownBy(out::flush).isInstanceOf(IOException.class);
        assertThat(socket.writes).isEmpty();
    }

    @Test
    void aGatheringSocketWritesWhatIsLeftBeforeItCloses() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            java.util.concurrent.CompletableFuture<byte[]> received = new java.util.concurrent.CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (Socket peer = server.accept()) {
                    received.complete(peer.getInputStream().readAllBytes());
                } catch (IOException e) {
                    received.completeExceptionally(e);
                }
            });
            reader.start();
            Socket socket = MqttSocketFactory.gathering(java.time.Duration.ofMillis(100))
                    .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            assertThat(socket.getTcpNoDelay()).isTrue();
            OutputStream out = socket.getOutputStream();
            assertThat(out).isInstanceOf(MqttSocketFactory.GatheringOutput.class).isSameAs(socket.getOutputStream());
            out.write(new byte[] {(byte) 0xE0, 0});
            out.flush();
            socket.close(); // within the window: what was gathered goes first
            assertThat(received.get(5, java.util.concurrent.TimeUnit.SECONDS)).containsExactly(0xE0, 0);
            reader.join(5000);
        }
        assertThatThrownBy(() -> MqttSocketFactory.gathering(java.time.Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MqttSocketFactory.gathering(java.time.Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
