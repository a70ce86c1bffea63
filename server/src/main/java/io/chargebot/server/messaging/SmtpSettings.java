package io.chargebot.server.messaging;

import static java.util.Objects.requireNonNull;

import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.value.PropertyResolver;
import jakarta.mail.internet.InternetAddress;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How to reach the SMTP server: host, port, optional credentials, sender, transport security,
 * timeouts and optionally the certificates to trust for it. {@link #toString()} never prints the
 * password.
 */
record SmtpSettings(String host, int port, @Nullable String username, @Nullable String password,
                    InternetAddress from, Security security, Duration connectTimeout, Duration readTimeout,
                    Duration writeTimeout, @Nullable Path trustedCertificates) {

    /** Transport security of the SMTP connection. */
    enum Security {
        /** Plain connection upgraded with STARTTLS; sending fails if the server does not offer it. */
        STARTTLS(587),
        /** TLS from the first byte ("SMTPS"). */
        TLS(465),
        /** No encryption: only for a relay on this machine or a trusted network. */
        NONE(25);

        final int defaultPort;

        Security(int defaultPort) {
            this.defaultPort = defaultPort;
        }
    }

    static final String HOST = "chargebot.email.smtp.host";
    static final String PORT = "chargebot.email.smtp.port";
    static final String SECURITY = "chargebot.email.smtp.security";
    static final String USERNAME = "chargebot.email.smtp.username";
    static final String PASSWORD = "chargebot.email.smtp.password";
    static final String FROM = "chargebot.email.smtp.from";
    static final String FROM_NAME = "chargebot.email.smtp.from-name";
    static final String CONNECT_TIMEOUT = "chargebot.email.smtp.connect-timeout";
    static final String READ_TIMEOUT = "chargebot.email.smtp.read-timeout";
    static final String WRITE_TIMEOUT = "chargebot.email.smtp.write-timeout";
    static final String TRUSTED_CERTIFICATES = "chargebot.email.smtp.trusted-certificates";

    static final List<String> REQUIRED = List.of(HOST, FROM);
    static final String DEFAULT_FROM_NAME = "ChargeBot";

    SmtpSettings {
        requireNonNull(host, "host");
        requireNonNull(from, "from");
        requireNonNull(security, "security");
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(readTimeout, "readTimeout");
        requireNonNull(writeTimeout, "writeTimeout");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("username and password: set both or neither");
        }
    }

    /**
     * Reads and checks the settings.
     *
     * @throws ConfigurationException naming every missing setting, or the first invalid one
     */
    static SmtpSettings from(PropertyResolver config) {
        List<String> missing = new ArrayList<>();
        String host = Settings.required(config, HOST, missing);
        String from = Settings.required(config, FROM, missing);
        String username = Settings.text(config, USERNAME);
        String password = Settings.text(config, PASSWORD);
        if (username != null && password == null) {
            missing.add(PASSWORD);
        }
        if (password != null && username == null) {
            missing.add(USERNAME);
        }
        if (!missing.isEmpty()) {
            throw new ConfigurationException("E-mail provider smtp is missing settings: " + Settings.describe(missing));
        }

        String securityText = Settings.text(config, SECURITY);
        Security security;
        try {
            security = securityText == null ? Security.STARTTLS : Security.valueOf(securityText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Settings.invalid(SECURITY, securityText, "starttls, tls or none");
        }
        String portText = Settings.text(config, PORT);
        int port;
        try {
            port = portText == null ? security.defaultPort : Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw Settings.invalid(PORT, portText, "1..65535");
        }
        if (security == Security.NONE && username != null && !SensSettings.isLoopback(host)) {
            throw new ConfigurationException(Settings.describe(SECURITY) + ": none would send the SMTP password "
                    + "unencrypted to " + host + " (expected: starttls or tls; none only with a relay on localhost)");
        }
        InternetAddress fromAddress;
        try {
            InternetAddress parsed = Recipients.emailAddress(from);
            String name = Settings.text(config, FROM_NAME);
            fromAddress = new InternetAddress(parsed.getAddress(), name == null ? DEFAULT_FROM_NAME : name,
                    StandardCharsets.UTF_8.name());
        } catch (IllegalArgumentException | UnsupportedEncodingException e) {
            throw Settings.invalid(FROM, from, "the sender's e-mail address, e.g. noreply@chargebot.io");
        }
        String trusted = Settings.text(config, TRUSTED_CERTIFICATES);
        return new SmtpSettings(host, port, username, password, fromAddress, security,
                Settings.duration(config, CONNECT_TIMEOUT, Duration.ofSeconds(5)),
                Settings.duration(config, READ_TIMEOUT, Duration.ofSeconds(5)),
                Settings.duration(config, WRITE_TIMEOUT, Duration.ofSeconds(5)),
                trusted == null ? null : Path.of(trusted));
    }

    @Override
    public String toString() {
        return "SmtpSettings[host=" + host + ", port=" + port + ", username=" + username + ", from=" + from
                + ", security=" + security + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout
                + ", writeTimeout=" + writeTimeout + ", trustedCertificates=" + trustedCertificates + "]";
    }
}
