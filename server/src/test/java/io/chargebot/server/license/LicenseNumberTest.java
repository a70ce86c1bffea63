package io.chargebot.server.license;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class LicenseNumberTest {

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
    @CsvSource(delimiter = '|', value = {
            "11-23-123456-01      | 112312345601",
            "112312345601         | 112312345601",
            "11 23 123456 01      | 112312345601",
            "'  11-23-123456-01  '| 112312345601",
            "1123-123456-01       | 112312345601",
            "11-23123456-01       | 112312345601",
            "11 - 23 - 123456 - 01| 112312345601",
            "11–23–123456–01      | 112312345601",
            "11－23－123456－01   | 112312345601",
            "28-99-000001-00      | 289900000100",
            "서울 23-123456-01    | 112312345601",
            "서울23-123456-01     | 112312345601",
            "서울-23-123456-01    | 112312345601",
            "서울 2312345601      | 112312345601",
            "부산 12-345678-90    | 121234567890",
            "경기 05-111111-11    | 130511111111",
            "경기남부 05-111111-11| 130511111111",
            "경기북부 05-111111-11| 280511111111",
            "제주 88-765432-10    | 218876543210",
            "울산 01-010101-01    | 260101010101",
    })
    void acceptsTheWrittenForms(String raw, String digits) {
        LicenseNumber number = LicenseNumber.parse(raw);

        assertThat(number.digits()).isEqualTo(digits);
        assertThat(number.regionCode()).isEqualTo(digits.substring(0, 2));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {
            "",
            "   ",
            "11-23-123456-0",          // 11 digits
            "11-23-123456-012",        // 13 digits
            "1123456789",              // 10 digits without a region name
            "1A-23-123456-01",         // a letter
            "11-23-12345X-01",
            "11.23.123456.01",         // not a separator
            "11_23_123456_01",
            "10-23-123456-01",         // region below 11
            "29-23-123456-01",         // region above 28
            "00-23-123456-01",
            "99-23-123456-01",
            "1-123-123456-01",         // dash in the wrong place
            "11-2-3123456-01",
            "-11-23-123456-01",
            "11-23-123456-01-",
            "뉴욕 23-123456-01",        // unknown region name
            "서울 11-23-123456-01",     // region twice: 12 digits after the name
            "서울 23-12345-01",         // 9 digits after the name
            "서울 2-3123456-01",        // dash in the wrong place after the name
            "١١-٢٣-١٢٣٤٥٦-٠١",         // Arabic-Indic digits
            "11-23-123456-01 11-23-123456-01 11-23-12", // too long
    })
    void rejectsWhatIsNotALicenceNumber(String raw) {
        assertThatThrownBy(() -> LicenseNumber.parse(raw))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("licenseNumber: ");
    }

    @ParameterizedTest
    @NullSource
    void rejectsNull(String raw) {
        assertThatThrownBy(() -> LicenseNumber.parse(raw))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"11-23-987654-0", "11-23-987654-012", "99-23-987654-01", "11-23-987654-01-", "서울 11-23-987654-01",
            "11-23-98765X-01", "11-23-987654-01 11-23-987654-01 11-23-98"})
    void errorMessagesNeverRepeatTheInput(String raw) {
        assertThatThrownBy(() -> LicenseNumber.parse(raw))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("987654").doesNotContain("98765"));
    }

    @Test
    void masksTheMiddleSixDigits() {
        LicenseNumber number = LicenseNumber.parse("11-23-987654-01");

        assertThat(number.masked()).isEqualTo("11-23-******-01");
        assertThat(number.toString()).isEqualTo(number.masked()).doesNotContain("987654");
        assertThat(LicenseNumber.parse("경기북부 23-987654-01").masked()).isEqualTo("28-23-******-01");
    }

    @Test
    void equalWhenTheDigitsAre() {
        assertThat(LicenseNumber.parse("서울 23-987654-01"))
                .isEqualTo(LicenseNumber.parse("112398765401"))
                .hasSameHashCodeAs(LicenseNumber.parse("11 23 987654 01"))
                .isNotEqualTo(LicenseNumber.parse("12-23-987654-01"));
    }
}
