package io.transmog.operator;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * The image has one application and two commands: {@code transmog operator} and {@code transmog run ns/name}
 * (the in-pod runner). QOSDK's automatic start is switched off at build time
 * ({@code quarkus.operator-sdk.start-operator=false}) so that the runner never starts controllers; this bean
 * starts them when {@code transmog.mode} is {@code operator} (the default).
 */
@ApplicationScoped
public class OperatorStartup {

    private static final Logger LOG = Logger.getLogger(OperatorStartup.class);

    private final Operator operator;
    private final String mode;
    private volatile boolean started;

    public OperatorStartup(Operator operator, @ConfigProperty(name = "transmog.mode", defaultValue = "operator") String mode) {
        this.operator = operator;
        this.mode = mode;
    }

    void onStart(@Observes StartupEvent event) {
        if (!"operator".equals(mode)) {
            LOG.debugf("transmog.mode=%s: not starting the controllers", mode);
            return;
        }
        LOG.infof("starting %d controller(s)", operator.getRegisteredControllersNumber());
        operator.start();
        started = true;
    }

    void onStop(@Observes ShutdownEvent event) {
        if (started) {
            operator.stop();
        }
    }
}
