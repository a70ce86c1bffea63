package io.chargebot.server.auth;

/** Who a caller is: a driver, an administrator, or a machine (robot bridge, camera worker, partner). */
public enum Role {
    USER,
    ADMIN,
    SERVICE
}
