package io.chargebot.server.license;

import static java.util.Objects.requireNonNull;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A licence verifier for local development ({@code chargebot.license.provider=local}, the default):
 * it asks nobody and answers by fixed rules, so an app developer can reach every branch. Refused with
 * {@code CHARGEBOT_PROFILE=production}. Rules, first match wins (numbers as {@code RR-YY-NNNNNN-CC}):
 *
 * <ol>
 *   <li>check digits {@code CC} = {@code 99}, e.g. {@code 11-23-123456-99}: the verifier is "down" —
 *       UNAVAILABLE / PROVIDER_UNAVAILABLE;</li>
 *   <li>serial part {@code NNNNNN} = {@code 000000}, e.g. {@code 11-23-000000-01}:
 *       {@code "11" / "면허번호 오류" / "면허정보 없음"} (no such licence);</li>
 *   <li>serial number (the code printed on the card) not exactly 6 letters/digits, or all zeros
 *       ({@code 000000}): {@code "21" / "일련번호 불일치" / "암호일련번호가 일치하지 않음"};</li>
 *   <li>anything else, e.g. {@code 11-23-123456-01} with serial {@code AB1234}:
 *       {@code "00" / "정상" / "이상없음"} (valid).</li>
 * </ol>
 *
 * Codes other than "00" are this adapter's own; a real verifier may use others. Each answer is logged
 * with the masked number.
 */
public final class LocalLicenseVerifier implements LicenseVerifier {

    private static final Logger logger = LoggerFactory.getLogger(LocalLicenseVerifier.class);

    static final String PROVIDER = "local";
    static final int SERIAL_LENGTH = 6;

    @Override
    public LicenseCheck verify(LicenseQuery query) {
        requireNonNull(query, "query");
        String digits = query.number().digits();
        if (digits.endsWith("99")) {
            logger.info("Local licence verifier: simulating an outage for licence {}", query.number().masked());
            throw new ApiException(Status.Code.UNAVAILABLE, ErrorReason.PROVIDER_UNAVAILABLE,
                    "the driver's licence verifier is unavailable; retry later", List.of(), Map.of(),
                    Duration.ofSeconds(1));
        }
        LicenseCheck check;
        if (digits.substring(4, 10).equals("000000")) {
            check = LicenseCheck.of("11", "면허번호 오류", "면허정보 없음", PROVIDER);
        } else if (query.serialNumber().length() != SERIAL_LENGTH || query.serialNumber().chars().allMatch(c -> c == '0')) {
            check = LicenseCheck.of("21", "일련번호 불일치", "암호일련번호가 일치하지 않음", PROVIDER);
        } else {
            check = LicenseCheck.of(LicenseCheck.VALID_CODE, "정상", "이상없음", PROVIDER);
        }
        logger.info("Local licence verifier: licence {} -> {} {}", query.number().masked(), check.resultCode(),
                check.result());
        return check;
    }

    @Override
    public String toString() {
        return "LocalLicenseVerifier";
    }
}
