package io.chargebot.bench;

import java.util.SplittableRandom;

/**
 * Where the seeded lots are, and where the benchmark searches from: the same mixture for both, so
 * most searches hit populated areas. 40% of points fall in Seoul's bounding box, the rest uniformly
 * over South Korea's land bounding box (which also covers some sea; searches there find few lots,
 * as a real app's would).
 */
final class KoreaArea {

    static final double SEOUL_SHARE = 0.40;
    static final double SEOUL_LAT_MIN = 37.413;
    static final double SEOUL_LAT_MAX = 37.715;
    static final double SEOUL_LNG_MIN = 126.734;
    static final double SEOUL_LNG_MAX = 127.269;
    static final double KOREA_LAT_MIN = 34.5;
    static final double KOREA_LAT_MAX = 38.3;
    static final double KOREA_LNG_MIN = 126.3;
    static final double KOREA_LNG_MAX = 129.4;

    private KoreaArea() {}

    /** A point drawn from the mixture into {@code out}: latitude, longitude, and 1 if in Seoul's box else 0. */
    static void point(SplittableRandom random, double[] out) {
        if (random.nextDouble() < SEOUL_SHARE) {
            out[0] = random.nextDouble(SEOUL_LAT_MIN, SEOUL_LAT_MAX);
            out[1] = random.nextDouble(SEOUL_LNG_MIN, SEOUL_LNG_MAX);
            out[2] = 1;
        } else {
            out[0] = random.nextDouble(KOREA_LAT_MIN, KOREA_LAT_MAX);
            out[1] = random.nextDouble(KOREA_LNG_MIN, KOREA_LNG_MAX);
            out[2] = 0;
        }
    }

    /** A rough region name for display names and addresses. */
    static String region(double latitude, double longitude, boolean seoul) {
        if (seoul) {
            return "서울특별시";
        }
        if (latitude >= 37.0) {
            return longitude >= 127.8 ? "강원특별자치도" : "경기도";
        }
        if (latitude >= 36.0) {
            return longitude >= 128.0 ? "경상북도" : "충청남도";
        }
        if (latitude >= 35.0) {
            return longitude >= 127.8 ? "경상남도" : "전라북도";
        }
        return longitude >= 127.8 ? "부산광역시" : "전라남도";
    }
}
