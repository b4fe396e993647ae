package io.transmog.engine.inspect;

import java.util.ArrayList;
import java.util.List;

/** Parses the member list out of a column type such as {@code enum('a','it''s')}. */
final class EnumMembers {
    private EnumMembers() {
    }

    static List<String> parse(String columnType) {
        List<String> members = new ArrayList<>();
        int i = columnType.indexOf('(');
        if (i < 0) {
            return members;
        }
        StringBuilder current = null;
        for (i = i + 1; i < columnType.length(); i++) {
            char c = columnType.charAt(i);
            if (current == null) {
                if (c == '\'') {
                    current = new StringBuilder();
                } else if (c == ')') {
                    break;
                }
            } else if (c == '\'') {
                if (i + 1 < columnType.length() && columnType.charAt(i + 1) == '\'') {
                    current.append('\'');
                    i++;
                } else {
                    members.add(current.toString());
                    current = null;
                }
            } else if (c == '\\' && i + 1 < columnType.length()) {
                current.append(columnType.charAt(++i));
            } else {
                current.append(c);
            }
        }
        return members;
    }
}
