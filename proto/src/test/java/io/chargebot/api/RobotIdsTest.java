package io.chargebot.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RobotIdsTest {

    /** The rule as robot_service.proto writes it. */
    private static final Pattern CONTRACT = Pattern.compile("[A-Za-z0-9_-]{3,64}");

    @Test
    void acceptsExactlyTheContractsCharactersAndLengths() {
        assertThat(RobotIds.valid("r-1")).isTrue();
        assertThat(RobotIds.valid("Robot_07-B2")).isTrue();
        assertThat(RobotIds.valid("a".repeat(64))).isTrue();
        assertThat(RobotIds.valid("ab")).isFalse();
        assertThat(RobotIds.valid("a".repeat(65))).isFalse();
        assertThat(RobotIds.valid("")).isFalse();
        assertThat(RobotIds.valid(null)).isFalse();
        assertThat(RobotIds.valid("robot 1")).isFalse();
        assertThat(RobotIds.valid("robot/1")).isFalse();
        assertThat(RobotIds.valid("robot+1")).isFalse();
        assertThat(RobotIds.valid("로봇-01")).isFalse();
        assertThat(RobotIds.valid("robot\u00001")).isFalse();
    }

    @Test
    void agreesWithTheContractsPatternForEveryCharacterOfTheFirstPlanesAtEveryPlace() {
        for (char c = 0; c < 0x3000; c++) {
            for (String id : new String[] {c + "ab", "a" + c + "b", "ab" + c, "ab" + c + "x".repeat(61)}) {
                assertThat(RobotIds.valid(id)).as("U+%04X in %s", (int) c, id).isEqualTo(CONTRACT.matcher(id).matches());
            }
        }
        String surrogates = "ab\uD83E\uDD16";
        assertThat(RobotIds.valid(surrogates)).isEqualTo(CONTRACT.matcher(surrogates).matches()).isFalse();
    }

    @Test
    void agreesWithTheContractsPatternAtEveryLength() {
        for (int n = 0; n <= 70; n++) {
            String id = "x".repeat(n);
            assertThat(RobotIds.valid(id)).as("length %d", n).isEqualTo(CONTRACT.matcher(id).matches());
        }
    }
}
