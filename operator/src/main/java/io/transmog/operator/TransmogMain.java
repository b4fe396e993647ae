package io.transmog.operator;

import java.util.Arrays;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.transmog.operator.runner.ExitCode;
import io.transmog.operator.runner.RunnerCommand;

/**
 * Entry point of the operator application, which has two commands (one image, so operator and runner never
 * drift):
 * <ul>
 * <li>{@code operator} (or no argument): boots Quarkus; {@link OperatorStartup} starts the controllers;</li>
 * <li>{@code run <namespace>/<name>}: the in-pod runner of one SchemaMigration ({@link RunnerCommand}). It does not
 * boot Quarkus at all: no HTTP server, no controllers, just a fabric8 client and the engine.</li>
 * </ul>
 * The image's launcher passes {@code -Dtransmog.mode=runner} with {@code run}; in that mode anything but
 * {@code run} is a usage error.
 */
@QuarkusMain
public final class TransmogMain {

    private TransmogMain() {
    }

    public static void main(String... args) {
        if (args.length > 0 && "run".equals(args[0])) {
            System.exit(RunnerCommand.execute(Arrays.copyOfRange(args, 1, args.length)));
            return;
        }
        if ("runner".equals(System.getProperty("transmog.mode"))) {
            System.err.println("usage: transmog run <namespace>/<name>");
            System.exit(ExitCode.PERMANENT.code());
            return;
        }
        String[] rest = args.length > 0 && "operator".equals(args[0]) ? Arrays.copyOfRange(args, 1, args.length)
                : args;
        Quarkus.run(rest);
    }
}
