package io.chargebot.bridge;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one bridge, readable at any time (logs, tests, a metrics exporter). */
public final class BridgeMetrics {

    /** MQTT messages received on robot topics. */
    public final AtomicLong received = new AtomicLong();
    /** Robot messages (telemetry items, events, connection changes) sent to the server, re-sends included. */
    public final AtomicLong forwarded = new AtomicLong();
    /** Robot messages the server confirmed stored (or duplicate). */
    public final AtomicLong stored = new AtomicLong();
    /** Robot messages the server rejected (unknown robot, invalid content). */
    public final AtomicLong rejected = new AtomicLong();
    /** MQTT messages that broke the protocol (reported as MalformedMessage). */
    public final AtomicLong malformed = new AtomicLong();
    /** MQTT messages acknowledged to the broker. */
    public final AtomicLong mqttAcked = new AtomicLong();
    /** Messages sent again because their ack did not come within the ack timeout. */
    public final AtomicLong resent = new AtomicLong();
    /** Repeats of a (robot id, sequence) that was still waiting for the server's ack. */
    public final AtomicLong duplicatesInFlight = new AtomicLong();
    /** Commands published to robots. */
    public final AtomicLong commandsPublished = new AtomicLong();
    /**
     * Commands not published: expired, bad robot id, the command queue full, or the publish failed (the server
     * re-sends).
     */
    public final AtomicLong commandsDropped = new AtomicLong();
    /** Of {@link #commandsDropped}: commands whose expire_time passed before they could be published. */
    public final AtomicLong commandsExpired = new AtomicLong();
    /** Commands that had to wait in the bridge's queue (broker's in-flight window full, or no broker connection). */
    public final AtomicLong commandsWaited = new AtomicLong();
    /** Gauge: commands waiting in the bridge's queue now. */
    public final AtomicLong commandsQueued = new AtomicLong();
    /** Connect streams opened (welcomed). */
    public final AtomicLong streamsOpened = new AtomicLong();
    /** MQTT connections established. */
    public final AtomicLong mqttConnections = new AtomicLong();

    @Override
    public String toString() {
        return "received=" + received + " forwarded=" + forwarded + " stored=" + stored + " rejected=" + rejected
                + " malformed=" + malformed + " resent=" + resent + " mqttAcked=" + mqttAcked + " duplicatesInFlight=" + duplicatesInFlight
                + " commandsPublished=" + commandsPublished + " commandsDropped=" + commandsDropped
                + " commandsExpired=" + commandsExpired + " commandsWaited=" + commandsWaited
                + " commandsQueued=" + commandsQueued
                + " streamsOpened=" + streamsOpened + " mqttConnections=" + mqttConnections;
    }
}
