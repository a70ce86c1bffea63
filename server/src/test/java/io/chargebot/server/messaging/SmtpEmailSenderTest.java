package io.chargebot.server.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.DummySSLServerSocketFactory;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.env.PropertySourcePropertyResolver;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SMTP adapter against a real SMTP server (GreenMail) started in the test. */
class SmtpEmailSenderTest {

    private static final String TO = "driver@example.com";
    private static final String SUBJECT = "[ChargeBot] 이메일 인증번호";
    private static final String BODY = "안녕하세요, 운전자님.\n인증번호는 654321 입니다.\n5분 안에 입력해 주세요.";

    private GreenMail greenMail;

    @AfterEach
    void stop() {
        if (greenMail != null) {
            greenMail.stop();
        }
    }

    private GreenMail start(ServerSetup setup, GreenMailConfiguration configuration) {
        greenMail = new GreenMail(setup.dynamicPort()).withConfiguration(configuration);
        greenMail.start();
        return greenMail;
    }

    private static ServerSetup smtp() {
        return new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
    }

    private static Map<String, Object> properties(int port, String security) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("chargebot.email.smtp.host", "127.0.0.1");
        properties.put("chargebot.email.smtp.port", port);
        properties.put("chargebot.email.smtp.security", security);
        properties.put("chargebot.email.smtp.from", "noreply@chargebot.io");
        return properties;
    }

    private static SmtpEmailSender sender(Map<String, Object> properties) {
        return new SmtpEmailSender(settings(properties));
    }

    private static SmtpSettings settings(Map<String, Object> properties) {
        return SmtpSettings.from(new PropertySourcePropertyResolver(PropertySource.of("test", properties)));
    }

    @Test
    void deliversAKoreanUtf8MessageFromChargeBot() throws Exception {
        start(smtp(), GreenMailConfiguration.aConfig());
        sender(properties(greenMail.getSmtp().getPort(), "none")).send(TO, SUBJECT, BODY);

        assertThat(greenMail.waitForIncomingEmail(5_000, 1)).isTrue();
        MimeMessage message = greenMail.getReceivedMessages()[0];
        InternetAddress from = (InternetAddress) message.getFrom()[0];
        assertThat(from.getAddress()).isEqualTo("noreply@chargebot.io");
        assertThat(from.getPersonal()).isEqualTo("ChargeBot");
        assertThat(message.getAllRecipients()).extracting(a -> ((InternetAddress) a).getAddress()).containsExactly(TO);
        assertThat(message.getSubject()).isEqualTo(SUBJECT);
        assertThat(message.getContentType()).containsIgnoringCase("text/plain").containsIgnoringCase("charset=UTF-8");
        assertThat(((String) message.getContent()).replace("\r\n", "\n")).isEqualTo(BODY);
        assertThat(message.getSentDate()).isNotNull();
    }

    @Test
    void lineBreaksInTheSubjectCannotInjectHeaders() throws Exception {
        start(smtp(), GreenMailConfiguration.aConfig());
        sender(properties(greenMail.getSmtp().getPort(), "none")).send(TO, "hello\r\nBcc: victim@example.com", "body");

        assertThat(greenMail.waitForIncomingEmail(5_000, 1)).isTrue();
        MimeMessage message = greenMail.getReceivedMessages()[0];
        assertThat(message.getSubject()).isEqualTo("hello Bcc: victim@example.com");
        assertThat(message.getHeader("Bcc")).isNull();
        assertThat(greenMail.getReceivedMessages()).hasSize(1);
    }

    @Test
    void authenticatesWithUsernameAndPassword() throws Exception {
        start(smtp(), GreenMailConfiguration.aConfig().withUser("mailer@chargebot.io", "mailer", "s3cret-Passw0rd"));
        Map<String, Object> properties = properties(greenMail.getSmtp().getPort(), "none");
        properties.put("chargebot.email.smtp.username", "mailer");
        properties.put("chargebot.email.smtp.password", "s3cret-Passw0rd");
        sender(properties).send(TO, SUBJECT, BODY);
        assertThat(greenMail.waitForIncomingEmail(5_000, 1)).isTrue();

        properties.put("chargebot.email.smtp.password", "wrong-Passw0rd");
        assertThatThrownBy(() -> sender(properties).send(TO, SUBJECT, BODY))
                .isInstanceOf(MessageSendException.class)
                .hasMessageContaining("refused the credentials")
                .hasMessageContaining("d***@example.com")
                .hasMessageNotContaining("wrong-Passw0rd")
                .hasMessageNotContaining(TO)
                .satisfies(e -> assertThat(((MessageSendException) e).retryable()).isFalse());
        assertThat(greenMail.getReceivedMessages()).hasSize(1);
    }

    @Test
    void starttlsIsRequiredWhenConfigured() {
        start(smtp(), GreenMailConfiguration.aConfig());
        // GreenMail's SMTP does not offer STARTTLS: the message must not go out in the clear.
        assertThatThrownBy(() -> sender(properties(greenMail.getSmtp().getPort(), "starttls")).send(TO, SUBJECT, BODY))
                .isInstanceOf(MessageSendException.class)
                .hasMessageContaining("STARTTLS");
        assertThat(greenMail.getReceivedMessages()).isEmpty();
    }

    @Test
    void implicitTlsVerifiesTheServerCertificate(@TempDir Path dir) throws Exception {
        Path keyStore = dir.resolve("smtp.p12");
        Path certificate = dir.resolve("smtp.pem");
        keytool("-genkeypair", "-alias", "smtp", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "smtp", "-keystore", keyStore.toString(), "-storepass", "changeit",
                "-file", certificate.toString());
        System.setProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_FILE_PROPERTY, keyStore.toString());
        System.setProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_PASSWORD_PROPERTY, "changeit");
        try {
            start(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTPS), GreenMailConfiguration.aConfig());
            Map<String, Object> properties = properties(greenMail.getSmtps().getPort(), "tls");

            // Not signed by a CA this server trusts: refused.
            assertThatThrownBy(() -> sender(properties).send(TO, SUBJECT, BODY))
                    .isInstanceOf(MessageSendException.class);
            assertThat(greenMail.getReceivedMessages()).isEmpty();

            properties.put("chargebot.email.smtp.trusted-certificates", certificate.toString());
            sender(properties).send(TO, SUBJECT, BODY);
            assertThat(greenMail.waitForIncomingEmail(5_000, 1)).isTrue();
            assertThat(greenMail.getReceivedMessages()[0].getSubject()).isEqualTo(SUBJECT);
        } finally {
            System.clearProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_FILE_PROPERTY);
            System.clearProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_PASSWORD_PROPERTY);
        }
    }

    @Test
    void anUnreachableServerFails() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        assertThatThrownBy(() -> sender(properties(closedPort, "none")).send(TO, SUBJECT, BODY))
                .isInstanceOf(MessageSendException.class)
                .hasMessageContaining("unreachable")
                .hasMessageNotContaining(TO)
                .satisfies(e -> assertThat(((MessageSendException) e).retryable()).isTrue());
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try (Socket ignored = silent.accept()) {
                    Thread.sleep(10_000);
                } catch (IOException | InterruptedException e) {
                    // closed by the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            Map<String, Object> properties = properties(silent.getLocalPort(), "none");
            properties.put("chargebot.email.smtp.read-timeout", "500ms");
            assertThatThrownBy(() -> sender(properties).send(TO, SUBJECT, BODY))
                    .isInstanceOf(MessageSendException.class)
                    .hasMessageContaining("timed out")
                    .satisfies(e -> assertThat(((MessageSendException) e).retryable()).isTrue());
            acceptor.interrupt();
        }
    }

    @Test
    void settingsAreCheckedAtStartUp() {
        assertThatThrownBy(() -> settings(Map.of("chargebot.email.smtp.username", "mailer")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("chargebot.email.smtp.host (CHARGEBOT_EMAIL_SMTP_HOST)")
                .hasMessageContaining("chargebot.email.smtp.from (CHARGEBOT_EMAIL_SMTP_FROM)")
                .hasMessageContaining("chargebot.email.smtp.password (CHARGEBOT_EMAIL_SMTP_PASSWORD)");

        Map<String, Object> plaintextPassword = new HashMap<>(Map.of("chargebot.email.smtp.host", "smtp.example.com",
                "chargebot.email.smtp.from", "noreply@chargebot.io", "chargebot.email.smtp.security", "none",
                "chargebot.email.smtp.username", "mailer", "chargebot.email.smtp.password", "pw"));
        assertThatThrownBy(() -> settings(plaintextPassword))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("unencrypted");

        assertThatThrownBy(() -> settings(Map.of("chargebot.email.smtp.host", "smtp.example.com",
                "chargebot.email.smtp.from", "noreply@chargebot.io", "chargebot.email.smtp.security", "ssl")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("(CHARGEBOT_EMAIL_SMTP_SECURITY): ssl (expected: starttls, tls or none)");

        SmtpSettings defaults = settings(Map.of("chargebot.email.smtp.host", "smtp.example.com",
                "chargebot.email.smtp.from", "noreply@chargebot.io", "chargebot.email.smtp.username", "mailer",
                "chargebot.email.smtp.password", "s3cret-Passw0rd"));
        assertThat(defaults.security()).isEqualTo(SmtpSettings.Security.STARTTLS);
        assertThat(defaults.port()).isEqualTo(587);
        assertThat(defaults.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.from().getPersonal()).isEqualTo("ChargeBot");
        assertThat(defaults.toString()).doesNotContain("s3cret-Passw0rd");
    }

    @Test
    void invalidRecipientsAreRejectedBeforeConnecting() {
        SmtpEmailSender sender = sender(properties(1, "none"));
        for (String to : List.of("", "not-an-address", "a@b.c, d@e.f", "Group: a@b.c;")) {
            assertThatThrownBy(() -> sender.send(to, SUBJECT, BODY))
                    .as(to)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }
}
