package io.chargebot.bridge;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The proto3 JSON mapping (https://protobuf.dev/programming-guides/json/) of the robot protocol's messages, read
 * straight from the payload's bytes and written straight to bytes.
 *
 * <p>It replaces protobuf's {@code JsonFormat} on the bridge's hot path: {@code JsonFormat} first builds a Gson tree
 * of the whole payload from a decoded {@code String}, then walks it; under ten robots' telemetry that was about a
 * quarter of the platform's CPU samples. This reader makes one pass over the bytes and sets each field as it meets
 * it. It accepts what {@code JsonFormat.parser()} accepts for these messages (field by JSON or proto name; 64-bit
 * integers as numbers or strings; {@code "NaN"}, {@code "Infinity"}; enums by name or number; Timestamps in RFC 3339;
 * {@code null} for a default), with two deliberate differences, both stricter: a string field must be given a JSON
 * string (not a number or boolean), and control characters inside strings must be escaped (RFC 8259). Unknown
 * fields, duplicate fields, and trailing content are errors, as with {@code JsonFormat}.
 *
 * <p>Supports messages whose fields are scalars, enums, bytes, nested messages and {@code google.protobuf.Timestamp},
 * singular or repeated; {@link #check} refuses other well-known types and maps when a codec is built, so a new field
 * of an unsupported kind in the robot protocol fails at start-up, not at run time. Stateless and thread-safe.
 */
final class ProtoJson {

    /** A payload that is not the JSON of the expected message; the message names the field and the offset. */
    static final class SyntaxException extends Exception {
        SyntaxException(String message) {
            super(message, null, false, false);
        }
    }

    private static final int MAX_DEPTH = 32;
    private static final BigInteger MAX_UINT64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private ProtoJson() {
    }

    /** Fails unless every field of the message type (and of its nested types) can be read and written here. */
    static void check(Descriptor type) {
        check(type, 0);
    }

    private static void check(Descriptor type, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException(type.getFullName() + ": nested deeper than " + MAX_DEPTH);
        }
        for (FieldDescriptor field : type.getFields()) {
            if (field.isMapField()) {
                throw new IllegalArgumentException(field.getFullName() + ": maps are not supported");
            }
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !isTimestamp(field.getMessageType())) {
                if (field.getMessageType().getFile().getPackage().equals("google.protobuf")) {
                    throw new IllegalArgumentException(field.getFullName() + ": "
                            + field.getMessageType().getFullName() + " is not supported");
                }
                check(field.getMessageType(), depth + 1);
            }
        }
    }

    private static boolean isTimestamp(Descriptor type) {
        return type.getFullName().equals(Timestamp.getDescriptor().getFullName());
    }

    // ------------------------------------------------------------------------------------------------ reading

    /**
     * Names as UTF-8 bytes with what they name, to match a name in the input where it stands (no String decoded and
     * hashed per field of every message); a short list, so a scan comparing lengths first.
     */
    private static final class Names<T> {
        private final byte[][] names;
        private final List<T> targets;

        Names(Map<String, T> byName) {
            names = new byte[byName.size()][];
            targets = new ArrayList<>(byName.size());
            int i = 0;
            for (Map.Entry<String, T> e : byName.entrySet()) {
                names[i++] = e.getKey().getBytes(StandardCharsets.UTF_8);
                targets.add(e.getValue());
            }
        }

        /** What the bytes {@code in[from, to)} name, or null. */
        T find(byte[] in, int from, int to) {
            int length = to - from;
            for (int i = 0; i < names.length; i++) {
                if (names[i].length == length && Arrays.equals(names[i], 0, length, in, from, to)) {
                    return targets.get(i);
                }
            }
            return null;
        }
    }

    /** A message type's fields by JSON name and by proto name, built once per type. */
    private record Fields(Map<String, FieldDescriptor> byName, Names<FieldDescriptor> names) {
    }

    private static final Map<Descriptor, Fields> FIELDS = new ConcurrentHashMap<>();
    /** An enum's values by name, built once per enum. */
    private static final Map<EnumDescriptor, Names<EnumValueDescriptor>> ENUM_VALUES = new ConcurrentHashMap<>();

    private static Fields fields(Descriptor type) {
        return FIELDS.computeIfAbsent(type, t -> {
            Map<String, FieldDescriptor> fields = new HashMap<>();
            for (FieldDescriptor field : t.getFields()) {
                fields.put(field.getJsonName(), field);
                fields.put(field.getName(), field);
            }
            return new Fields(fields, new Names<>(fields));
        });
    }

    private static Names<EnumValueDescriptor> enumValues(EnumDescriptor type) {
        return ENUM_VALUES.computeIfAbsent(type, t -> {
            Map<String, EnumValueDescriptor> values = new HashMap<>();
            for (EnumValueDescriptor value : t.getValues()) {
                values.put(value.getName(), value);
            }
            return new Names<>(values);
        });
    }

    /** Merges the JSON object in {@code json} into {@code builder}; an unknown field is an error. */
    static void merge(byte[] json, Message.Builder builder) throws SyntaxException {
        merge(json, builder, false);
    }

    /**
     * Merges the JSON object in {@code json} into {@code builder}; with {@code ignoreUnknown}, fields and enum
     * values this version does not know are skipped (what robots do with commands, so the platform can add fields).
     */
    static void merge(byte[] json, Message.Builder builder, boolean ignoreUnknown) throws SyntaxException {
        Reader reader = new Reader(json, ignoreUnknown);
        reader.skipWhitespace();
        if (reader.peek() != '{') {
            throw reader.error("expected a JSON object");
        }
        reader.readObject(builder, 0);
        reader.skipWhitespace();
        if (reader.pos < json.length) {
            throw reader.error("unexpected content after the object");
        }
    }

    private static final class Reader {
        private final byte[] in;
        private int pos;
        /** Whether the last {@link #scalarText} came from a JSON string rather than a number or literal. */
        private boolean textWasString;
        /** Where the value being read starts, for errors. */
        private int valueAt;

        private final boolean ignoreUnknown;

        Reader(byte[] in, boolean ignoreUnknown) {
            this.in = in;
            this.ignoreUnknown = ignoreUnknown;
        }

        SyntaxException error(String what) {
            return new SyntaxException(what + " at offset " + pos);
        }

        SyntaxException fieldError(FieldDescriptor field, String what) {
            return new SyntaxException("field " + field.getJsonName() + ": " + what + " at offset " + valueAt);
        }

        int peek() {
            return pos < in.length ? in[pos] & 0xff : -1;
        }

        void skipWhitespace() {
            while (pos < in.length) {
                byte b = in[pos];
                if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
                    pos++;
                } else {
                    return;
                }
            }
        }

        void expect(char c) throws SyntaxException {
            skipWhitespace();
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        void readObject(Message.Builder builder, int depth) throws SyntaxException {
            if (depth > MAX_DEPTH) {
                throw error("nested deeper than " + MAX_DEPTH);
            }
            Descriptor type = builder.getDescriptorForType();
            Fields fields = fields(type);
            expect('{');
            skipWhitespace();
            if (peek() == '}') {
                pos++;
                return;
            }
            BitSet seen = new BitSet(type.getFields().size());
            Map<OneofDescriptor, FieldDescriptor> oneofs = null;
            while (true) {
                skipWhitespace();
                if (peek() != '"') {
                    throw error("expected a field name");
                }
                int nameAt = pos;
                int end = plainStringEnd();
                FieldDescriptor field = end < 0 ? null : fields.names().find(in, pos + 1, end);
                String name = null;
                if (field != null) {
                    pos = end + 1;
                } else {
                    name = readString(); // escapes, or not a name of this type
                    field = fields.byName().get(name);
                }
                if (field == null && ignoreUnknown) {
                    expect(':');
                    skipWhitespace();
                    skipValue(depth + 1);
                    if (endOfMember()) {
                        return;
                    }
                    continue;
                }
                if (field == null) {
                    pos = nameAt;
                    throw error("unknown field \"" + RobotMessageCodec.truncate(name, 64) + "\" in "
                            + type.getFullName());
                }
                if (seen.get(field.getIndex())) {
                    valueAt = nameAt;
                    throw fieldError(field, "given twice");
                }
                seen.set(field.getIndex());
                expect(':');
                skipWhitespace();
                valueAt = pos;
                if (peek() == 'n') {
                    readLiteral("null");
                    builder.clearField(field);
                } else {
                    OneofDescriptor oneof = field.getRealContainingOneof();
                    if (oneof != null) {
                        oneofs = oneofs == null ? new HashMap<>() : oneofs;
                        FieldDescriptor other = oneofs.putIfAbsent(oneof, field);
                        if (other != null) {
                            throw fieldError(field, "oneof " + oneof.getName() + " already has "
                                    + other.getJsonName());
                        }
                    }
                    if (field.isRepeated()) {
                        readArray(builder, field, depth);
                    } else {
                        Object value = readValue(builder, field, depth);
                        if (value != null) {
                            builder.setField(field, value);
                        }
                    }
                }
                if (endOfMember()) {
                    return;
                }
            }
        }

        /** After an object's member: true at its closing brace, false at a comma. */
        private boolean endOfMember() throws SyntaxException {
            skipWhitespace();
            int next = peek();
            pos++;
            if (next == '}') {
                return true;
            }
            if (next != ',') {
                pos--;
                throw error("expected ',' or '}'");
            }
            return false;
        }

        /** Skips any JSON value (an unknown field's). */
        void skipValue(int depth) throws SyntaxException {
            if (depth > MAX_DEPTH) {
                throw error("nested deeper than " + MAX_DEPTH);
            }
            int c = peek();
            switch (c) {
                case '"' -> readString();
                case 't' -> readLiteral("true");
                case 'f' -> readLiteral("false");
                case 'n' -> readLiteral("null");
                case '{', '[' -> {
                    char close = c == '{' ? '}' : ']';
                    pos++;
                    skipWhitespace();
                    if (peek() == close) {
                        pos++;
                        return;
                    }
                    while (true) {
                        skipWhitespace();
                        if (c == '{') {
                            if (peek() != '"') {
                                throw error("expected a field name");
                            }
                            readString();
                            expect(':');
                            skipWhitespace();
                        }
                        skipValue(depth + 1);
                        skipWhitespace();
                        int next = peek();
                        pos++;
                        if (next == close) {
                            return;
                        }
                        if (next != ',') {
                            pos--;
                            throw error("expected ',' or '" + close + "'");
                        }
                    }
                }
                default -> {
                    if (c == '-' || c >= '0' && c <= '9') {
                        readNumberToken();
                    } else {
                        throw error("expected a JSON value");
                    }
                }
            }
        }

        void readArray(Message.Builder builder, FieldDescriptor field, int depth) throws SyntaxException {
            if (peek() != '[') {
                throw fieldError(field, "expected an array");
            }
            pos++;
            skipWhitespace();
            if (peek() == ']') {
                pos++;
                return;
            }
            while (true) {
                skipWhitespace();
                valueAt = pos;
                if (peek() == 'n') {
                    throw fieldError(field, "null in a repeated field");
                }
                Object value = readValue(builder, field, depth);
                if (value != null) {
                    builder.addRepeatedField(field, value);
                }
                skipWhitespace();
                int next = peek();
                pos++;
                if (next == ']') {
                    return;
                }
                if (next != ',') {
                    pos--;
                    throw fieldError(field, "expected ',' or ']'");
                }
            }
        }

        Object readValue(Message.Builder builder, FieldDescriptor field, int depth) throws SyntaxException {
            switch (field.getJavaType()) {
                case MESSAGE -> {
                    if (isTimestamp(field.getMessageType())) {
                        String text = expectString(field);
                        Timestamp timestamp = timestamp(text);
                        if (timestamp == null) {
                            throw fieldError(field, "not an RFC 3339 timestamp (like 2026-11-23T08:30:00.250Z): "
                                    + quoted(text));
                        }
                        return timestamp;
                    }
                    if (peek() != '{') {
                        throw fieldError(field, "expected an object");
                    }
                    Message.Builder nested = builder.newBuilderForField(field);
                    readObject(nested, depth + 1);
                    return nested.build();
                }
                case STRING -> {
                    return expectString(field);
                }
                case ENUM -> {
                    return readEnum(field);
                }
                case BOOLEAN -> {
                    String text = scalarText(field);
                    if (text.equals("true")) {
                        return Boolean.TRUE;
                    }
                    if (text.equals("false")) {
                        return Boolean.FALSE;
                    }
                    throw fieldError(field, "expected true or false, got " + quoted(text));
                }
                case BYTE_STRING -> {
                    String text = expectString(field);
                    try {
                        return ByteString.copyFrom(Base64.getDecoder().decode(text));
                    } catch (IllegalArgumentException e) {
                        try {
                            return ByteString.copyFrom(Base64.getUrlDecoder().decode(text));
                        } catch (IllegalArgumentException e2) {
                            throw fieldError(field, "not base64");
                        }
                    }
                }
                default -> {
                    return readNumber(field, scalarText(field));
                }
            }
        }

        Object readEnum(FieldDescriptor field) throws SyntaxException {
            EnumDescriptor type = field.getEnumType();
            int end = plainStringEnd();
            if (end >= 0) {
                EnumValueDescriptor known = enumValues(type).find(in, pos + 1, end);
                if (known != null) {
                    pos = end + 1;
                    return known;
                }
            }
            String text = scalarText(field);
            EnumValueDescriptor value = type.findValueByName(text);
            if (value == null) {
                try {
                    int number = (Integer) integer(field, text, false, 32);
                    value = type.isClosed() ? type.findValueByNumber(number)
                            : type.findValueByNumberCreatingIfUnknown(number);
                } catch (SyntaxException e) {
                    value = null;
                }
            }
            if (value == null && !ignoreUnknown) {
                throw fieldError(field, "unknown " + type.getFullName() + " value " + quoted(text));
            }
            return value; // null: an unknown value, skipped
        }

        Object readNumber(FieldDescriptor field, String text) throws SyntaxException {
            return switch (field.getType()) {
                case INT32, SINT32, SFIXED32 -> integer(field, text, false, 32);
                case UINT32, FIXED32 -> integer(field, text, true, 32);
                case INT64, SINT64, SFIXED64 -> integer(field, text, false, 64);
                case UINT64, FIXED64 -> integer(field, text, true, 64);
                case DOUBLE -> floating(field, text, Double.MAX_VALUE);
                case FLOAT -> (float) floating(field, text, Float.MAX_VALUE * (1.0 + 1e-6));
                default -> throw new AssertionError(field.getType());
            };
        }

        /** An integer of the given width, from a JSON number or a string, as proto3 JSON allows (1e3, 1.0 too). */
        Object integer(FieldDescriptor field, String text, boolean unsigned, int bits) throws SyntaxException {
            try {
                if (!unsigned && bits == 64) {
                    try {
                        return Long.parseLong(text);
                    } catch (NumberFormatException e) {
                        return new BigDecimal(text).longValueExact();
                    }
                }
                if (!unsigned) {
                    try {
                        return Integer.parseInt(text);
                    } catch (NumberFormatException e) {
                        return new BigDecimal(text).intValueExact();
                    }
                }
                BigInteger value = new BigDecimal(text).toBigIntegerExact();
                BigInteger max = bits == 32 ? BigInteger.valueOf(0xFFFF_FFFFL) : MAX_UINT64;
                if (value.signum() < 0 || value.compareTo(max) > 0) {
                    throw new ArithmeticException("out of range");
                }
                return bits == 32 ? (Object) value.intValue() : (Object) value.longValue();
            } catch (NumberFormatException | ArithmeticException e) {
                throw fieldError(field, "not a " + (unsigned ? "uint" : "int") + bits + ": " + quoted(text));
            }
        }

        double floating(FieldDescriptor field, String text, double max) throws SyntaxException {
            if (textWasString) {
                switch (text) {
                    case "NaN":
                        return Double.NaN;
                    case "Infinity":
                        return Double.POSITIVE_INFINITY;
                    case "-Infinity":
                        return Double.NEGATIVE_INFINITY;
                    default:
                        break;
                }
            }
            try {
                if (textWasString) {
                    new BigDecimal(text); // a number token is valid JSON already; Java's parser takes "1d", "0x1p3"
                }
                double value = Double.parseDouble(text);
                if (Math.abs(value) > max) {
                    throw new NumberFormatException("out of range");
                }
                return value == 0 ? 0.0 : value; // as JsonFormat, which goes through BigDecimal: no -0.0
            } catch (NumberFormatException e) {
                throw fieldError(field, "not a " + field.getType().name().toLowerCase(Locale.ROOT) + ": "
                        + quoted(text));
            }
        }

        /** The text of a scalar given as a JSON number, string or boolean. */
        String scalarText(FieldDescriptor field) throws SyntaxException {
            int c = peek();
            textWasString = c == '"';
            if (c == '"') {
                return readString();
            }
            if (c == '-' || c >= '0' && c <= '9') {
                return readNumberToken();
            }
            if (c == 't') {
                readLiteral("true");
                return "true";
            }
            if (c == 'f') {
                readLiteral("false");
                return "false";
            }
            throw fieldError(field, "expected a " + expected(field));
        }

        String expectString(FieldDescriptor field) throws SyntaxException {
            if (peek() != '"') {
                throw fieldError(field, "expected a string");
            }
            return readString();
        }

        void readLiteral(String literal) throws SyntaxException {
            int n = literal.length();
            if (pos + n > in.length) {
                throw error("expected " + literal);
            }
            for (int i = 0; i < n; i++) {
                if (in[pos + i] != literal.charAt(i)) {
                    throw error("expected " + literal);
                }
            }
            pos += n;
        }

        /** A JSON number token, checked against RFC 8259's grammar. */
        String readNumberToken() throws SyntaxException {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            if (peek() == '0') {
                pos++;
            } else if (digits() == 0) {
                throw error("malformed number");
            }
            if (peek() == '.') {
                pos++;
                if (digits() == 0) {
                    throw error("malformed number");
                }
            }
            if (peek() == 'e' || peek() == 'E') {
                pos++;
                if (peek() == '+' || peek() == '-') {
                    pos++;
                }
                if (digits() == 0) {
                    throw error("malformed number");
                }
            }
            return new String(in, start, pos - start, StandardCharsets.ISO_8859_1);
        }

        private int digits() {
            int start = pos;
            while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
                pos++;
            }
            return pos - start;
        }

        /** A JSON string at {@code pos} (on its opening quote); ASCII without escapes takes the fast path. */
        /**
         * Where the JSON string at {@code pos} ends (its closing quote) if it holds no escape, so its bytes are its
         * text; -1 otherwise (or not a string).
         */
        int plainStringEnd() {
            if (pos >= in.length || in[pos] != '"') {
                return -1;
            }
            for (int i = pos + 1; i < in.length; i++) {
                byte b = in[i];
                if (b == '"') {
                    return i;
                }
                if (b == '\\' || (b >= 0 && b < 0x20)) {
                    return -1;
                }
            }
            return -1;
        }

        String readString() throws SyntaxException {
            int start = ++pos;
            int i = start;
            while (i < in.length) {
                byte b = in[i];
                if (b == '"') {
                    pos = i + 1;
                    return new String(in, start, i - start, StandardCharsets.ISO_8859_1);
                }
                if (b == '\\' || b < 0x20) { // also negative: a non-ASCII UTF-8 byte
                    break;
                }
                i++;
            }
            return readStringSlow(start);
        }

        private String readStringSlow(int start) throws SyntaxException {
            StringBuilder out = new StringBuilder();
            pos = start;
            int runStart = pos;
            while (true) {
                if (pos >= in.length) {
                    throw error("unterminated string");
                }
                byte b = in[pos];
                if (b == '"') {
                    out.append(new String(in, runStart, pos - runStart, StandardCharsets.UTF_8));
                    pos++;
                    return out.toString();
                }
                if (b >= 0 && b < 0x20) {
                    throw error("unescaped control character in a string");
                }
                if (b != '\\') {
                    pos++;
                    continue;
                }
                out.append(new String(in, runStart, pos - runStart, StandardCharsets.UTF_8));
                pos++;
                if (pos >= in.length) {
                    throw error("unterminated string");
                }
                byte e = in[pos++];
                switch (e) {
                    case '"' -> out.append('"');
                    case '\\' -> out.append('\\');
                    case '/' -> out.append('/');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (pos + 4 > in.length) {
                            throw error("malformed \\u escape");
                        }
                        int code = 0;
                        for (int k = 0; k < 4; k++) {
                            int digit = Character.digit(in[pos++], 16);
                            if (digit < 0) {
                                throw error("malformed \\u escape");
                            }
                            code = code * 16 + digit;
                        }
                        out.append((char) code);
                    }
                    default -> {
                        pos--;
                        throw error("malformed escape");
                    }
                }
                runStart = pos;
            }
        }
    }

    /**
     * An RFC 3339 date-time as the proto3 JSON mapping writes Timestamps: {@code YYYY-MM-DDTHH:MM:SS}, 0 to 9
     * fractional digits, then {@code Z} or an offset {@code ±HH:MM}; years 0001 to 9999. Null if it is not one.
     */
    static Timestamp timestamp(String text) {
        int n = text.length();
        if (n < 20 || text.charAt(4) != '-' || text.charAt(7) != '-' || (text.charAt(10) | 0x20) != 't'
                || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        int i = 19;
        int nanos = 0;
        if (text.charAt(i) == '.') {
            int start = ++i;
            while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                i++;
            }
            int count = i - start;
            if (count == 0 || count > 9) {
                return null;
            }
            nanos = digits(text, start, count);
            for (int k = count; k < 9; k++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        if (i == n - 1 && (text.charAt(i) | 0x20) == 'z') {
            offsetSeconds = 0;
        } else if (i == n - 6 && (text.charAt(i) == '+' || text.charAt(i) == '-') && text.charAt(i + 3) == ':') {
            int hours = digits(text, i + 1, 2);
            int minutes = digits(text, i + 4, 2);
            if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) {
                return null;
            }
            offsetSeconds = (hours * 3600 + minutes * 60) * (text.charAt(i) == '-' ? -1 : 1);
        } else {
            return null;
        }
        if (year < 1 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
            return null;
        }
        try {
            long seconds = LocalDateTime.of(year, month, day, hour, minute, second).toEpochSecond(ZoneOffset.UTC)
                    - offsetSeconds;
            return Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();
        } catch (DateTimeException e) {
            return null;
        }
    }

    /** The decimal value of {@code count} ASCII digits at {@code from}, or -1 if any is not a digit. */
    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static String expected(FieldDescriptor field) {
        return switch (field.getJavaType()) {
            case BOOLEAN -> "boolean";
            case ENUM -> "enum name";
            case STRING, BYTE_STRING -> "string";
            case MESSAGE -> "object";
            default -> "number";
        };
    }

    private static String quoted(String text) {
        return "\"" + RobotMessageCodec.truncate(text, 40) + "\"";
    }

    // ------------------------------------------------------------------------------------------------ writing

    /** The compact proto3 JSON of the message: set fields in field-number order, 64-bit integers as strings. */
    static byte[] print(MessageOrBuilder message) {
        StringBuilder out = new StringBuilder(256);
        writeObject(out, message);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void writeObject(StringBuilder out, MessageOrBuilder message) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<FieldDescriptor, Object> entry : message.getAllFields().entrySet()) {
            FieldDescriptor field = entry.getKey();
            if (!first) {
                out.append(',');
            }
            first = false;
            writeString(out, field.getJsonName());
            out.append(':');
            if (field.isRepeated()) {
                out.append('[');
                boolean firstItem = true;
                for (Object item : (Iterable<?>) entry.getValue()) {
                    if (!firstItem) {
                        out.append(',');
                    }
                    firstItem = false;
                    writeValue(out, field, item);
                }
                out.append(']');
            } else {
                writeValue(out, field, entry.getValue());
            }
        }
        out.append('}');
    }

    private static void writeValue(StringBuilder out, FieldDescriptor field, Object value) {
        switch (field.getType()) {
            case MESSAGE, GROUP -> {
                if (isTimestamp(field.getMessageType())) {
                    writeTimestamp(out, (Timestamp) value);
                } else {
                    writeObject(out, (Message) value);
                }
            }
            case STRING -> writeString(out, (String) value);
            case ENUM -> {
                EnumValueDescriptor e = (EnumValueDescriptor) value;
                if (e.getIndex() == -1) {
                    out.append(e.getNumber());
                } else {
                    writeString(out, e.getName());
                }
            }
            case BOOL -> out.append((boolean) (Boolean) value);
            case BYTES -> writeString(out, Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
            case INT32, SINT32, SFIXED32 -> out.append((int) (Integer) value);
            case UINT32, FIXED32 -> out.append(Integer.toUnsignedString((Integer) value));
            case INT64, SINT64, SFIXED64 -> out.append('"').append((long) (Long) value).append('"');
            case UINT64, FIXED64 -> out.append('"').append(Long.toUnsignedString((Long) value)).append('"');
            case DOUBLE -> writeFloating(out, (Double) value, value);
            case FLOAT -> writeFloating(out, (Float) value, value);
        }
    }

    /**
     * A Timestamp as RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as {@code Timestamps.toString} writes it
     * (without its per-thread SimpleDateFormat).
     */
    static void writeTimestamp(StringBuilder out, Timestamp timestamp) {
        Timestamps.checkValid(timestamp);
        LocalDateTime t = LocalDateTime.ofEpochSecond(timestamp.getSeconds(), 0, ZoneOffset.UTC);
        out.append('"');
        pad(out, t.getYear(), 4).append('-');
        pad(out, t.getMonthValue(), 2).append('-');
        pad(out, t.getDayOfMonth(), 2).append('T');
        pad(out, t.getHour(), 2).append(':');
        pad(out, t.getMinute(), 2).append(':');
        pad(out, t.getSecond(), 2);
        int nanos = timestamp.getNanos();
        if (nanos != 0) {
            out.append('.');
            if (nanos % 1_000_000 == 0) {
                pad(out, nanos / 1_000_000, 3);
            } else if (nanos % 1_000 == 0) {
                pad(out, nanos / 1_000, 6);
            } else {
                pad(out, nanos, 9);
            }
        }
        out.append("Z\"");
    }

    private static StringBuilder pad(StringBuilder out, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        return out.append(digits);
    }

    /** A double or float: its shortest decimal form ({@code boxed}'s), or the mapping's strings for NaN and infinities. */
    private static void writeFloating(StringBuilder out, double value, Object boxed) {
        if (Double.isNaN(value)) {
            out.append("\"NaN\"");
        } else if (Double.isInfinite(value)) {
            out.append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        } else {
            out.append(boxed);
        }
    }

    private static void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
