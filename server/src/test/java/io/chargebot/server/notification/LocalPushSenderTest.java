package io.chargebot.server.notification;

import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.db.Db;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.server.testing.TestServers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The development push adapter records what a phone would get, data payload as JSON with sorted keys. */
class LocalPushSenderTest {

    private static ChargeBotServer server;

    @BeforeAll
    static void start() {
        server = TestServers.start(Map.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void eachPushIsRecordedWithItsMaskedTokenTitleBodyAndData() throws Exception {
        LocalPushSender sender = new LocalPushSender(server.context().getBean(Db.class));
        List<PushSender.Result> results = sender.send(List.of(
                new PushSender.Message("n1", "token-abcdef123456", "충전 완료", "Done \"now\"",
                        Map.of("type", "CHARGING_FINISHED", "resource", "reservations/r1", "note", "a\\b \"c\"")),
                new PushSender.Message("n2", "abc", "t", "b", Map.of())));

        assertThat(results).extracting(PushSender.Result::outcome)
                .containsExactly(PushSender.Outcome.DELIVERED, PushSender.Outcome.DELIVERED);
        assertThat(results.get(0).messageId()).isEqualTo("local/n1");
        List<String> rows = new ArrayList<>();
        try (Connection c = TestDatabases.connect(server.database()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT recipient, subject, body FROM dev_outbox_messages "
                     + "WHERE channel = 'PUSH' ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " | " + rs.getString(2) + " | " + rs.getString(3));
            }
        }
        assertThat(rows).containsExactly(
                "…123456 | 충전 완료 | Done \"now\"\n"
                        + "{\"note\":\"a\\\\b \\\"c\\\"\",\"resource\":\"reservations/r1\",\"type\":\"CHARGING_FINISHED\"}",
                "… | t | b\n{}");
    }
}
