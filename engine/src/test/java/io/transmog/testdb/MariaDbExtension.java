package io.transmog.testdb;

import java.lang.reflect.AnnotatedElement;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Injects the JVM-wide {@link MariaDbServer#shared()} server into test constructors, test methods
 * and lifecycle methods: {@code @ExtendWith(MariaDbExtension.class)}.
 *
 * <p>It also skips, before anything runs, test classes (and methods) that cannot run on the
 * {@linkplain ServerFlavor#selected() selected server flavor}: when that flavor is not provisioned
 * (loudly: a {@code *** SKIPPED ... ***} line on stderr, and the reason in the report), or when
 * {@link RequiresServer} names other flavors. The per-flavor surefire executions register it for
 * every test class (JUnit extension auto-detection, META-INF/services), so a suite that never asks
 * for a server by parameter is skipped with the reason too.
 */
public final class MariaDbExtension implements ParameterResolver, ExecutionCondition {

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == MariaDbServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return MariaDbServer.shared();
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Optional<AnnotatedElement> element = context.getElement();
    List<ServerFlavor> required = element
        .flatMap(e -> AnnotationSupport.findAnnotation(e, RequiresServer.class))
        .map(r -> Arrays.asList(r.value()))
        .orElse(List.of());
    boolean isClass = context.getTestMethod().isEmpty();
    if (required.isEmpty() && !isClass) {
      return ConditionEvaluationResult.enabled("no server requirement of its own");
    }
    String who = context.getTestClass().map(Class::getName).orElse(context.getDisplayName())
        + context.getTestMethod().map(m -> "#" + m.getName()).orElse("");

    ServerFlavor flavor;
    if (MariaDbServer.usesExternalServer()) {
      if (required.isEmpty()) {
        return ConditionEvaluationResult.enabled("external server");
      }
      flavor = MariaDbServer.shared().flavor();
    } else {
      flavor = ServerFlavor.selected();
      Optional<String> reason = flavor.unavailableReason();
      if (reason.isPresent()) {
        String message = "SKIPPED " + who + " on " + flavor + ": " + reason.get();
        System.err.println("*** " + message + " ***");
        return ConditionEvaluationResult.disabled(message);
      }
    }
    if (!required.isEmpty() && !required.contains(flavor)) {
      return ConditionEvaluationResult.disabled(
          "needs " + required + "; this run's server is " + flavor);
    }
    return ConditionEvaluationResult.enabled("runs on " + flavor);
  }
}
