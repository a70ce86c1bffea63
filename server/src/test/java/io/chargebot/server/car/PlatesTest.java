package io.chargebot.server.car;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.server.error.ApiException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PlatesTest {

    @ParameterizedTest(name = "[{0}] -> {1}")
    @CsvSource(delimiter = '|', value = {
            "12가3456|12가3456",
            "123가4567|123가4567",
            "서울12가3456|서울12가3456",
            "12가 3456|12가3456",
            " 12 가 3456 |12가3456",
            "123-가-4567|123가4567",
            "서울 12 가 3456|서울12가3456",
            "１２가３４５６|12가3456",
            "１２３가４５６７|123가4567",
            "12가.3456|12가3456",
            "경기 98 바 1234|경기98바1234",
            "제주12하3456|제주12하3456",
            "345배6789|345배6789",
            "12가\u00a03456|12가3456",
            "12가\u20133456|12가3456",
    })
    void acceptsAndNormalises(String raw, String expected) {
        assertThat(Plates.tryNormalize(raw)).contains(expected);
        assertThat(Plates.normalize(raw, "car.plate")).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"12\u1100\u1161 3456|12가3456"})
    void composesDecomposedHangul(String raw, String expected) {
        assertThat(Plates.tryNormalize(raw)).contains(expected);
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {
            "", " ", "1가3456", "1234가5678", "12가345", "12가34567", "12A3456", "AB12CD", "12가3456가",
            "뉴욕12가3456", "서울123가4567", "12육3456", "12외3456", "가3456", "12가-", "서울가3456",
            "123가4567123가4567123가4567123가4567", "12가三456", "12\uD83D\uDE973456",
    })
    void rejects(String raw) {
        assertThat(Plates.tryNormalize(raw)).isEmpty();
        assertThatThrownBy(() -> Plates.normalize(raw, "car.plate"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.violations())
                        .anySatisfy(violation -> assertThat(violation.field()).isEqualTo("car.plate")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"12가3456", "123가4567", "서울12가3456"})
    void normalisedFormIsAFixedPoint(String plate) {
        String once = Plates.tryNormalize(plate).orElseThrow();
        assertThat(Plates.tryNormalize(once)).contains(once);
    }
}
