package io.transmog.engine.hooks;

/**
 * gh-ost's hook points, by the file-name prefix gh-ost gives them, so that a hooks directory written for gh-ost
 * works unchanged. A <em>gate</em> may stop the migration: a failing startup, validated, rowcount-complete or
 * before-row-copy hook fails it, a failing before-cut-over hook holds the cut-over. The others only notify, and a
 * failure of theirs is logged.
 */
public enum Hook {
    STARTUP("gh-ost-on-startup", true),
    VALIDATED("gh-ost-on-validated", true),
    ROWCOUNT_COMPLETE("gh-ost-on-rowcount-complete", true),
    BEFORE_ROW_COPY("gh-ost-on-before-row-copy", true),
    ROW_COPY_COMPLETE("gh-ost-on-row-copy-complete", false),
    BEGIN_POSTPONED("gh-ost-on-begin-postponed", false),
    BEFORE_CUT_OVER("gh-ost-on-before-cut-over", true),
    SUCCESS("gh-ost-on-success", false),
    FAILURE("gh-ost-on-failure", false),
    STATUS("gh-ost-on-status", false),
    INTERACTIVE_COMMAND("gh-ost-on-interactive-command", false);

    private static final String COMMON_PREFIX = "gh-ost-on-";

    private final String fileNamePrefix;
    private final boolean gate;

    Hook(String fileNamePrefix, boolean gate) {
        this.fileNamePrefix = fileNamePrefix;
        this.gate = gate;
    }

    /** Every file of the hooks directory whose name starts with this runs at this point. */
    public String fileNamePrefix() {
        return fileNamePrefix;
    }

    /**
     * Whether a failure stops the migration (or holds its cut-over). A gate's files stop at the first failure, as
     * gh-ost's do; a notification's files all run, so one broken notifier does not silence the others.
     */
    public boolean gate() {
        return gate;
    }

    /** The name in messages: {@code before-cut-over} for {@code gh-ost-on-before-cut-over}. */
    public String shortName() {
        return fileNamePrefix.substring(COMMON_PREFIX.length());
    }
}
