package io.chargebot.server.messaging;

import static java.util.Objects.requireNonNull;

import io.chargebot.server.db.Db;
import java.sql.PreparedStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The development SMS adapter: sends nothing, records each message in {@code dev_outbox_messages}
 * and logs it whole ({@code DEV-SMS to=+821012345678 text="..."}) so a developer can read the code.
 * A database failure surfaces as the database error it is. Refused in production.
 */
final class LocalSmsSender implements SmsSender {

    private static final Logger logger = LoggerFactory.getLogger(LocalSmsSender.class);

    private final Db db;

    LocalSmsSender(Db db) {
        this.db = requireNonNull(db, "db");
    }

    @Override
    public void send(String e164Phone, String text) {
        requireNonNull(e164Phone, "e164Phone");
        requireNonNull(text, "text");
        Recipients.nationalMobile(e164Phone);
        if (text.isBlank()) {
            throw new IllegalArgumentException("text: blank (expected: a message)");
        }
        int bytes = SensSmsSender.koreanByteLength(text);
        if (bytes > SensSmsSender.LMS_MAX_BYTES) {
            throw new IllegalArgumentException("text: " + bytes + " bytes (expected: at most "
                    + SensSmsSender.LMS_MAX_BYTES + ")");
        }
        db.transaction(connection -> {
            try (PreparedStatement insert = Db.prepare(connection,
                    "INSERT INTO dev_outbox_messages (channel, recipient, body) VALUES ('SMS', ?, ?)")) {
                insert.setString(1, e164Phone);
                insert.setString(2, text);
                insert.executeUpdate();
            }
            return null;
        });
        logger.info("DEV-SMS to={} text={}", e164Phone, Recipients.quote(text));
    }
}
