package io.transmog.testdb;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects the JVM-wide {@link MariaDbServer#shared()} server into test constructors, test methods
 * and lifecycle methods: {@code @ExtendWith(MariaDbExtension.class)}.
 */
public final class MariaDbExtension implements ParameterResolver {

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == MariaDbServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return MariaDbServer.shared();
  }
}
