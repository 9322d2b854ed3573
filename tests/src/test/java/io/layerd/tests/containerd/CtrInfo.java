package io.layerd.tests.containerd;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deliberately small reader for the JSON {@code ctr snapshots info} prints (Go's
 * {@code json.MarshalIndent} of {@code snapshots.Info} with four-space indent): top-level string
 * fields and the {@code Labels} object. Any other line shape is an error, so a format change
 * fails the test instead of being half-read.
 */
public record CtrInfo(Map<String, String> fields, Map<String, String> labels) {
    private static final Pattern FIELD = Pattern.compile("^ {4}\"(\\w+)\": \"((?:[^\"\\\\]|\\\\.)*)\",?$");
    private static final Pattern LABEL = Pattern.compile("^ {8}\"((?:[^\"\\\\]|\\\\.)*)\": \"((?:[^\"\\\\]|\\\\.)*)\",?$");

    public static CtrInfo parse(List<String> lines) {
        Map<String, String> fields = new LinkedHashMap<>();
        Map<String, String> labels = new LinkedHashMap<>();
        boolean inLabels = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if ((i == 0 && line.equals("{")) || (i == lines.size() - 1 && line.equals("}"))) {
                continue;
            }
            if (!inLabels && line.equals("    \"Labels\": {")) {
                inLabels = true;
                continue;
            }
            if (inLabels && line.matches("^ {4}},?$")) {
                inLabels = false;
                continue;
            }
            Matcher m = (inLabels ? LABEL : FIELD).matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException("unexpected line " + (i + 1) + " in ctr info output: [" + line + "]\n"
                        + String.join("\n", lines));
            }
            (inLabels ? labels : fields).put(unescape(m.group(1)), unescape(m.group(2)));
        }
        if (inLabels) {
            throw new IllegalArgumentException("unterminated Labels object in:\n" + String.join("\n", lines));
        }
        return new CtrInfo(fields, labels);
    }

    public String kind() {
        return fields.get("Kind");
    }

    public String name() {
        return fields.get("Name");
    }

    /** The parent's name, or null when the JSON has no Parent field (Go's omitempty). */
    public String parent() {
        return fields.get("Parent");
    }

    private static String unescape(String s) {
        return s.replace("\\\"", "\"").replace("\\\\", "\\");
    }
}
