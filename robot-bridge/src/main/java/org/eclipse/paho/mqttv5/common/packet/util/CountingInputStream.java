package org.eclipse.paho.mqttv5.common.packet.util;

import java.io.IOException;
import java.io.InputStream;

/**
 * ChargeBot's replacement for Paho 1.2.5's class of the same name, which overrides only
 * {@code read()}: Paho decodes every packet it receives through a {@code DataInputStream} over this
 * stream over a {@code ByteArrayInputStream}, so each byte of every topic and payload went through
 * {@code InputStream.read(byte[], int, int)}'s one-byte loop and the synchronised
 * {@code ByteArrayInputStream.read()}. That was 16 µs to decode one 322-byte telemetry PUBLISH, and
 * the largest share of the bridge's samples under load (docs/benchmarks.md, session 9); with the bulk
 * read below it is 0.9 µs. Same public API and counting as Paho's; the class wins over Paho's because
 * the module's own classes come first on the class path, and the shaded jars leave Paho's copy out.
 * {@code PahoPacketDecodingTest} fails if Paho's version is the one loaded.
 */
public class CountingInputStream extends InputStream {

    private final InputStream inputStream;
    private int counter;

    /** Counts the bytes read from {@code inputStream}. */
    public CountingInputStream(InputStream inputStream) {
        this.inputStream = inputStream;
    }

    @Override
    public int read() throws IOException {
        int i = inputStream.read();
        if (i != -1) {
            counter++;
        }
        return i;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = inputStream.read(b, off, len);
        if (n > 0) {
            counter += n;
        }
        return n;
    }

    /** The bytes read since construction or the last {@link #resetCounter()}. */
    public int getCounter() {
        return counter;
    }

    public void resetCounter() {
        counter = 0;
    }
}
