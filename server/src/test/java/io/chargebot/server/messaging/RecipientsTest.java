package io.chargebot.server.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RecipientsTest {

    @Test
    void koreanMobileNumbersBecomeNational() {
        assertThat(Recipients.nationalMobile("+821012345678")).isEqualTo("01012345678");
        assertThat(Recipients.nationalMobile("+82111234567")).isEqualTo("0111234567");
        assertThatThrownBy(() -> Recipients.nationalMobile("+821098765432x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("+8210****432x")
                .hasMessageNotContaining("98765432");
    }

    @Test
    void masksKeepOnlyWhatIdentifiesNobody() {
        assertThat(Recipients.maskPhone("+821012345678")).isEqualTo("+8210****5678");
        assertThat(Recipients.maskPhone("12345")).isEqualTo("****");
        assertThat(Recipients.maskEmail("driver@example.com")).isEqualTo("d***@example.com");
        assertThat(Recipients.maskEmail("nobody")).isEqualTo("***");
    }

    @Test
    void quotingKeepsALogEntryOnOneLine() {
        assertThat(Recipients.quote("a \"b\"\\\nc\r\td\u0007")).isEqualTo("\"a \\\"b\\\"\\\\\\nc\\r\\td\\u0007\"");
    }
}
