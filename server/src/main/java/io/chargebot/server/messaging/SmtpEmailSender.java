package io.chargebot.server.messaging;

import static java.util.Objects.requireNonNull;

import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Date;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.angus.mail.util.MailConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends plain-text UTF-8 e-mail over SMTP with Jakarta Mail (Angus): one connection per message,
 * TLS with host name verification unless security is {@code none}.
 */
final class SmtpEmailSender implements EmailSender {

    private static final Logger logger = LoggerFactory.getLogger(SmtpEmailSender.class);
    private static final int MAX_DETAIL_CHARS = 200;

    private final SmtpSettings settings;
    private final Session session;

    SmtpEmailSender(SmtpSettings settings) {
        this.settings = requireNonNull(settings, "settings");
        this.session = Session.getInstance(properties(settings));
        if (settings.security() == SmtpSettings.Security.NONE) {
            logger.warn("E-mail to {}:{} is sent without encryption ({}=none)", settings.host(), settings.port(),
                    Settings.describe(SmtpSettings.SECURITY));
        }
    }

    private static Properties properties(SmtpSettings settings) {
        Properties p = new Properties();
        p.setProperty("mail.transport.protocol", "smtp");
        p.setProperty("mail.smtp.host", settings.host());
        p.setProperty("mail.smtp.port", Integer.toString(settings.port()));
        p.setProperty("mail.smtp.connectiontimeout", Long.toString(settings.connectTimeout().toMillis()));
        p.setProperty("mail.smtp.timeout", Long.toString(settings.readTimeout().toMillis()));
        p.setProperty("mail.smtp.writetimeout", Long.toString(settings.writeTimeout().toMillis()));
        p.setProperty("mail.smtp.from", settings.from().getAddress());
        p.setProperty("mail.smtp.auth", Boolean.toString(settings.username() != null));
        switch (settings.security()) {
            case STARTTLS -> {
                p.setProperty("mail.smtp.starttls.enable", "true");
                p.setProperty("mail.smtp.starttls.required", "true");
            }
            case TLS -> p.setProperty("mail.smtp.ssl.enable", "true");
            case NONE -> p.setProperty("mail.smtp.starttls.enable", "false");
        }
        if (settings.security() != SmtpSettings.Security.NONE) {
            p.setProperty("mail.smtp.ssl.checkserveridentity", "true");
            p.setProperty("mail.smtp.ssl.protocols", "TLSv1.3 TLSv1.2");
            if (settings.trustedCertificates() != null) {
                p.put("mail.smtp.ssl.socketFactory", trusting(settings));
            }
        }
        return p;
    }

    /** A socket factory that trusts exactly the certificates in the configured PEM file. */
    private static SSLSocketFactory trusting(SmtpSettings settings) {
        String property = Settings.describe(SmtpSettings.TRUSTED_CERTIFICATES);
        try (InputStream in = Files.newInputStream(settings.trustedCertificates())) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new ConfigurationException(property + ": " + settings.trustedCertificates()
                        + " holds no certificate (expected: PEM certificates)");
            }
            KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
            trustStore.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                trustStore.setCertificateEntry("smtp-" + i++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustStore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigurationException(property + ": cannot read " + settings.trustedCertificates()
                    + " (expected: a readable file of PEM certificates): " + e.getMessage(), e);
        }
    }

    @Override
    public void send(String to, String subject, String textBody) throws MessageSendException {
        requireNonNull(to, "to");
        requireNonNull(subject, "subject");
        requireNonNull(textBody, "textBody");
        InternetAddress recipient = Recipients.emailAddress(to);
        String masked = Recipients.maskEmail(recipient.getAddress());
        try {
            MimeMessage message = new MimeMessage(session);
            message.setFrom(settings.from());
            message.setRecipient(Message.RecipientType.TO, recipient);
            message.setSubject(subject.replaceAll("[\\r\\n]+", " "), "UTF-8");
            message.setText(textBody, "UTF-8");
            message.setSentDate(new Date());
            if (settings.username() != null) {
                Transport.send(message, settings.username(), settings.password());
            } else {
                Transport.send(message);
            }
        } catch (AuthenticationFailedException e) {
            throw failure("refused the credentials", recipient, false, e);
        } catch (MailConnectException e) {
            throw failure("is unreachable", recipient, true, e);
        } catch (SendFailedException e) {
            throw failure("refused the message", recipient, false, e);
        } catch (MessagingException e) {
            throw failure("failed", recipient, true, e);
        }
        logger.info("E-mail sent through {}:{} to {}", settings.host(), settings.port(), masked);
    }

    private MessageSendException failure(String what, InternetAddress recipient, boolean retryable,
                                         MessagingException e) {
        String masked = Recipients.maskEmail(recipient.getAddress());
        String reason = reason(e).replace(recipient.getAddress(), masked);
        return new MessageSendException("SMTP server " + settings.host() + ":" + settings.port() + " " + what
                + " (e-mail to " + masked + "): " + reason, retryable, e);
    }

    /** The exception's own words and those of its cause, on one line, without the password. */
    private String reason(Throwable e) {
        StringBuilder reason = new StringBuilder(String.valueOf(e.getMessage()));
        Throwable cause = e.getCause();
        if (cause != null && cause != e && cause.getMessage() != null) {
            reason.append("; ").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage());
        }
        String text = reason.toString().replaceAll("\\p{Cntrl}+", " ").trim();
        if (settings.password() != null) {
            text = text.replace(settings.password(), "***");
        }
        return text.length() > MAX_DETAIL_CHARS ? text.substring(0, MAX_DETAIL_CHARS) + "..." : text;
    }
}
