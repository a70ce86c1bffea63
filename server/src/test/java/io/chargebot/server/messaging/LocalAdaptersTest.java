package io.chargebot.server.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.db.DatabaseSettings;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.server.testing.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The local profile with nothing configured: the development adapters are the only senders, and
 * every message lands in {@code dev_outbox_messages} and in one log line a developer can read.
 */
class LocalAdaptersTest {

    private static DatabaseSettings database;
    private static ChargeBotServer server;

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeAll
    static void start() {
        database = TestDatabases.create();
        server = TestServers.start(database, Map.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void captureLog() {
        log.start();
        ((Logger) LoggerFactory.getLogger(LocalSmsSender.class)).addAppender(log);
        ((Logger) LoggerFactory.getLogger(LocalEmailSender.class)).addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        ((Logger) LoggerFactory.getLogger(LocalSmsSender.class)).detachAppender(log);
        ((Logger) LoggerFactory.getLogger(LocalEmailSender.class)).detachAppender(log);
    }

    @Test
    void theLocalProfileDefaultsToExactlyOneLocalSenderOfEachKind() {
        assertThat(server.context().getBeansOfType(SmsSender.class)).singleElement().isInstanceOf(LocalSmsSender.class);
        assertThat(server.context().getBeansOfType(EmailSender.class)).singleElement().isInstanceOf(LocalEmailSender.class);
    }

    @Test
    void anSmsIsRecordedAndLoggedWhole() throws Exception {
        String phone = "+821055501234";
        server.context().getBean(SmsSender.class).send(phone, "[ChargeBot] 인증번호 482913 \"5분\"");

        List<Row> rows = rows(phone);
        assertThat(rows).singleElement().satisfies(row -> {
            assertThat(row.channel()).isEqualTo("SMS");
            assertThat(row.subject()).isNull();
            assertThat(row.body()).isEqualTo("[ChargeBot] 인증번호 482913 \"5분\"");
        });
        assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("DEV-SMS to=+821055501234 text=\"[ChargeBot] 인증번호 482913 \\\"5분\\\"\"");
        assertThat(log.list.get(0).getLevel()).isEqualTo(ch.qos.logback.classic.Level.INFO);
    }

    @Test
    void anEmailIsRecordedAndLoggedOnOneLine() throws Exception {
        String to = "local-driver@example.com";
        server.context().getBean(EmailSender.class).send(to, "[ChargeBot] 이메일 인증", "인증번호: 739201\n5분 안에 입력하세요.");

        assertThat(rows(to)).singleElement().satisfies(row -> {
            assertThat(row.channel()).isEqualTo("EMAIL");
            assertThat(row.subject()).isEqualTo("[ChargeBot] 이메일 인증");
            assertThat(row.body()).isEqualTo("인증번호: 739201\n5분 안에 입력하세요.");
        });
        assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "DEV-EMAIL to=local-driver@example.com subject=\"[ChargeBot] 이메일 인증\" "
                        + "body=\"인증번호: 739201\\n5분 안에 입력하세요.\"");
    }

    @Test
    void badRecipientsAreRejectedAndNothingIsRecorded() throws Exception {
        SmsSender sms = server.context().getBean(SmsSender.class);
        EmailSender email = server.context().getBean(EmailSender.class);
        assertThatThrownBy(() -> sms.send("010-5550-9999", "code")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> email.send("nobody", "s", "b")).isInstanceOf(IllegalArgumentException.class);
        assertThat(rows("010-5550-9999")).isEmpty();
        assertThat(rows("nobody")).isEmpty();
        assertThat(log.list).isEmpty();
    }

    record Row(String channel, String subject, String body) {}

    private static List<Row> rows(String recipient) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (Connection c = TestDatabases.connect(database);
             PreparedStatement s = c.prepareStatement(
                     "SELECT channel, subject, body FROM dev_outbox_messages WHERE recipient = ? ORDER BY id")) {
            s.setString(1, recipient);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3)));
                }
            }
        }
        return rows;
    }
}
