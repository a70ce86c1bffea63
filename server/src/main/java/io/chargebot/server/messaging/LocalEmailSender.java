package io.chargebot.server.messaging;

import static java.util.Objects.requireNonNull;

import io.chargebot.server.db.Db;
import java.sql.PreparedStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The development e-mail adapter: sends nothing, records each message in
 * {@code dev_outbox_messages} and logs it whole ({@code DEV-EMAIL to=a@b.c subject="..." body="..."})
 * so a developer can read the code. Refused in production.
 */
final class LocalEmailSender implements EmailSender {

    private static final Logger logger = LoggerFactory.getLogger(LocalEmailSender.class);

    private final Db db;

    LocalEmailSender(Db db) {
        this.db = requireNonNull(db, "db");
    }

    @Override
    public void send(String to, String subject, String textBody) {
        requireNonNull(to, "to");
        requireNonNull(subject, "subject");
        requireNonNull(textBody, "textBody");
        String address = Recipients.emailAddress(to).getAddress();
        String oneLineSubject = subject.replaceAll("[\\r\\n]+", " ");
        db.transaction(connection -> {
            try (PreparedStatement insert = Db.prepare(connection,
                    "INSERT INTO dev_outbox_messages (channel, recipient, subject, body) VALUES ('EMAIL', ?, ?, ?)")) {
                insert.setString(1, address);
                insert.setString(2, oneLineSubject);
                insert.setString(3, textBody);
                insert.executeUpdate();
            }
            return null;
        });
        logger.info("DEV-EMAIL to={} subject={} body={}", address, Recipients.quote(oneLineSubject),
                Recipients.quote(textBody));
    }
}
