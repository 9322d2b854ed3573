package io.layerd.tests.containerd;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the aligned tables {@code ctr} prints with Go's tabwriter ({@code ls}, {@code usage}):
 * each column starts where its header word starts, so cells may be empty ({@code PARENT} of a
 * root) or contain spaces ({@code 4.0 KiB}).
 */
public final class CtrTable {
    private static final Pattern HEADER_WORD = Pattern.compile("\\S+");

    private CtrTable() {
    }

    /** The header's column names, in order. */
    public static List<String> header(List<String> lines) {
        require(lines);
        List<String> names = new ArrayList<>();
        Matcher m = HEADER_WORD.matcher(lines.get(0));
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** One map per row, column name to trimmed cell text, in the order printed. */
    public static List<Map<String, String>> rows(List<String> lines) {
        require(lines);
        String header = lines.get(0);
        List<String> names = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        Matcher m = HEADER_WORD.matcher(header);
        while (m.find()) {
            names.add(m.group());
            starts.add(m.start());
        }
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                int from = Math.min(starts.get(i), line.length());
                int to = i + 1 < names.size() ? Math.min(starts.get(i + 1), line.length()) : line.length();
                row.put(names.get(i), line.substring(from, to).trim());
            }
            rows.add(row);
        }
        return rows;
    }

    private static void require(List<String> lines) {
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("ctr printed no table (not even a header)");
        }
    }
}
