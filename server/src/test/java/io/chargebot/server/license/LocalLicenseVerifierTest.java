package io.chargebot.server.license;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.grpc.Status;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class LocalLicenseVerifierTest {

    private final LocalLicenseVerifier verifier = new LocalLicenseVerifier();

    private static LicenseQuery query(String number, String serial) {
        return new LicenseQuery(LocalDate.of(1999, 8, 23), "홍길동", LicenseNumber.parse(number), serial);
    }

    @Test
    void wellFormedLicenceWithASixCharacterSerialIsValid() {
        assertThat(verifier.verify(query("11-23-123456-01", "AB1234")))
                .isEqualTo(new LicenseCheck("00", "정상", "이상없음", true, "local"));
        assertThat(verifier.verify(query("서울 23-123456-01", "ab12cd")).valid()).isTrue();
    }

    @Test
    void serialPartOfZerosIsAnUnknownLicence() {
        assertThat(verifier.verify(query("11-23-000000-01", "AB1234")))
                .isEqualTo(new LicenseCheck("11", "면허번호 오류", "면허정보 없음", false, "local"));
    }

    @Test
    void serialThatIsNotSixCharactersOrAllZerosDoesNotMatch() {
        LicenseCheck mismatch = new LicenseCheck("21", "일련번호 불일치", "암호일련번호가 일치하지 않음", false, "local");

        assertThat(verifier.verify(query("11-23-123456-01", "000000"))).isEqualTo(mismatch);
        assertThat(verifier.verify(query("11-23-123456-01", "AB123"))).isEqualTo(mismatch);
        assertThat(verifier.verify(query("11-23-123456-01", "qwerty123456"))).isEqualTo(mismatch);
    }

    @Test
    void checkDigits99SimulateAnOutage() {
        assertThatThrownBy(() -> verifier.verify(query("11-23-123456-99", "AB1234")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.reason()).isEqualTo(ErrorReason.PROVIDER_UNAVAILABLE);
                    assertThat(e.getMessage()).doesNotContain("123456");
                });
    }

    @Test
    void rulesApplyInOrder() {
        // An outage wins over an unknown number; an unknown number wins over a serial mismatch.
        assertThatThrownBy(() -> verifier.verify(query("11-23-000000-99", "000000"))).isInstanceOf(ApiException.class);
        assertThat(verifier.verify(query("11-23-000000-01", "000000")).resultCode()).isEqualTo("11");
    }
}
