package io.transmog.engine.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code transmog}: the engine's command line. */
@Command(name = "transmog", mixinStandardHelpOptions = true, versionProvider = TransmogCli.Version.class,
        description = "Online, zero-downtime MySQL/MariaDB schema changes.",
        subcommands = {MigrateCommand.class})
public final class TransmogCli {
    public static void main(String[] args) {
        // The binlog client logs through java.util.logging, whose console format takes two lines a record and ignores
        // the levels simplelogger.properties sets: one format and one place for levels for every library.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new TransmogCli());
        commandLine.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
                String option = unmatched.getUnmatched().get(0);
                int equals = option.indexOf('=');
                cmd.getErr().println("unsupported option " + (equals > 0 ? option.substring(0, equals) : option));
            } else {
                cmd.getErr().println(ex.getMessage());
            }
            cmd.getErr().println("see: " + cmd.getCommandSpec().qualifiedName() + " --help");
            return 2;
        });
        return commandLine;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = TransmogCli.class.getPackage().getImplementationVersion();
            return new String[]{"transmog " + (version == null ? "development build" : version)};
        }
    }
}
