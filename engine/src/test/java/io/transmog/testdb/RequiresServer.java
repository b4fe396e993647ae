package io.transmog.testdb;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class or method only on these server flavors: on any other
 * {@linkplain ServerFlavor#selected() selected flavor} it is reported as skipped, with the reason.
 * Without a value (or without this annotation, under {@link MariaDbExtension}) it runs on every
 * flavor. Either way, a selected flavor that is not provisioned skips it loudly, with the reason.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(MariaDbExtension.class)
public @interface RequiresServer {
  /** The flavors the test runs on; empty means all. */
  ServerFlavor[] value() default {};
}
