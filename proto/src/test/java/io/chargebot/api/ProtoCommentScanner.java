package io.chargebot.api;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds declarations in .proto source without a leading comment: services, rpcs, messages, enums, oneofs, fields
 * and enum values. A leading comment is a {@code //} line directly above the declaration (a blank line in between
 * detaches it, as in protoc's source info and buf's COMMENT_* rules). The generated descriptors drop comments,
 * so the source text is scanned instead.
 */
final class ProtoCommentScanner {

    private static final Pattern BLOCK = Pattern.compile("^(service|rpc|message|enum|oneof)\\s+(\\w+)");
    private static final Pattern FIELD = Pattern.compile(
            "^(?:repeated\\s+|optional\\s+)?(?:map\\s*<[^>]*>|[\\w.]+)\\s+(\\w+)\\s*=\\s*\\d+");
    private static final Pattern ENUM_VALUE = Pattern.compile("^([A-Za-z_]\\w*)\\s*=\\s*-?\\d+");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

    private ProtoCommentScanner() {}

    /** Returns one "file:line: kind name" entry per declaration without a leading comment. */
    static List<String> missingComments(String fileName, String source) {
        List<String> problems = new ArrayList<>();
        Deque<String> blocks = new ArrayDeque<>();
        boolean commentAbove = false;
        boolean inBlockComment = false;
        String[] lines = source.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (inBlockComment) {
                inBlockComment = !line.contains("*/");
                commentAbove = true;
                continue;
            }
            if (line.startsWith("//")) {
                commentAbove = true;
                continue;
            }
            if (line.startsWith("/*")) {
                inBlockComment = !line.contains("*/");
                commentAbove = true;
                continue;
            }
            if (line.isEmpty()) {
                commentAbove = false;
                continue;
            }
            String code = stripTrailingComment(STRING.matcher(line).replaceAll("\"\""));
            String context = blocks.isEmpty() ? "file" : blocks.peek();
            String declaration = declaration(code, context);
            if (declaration != null && !commentAbove) {
                problems.add(fileName + ":" + (i + 1) + ": " + declaration);
            }
            Matcher block = BLOCK.matcher(code);
            String opened = block.find() ? block.group(1) : "other";
            for (char c : code.toCharArray()) {
                if (c == '{') {
                    blocks.push(opened);
                    opened = "other";
                } else if (c == '}' && !blocks.isEmpty()) {
                    blocks.pop();
                }
            }
            commentAbove = false;
        }
        return problems;
    }

    private static String declaration(String code, String context) {
        Matcher block = BLOCK.matcher(code);
        if (block.find()) {
            return block.group(1) + " " + block.group(2);
        }
        if (code.startsWith("option") || code.startsWith("reserved") || code.startsWith("extensions")) {
            return null;
        }
        if (context.equals("message") || context.equals("oneof")) {
            Matcher field = FIELD.matcher(code);
            return field.find() ? "field " + field.group(1) : null;
        }
        if (context.equals("enum")) {
            Matcher value = ENUM_VALUE.matcher(code);
            return value.find() ? "enum value " + value.group(1) : null;
        }
        return null;
    }

    private static String stripTrailingComment(String code) {
        int at = code.indexOf("//");
        return at < 0 ? code : code.substring(0, at).strip();
    }
}
