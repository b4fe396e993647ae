package io.transmog.operator.scenario;

/** One verdict of the end-to-end scenario: what was checked, with the figures seen, and whether it held. */
public record Check(boolean passed, String description) {

    public static Check of(boolean passed, String description) {
        return new Check(passed, description);
    }

    /** As the demo prints it and its journal stores it: {@code PASS|FAIL<TAB>description}. */
    public String line() {
        return (passed ? "PASS" : "FAIL") + "\t" + description;
    }

    public static Check parse(String line) {
        String[] parts = line.split("\t", 2);
        if (parts.length != 2 || !(parts[0].equals("PASS") || parts[0].equals("FAIL"))) {
            throw new IllegalArgumentException("not a check line: " + line);
        }
        return new Check(parts[0].equals("PASS"), parts[1]);
    }
}
