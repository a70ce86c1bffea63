package io.chargebot.server.auth;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares who may call an RPC; put it on the method of the gRPC service implementation.
 * {@link AuthInterceptor} enforces it for every call and refuses to start if an implemented RPC
 * has none. {@code @Access(anonymous = true)} methods take anonymous callers (and still see a valid
 * token's principal if one is sent).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Access {

    /** Roles allowed to call; ignored when {@link #anonymous()} is true. */
    Role[] value() default {};

    /** Whether callers without a token may call. */
    boolean anonymous() default false;

    /** For SERVICE callers: the scope their client must have (empty: any service client). */
    String scope() default "";
}
