package io.chargebot.server.notification;

import static java.util.Objects.requireNonNull;

import io.chargebot.server.db.Db;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The development push adapter: sends nothing, records each push in {@code dev_outbox_messages}
 * (channel PUSH; recipient the masked token, subject the title, body the text and the data payload)
 * and logs it ({@code DEV-PUSH to=…a1b2c3 title="..."}), so a developer sees what a phone would get.
 * Every message counts as delivered. Refused in production.
 */
final class LocalPushSender implements PushSender {

    private static final Logger logger = LoggerFactory.getLogger(LocalPushSender.class);

    private final Db db;

    LocalPushSender(Db db) {
        this.db = requireNonNull(db, "db");
    }

    @Override
    public List<Result> send(List<Message> messages) {
        db.transaction(connection -> {
            try (PreparedStatement insert = Db.prepare(connection,
                    "INSERT INTO dev_outbox_messages (channel, recipient, subject, body) VALUES ('PUSH', ?, ?, ?)")) {
                for (Message message : messages) {
                    insert.setString(1, PushSender.mask(message.token()));
                    insert.setString(2, message.title());
                    insert.setString(3, message.body() + "\n" + Db.jsonObject(message.data()));
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            return null;
        });
        List<Result> results = new ArrayList<>(messages.size());
        for (Message message : messages) {
            logger.info("DEV-PUSH to={} title=\"{}\" body=\"{}\" data={}", PushSender.mask(message.token()), message.title(),
                    message.body(), Db.jsonObject(message.data()));
            results.add(Result.delivered("local/" + message.notificationId()));
        }
        return results;
    }

    @Override
    public String describe() {
        return "local development adapter (dev_outbox_messages)";
    }
}
