package io.chargebot.bridge;

import static java.util.Objects.requireNonNull;

import io.chargebot.api.RobotIds;

/**
 * The robot topic tree, {@code {root}/{robotId}/{kind}}, with root {@code chargebot/v1/robots} in production (tests
 * use their own root so runs on a shared broker don't see each other).
 */
public final class RobotTopics {

    /** The production topic root. */
    public static final String DEFAULT_ROOT = "chargebot/v1/robots";

    /** What a topic under the root is. */
    public enum Kind {
        TELEMETRY("telemetry"),
        EVENTS("events"),
        CONNECTION("connection"),
        COMMANDS("commands");

        private final String segment;

        Kind(String segment) {
            this.segment = segment;
        }

        public String segment() {
            return segment;
        }

        static Kind ofSegment(String segment) {
            for (Kind kind : values()) {
                if (kind.segment.equals(segment)) {
                    return kind;
                }
            }
            return null;
        }
    }

    /** A topic that has the expected shape. */
    public record Parsed(String robotId, Kind kind) {
    }

    private final String root;

    public RobotTopics(String root) {
        requireNonNull(root, "root");
        if (root.isEmpty() || root.endsWith("/") || root.contains("+") || root.contains("#")) {
            throw new IllegalArgumentException("root: " + root + " (expected: a topic name without wildcards)");
        }
        this.root = root;
    }

    public String root() {
        return root;
    }

    public String topic(String robotId, Kind kind) {
        return root + '/' + robotId + '/' + kind.segment();
    }

    /** The filter that matches every robot topic (including ones with the wrong shape). */
    public String allFilter() {
        return root + "/#";
    }

    /**
     * Parses a topic; null when it is not {@code {root}/{robotId}/{kind}} with a valid robot id and a known kind.
     */
    public Parsed parse(String topic) {
        if (!topic.startsWith(root + '/')) {
            return null;
        }
        String rest = topic.substring(root.length() + 1);
        int slash = rest.indexOf('/');
        if (slash < 0 || rest.indexOf('/', slash + 1) >= 0) {
            return null;
        }
        String robotId = rest.substring(0, slash);
        Kind kind = Kind.ofSegment(rest.substring(slash + 1));
        if (kind == null || !RobotIds.valid(robotId)) {
            return null;
        }
        return new Parsed(robotId, kind);
    }

    /** The robot id segment of a topic under the root, if it looks like one; else "". */
    public String robotIdGuess(String topic) {
        if (!topic.startsWith(root + '/')) {
            return "";
        }
        String rest = topic.substring(root.length() + 1);
        int slash = rest.indexOf('/');
        String id = slash < 0 ? rest : rest.substring(0, slash);
        return RobotIds.valid(id) ? id : "";
    }
}
