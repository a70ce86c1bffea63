package io.chargebot.gateway;

/**
 * Starts the gateway from the {@code CHARGEBOT_GATEWAY_*} environment variables (see {@link GatewayConfig})
 * and runs until the JVM is asked to stop (SIGTERM, Ctrl-C), then shuts down gracefully.
 */
public final class GatewayMain {

    private static final String LOGBACK_CONFIGURATION_FILE = "logback.configurationFile";

    private GatewayMain() {}

    /** Runs the gateway; exits with status 2 on a configuration error, 1 if it cannot start. */
    public static void main(String[] args) {
        if (System.getProperty(LOGBACK_CONFIGURATION_FILE) == null) {
            // Our own console configuration, unless the operator names one; not called logback.xml so that
            // it never competes with the configuration of an application that embeds the gateway.
            System.setProperty(LOGBACK_CONFIGURATION_FILE, "chargebot-gateway-logback.xml");
        }
        final GatewayConfig config;
        try {
            config = GatewayConfig.fromEnvironment();
        } catch (IllegalArgumentException e) {
            System.err.println("chargebot-grpc-web-gateway: " + e.getMessage());
            System.exit(2);
            return;
        }
        final GrpcWebGateway gateway;
        try {
            gateway = GrpcWebGateway.start(config);
        } catch (RuntimeException e) {
            System.err.println("chargebot-grpc-web-gateway: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "gateway-shutdown"));
        System.out.println("ChargeBot gRPC-Web gateway listening on http://0.0.0.0:" + gateway.port() +
                           " (docs: http://127.0.0.1:" + gateway.port() + GrpcWebGateway.DOCS_PATH +
                           "/), forwarding to " + config.target() + (config.targetTls() ? " over TLS" : ""));
    }
}
