package io.chargebot.server.license;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LicenseQueryTest {

    private static final LicenseNumber NUMBER = LicenseNumber.parse("11-23-987654-01");

    @Test
    void toStringRevealsOnlyTheMaskedNumber() {
        LicenseQuery query = new LicenseQuery(LocalDate.of(1999, 8, 23), "홍길동", NUMBER, "QZ7731");

        assertThat(query.toString())
                .contains("11-23-******-01")
                .doesNotContain("987654")
                .doesNotContain("112398765401")
                .doesNotContain("QZ7731")
                .doesNotContain("1999")
                .doesNotContain("홍길동");
    }

    @Test
    void trimsNameAndSerial() {
        LicenseQuery query = new LicenseQuery(LocalDate.of(1999, 8, 23), "  홍길동 ", NUMBER, " qwerty123456 ");

        assertThat(query.holderName()).isEqualTo("홍길동");
        assertThat(query.serialNumber()).isEqualTo("qwerty123456");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"", "  ", "AB-123", "AB 123", "일련번호1", "ABCDEFGHIJKLMNOPQRSTU"})
    void rejectsBadSerialsWithoutRepeatingThem(String serial) {
        assertThatThrownBy(() -> new LicenseQuery(LocalDate.of(1999, 8, 23), "홍길동", NUMBER, serial))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("serialNumber: expected 1..20 ASCII letters and digits");
    }

    @Test
    void rejectsBadHolderNames() {
        assertThatThrownBy(() -> new LicenseQuery(LocalDate.of(1999, 8, 23), " ", NUMBER, "AB1234"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("holderName: ");
        assertThatThrownBy(() -> new LicenseQuery(LocalDate.of(1999, 8, 23), "가".repeat(51), NUMBER, "AB1234"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("holderName: ");
        assertThatThrownBy(() -> new LicenseQuery(LocalDate.of(1999, 8, 23), "홍\n길동", NUMBER, "AB1234"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("holderName: ");
        assertThat(new LicenseQuery(LocalDate.of(1999, 8, 23), "가".repeat(50), NUMBER, "AB1234").holderName()).hasSize(50);
    }
}
