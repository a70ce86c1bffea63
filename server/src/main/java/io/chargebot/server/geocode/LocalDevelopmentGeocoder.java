package io.chargebot.server.geocode;

import java.text.Normalizer;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Place search for local development, selected when no geocoding provider is configured and refused
 * with {@code CHARGEBOT_PROFILE=production}. It calls nobody: a small built-in gazetteer of
 * well-known Seoul places (stations and districts near the demo lots) answers by Korean or
 * romanised name, ignoring case, spaces and punctuation, e.g. "강남역", "강남", "Gangnam Station",
 * "홍대", "Hongdae", "서울역", "시청", "City Hall". A query that contains a known name ("강남역 근처")
 * matches it too; anything else has no hit.
 */
final class LocalDevelopmentGeocoder implements Geocoder {

    private static final Logger logger = LoggerFactory.getLogger(LocalDevelopmentGeocoder.class);

    /** A gazetteer entry: the place, its address, its point, and the names it answers to. */
    record Place(String title, String address, double latitude, double longitude, List<String> names) {}

    static final List<Place> PLACES = List.of(
            new Place("서울역", "서울 중구 한강대로 405", 37.5547, 126.9707,
                    List.of("서울역", "Seoul Station", "Seoul Stn")),
            new Place("서울시청", "서울 중구 세종대로 110", 37.5663, 126.9779,
                    List.of("서울시청", "시청", "시청역", "Seoul City Hall", "City Hall")),
            new Place("광화문광장", "서울 종로구 세종대로 172", 37.5720, 126.9769,
                    List.of("광화문", "광화문광장", "광화문역", "Gwanghwamun", "Gwanghwamun Square")),
            new Place("명동", "서울 중구 퇴계로 126", 37.5609, 126.9863,
                    List.of("명동", "명동역", "Myeongdong", "Myeong-dong")),
            new Place("동대문디자인플라자", "서울 중구 을지로 281", 37.5663, 127.0092,
                    List.of("동대문", "동대문디자인플라자", "DDP", "Dongdaemun", "Dongdaemun Design Plaza")),
            new Place("용산역", "서울 용산구 한강대로23길 55", 37.5298, 126.9648,
                    List.of("용산역", "용산", "Yongsan", "Yongsan Station")),
            new Place("이태원역", "서울 용산구 이태원로 177", 37.5345, 126.9946,
                    List.of("이태원", "이태원역", "Itaewon")),
            new Place("여의도", "서울 영등포구 국제금융로 10", 37.5219, 126.9245,
                    List.of("여의도", "여의도역", "Yeouido", "Yeouido Station")),
            new Place("영등포역", "서울 영등포구 경인로 846", 37.5157, 126.9076,
                    List.of("영등포", "영등포역", "Yeongdeungpo")),
            new Place("신촌역", "서울 서대문구 신촌로 90", 37.5552, 126.9368,
                    List.of("신촌", "신촌역", "Sinchon")),
            new Place("홍대입구역", "서울 마포구 양화로 160", 37.5572, 126.9245,
                    List.of("홍대입구역", "홍대입구", "홍대", "Hongik University Station", "Hongik University", "Hongdae")),
            new Place("강남역", "서울 강남구 강남대로 396", 37.4979, 127.0276,
                    List.of("강남역", "강남", "Gangnam Station", "Gangnam")),
            new Place("역삼역", "서울 강남구 테헤란로 156", 37.5007, 127.0365,
                    List.of("역삼", "역삼역", "Yeoksam")),
            new Place("코엑스", "서울 강남구 영동대로 513", 37.5116, 127.0592,
                    List.of("코엑스", "삼성역", "COEX", "Samseong", "Samseong Station")),
            new Place("고속터미널", "서울 서초구 신반포로 194", 37.5049, 127.0049,
                    List.of("고속터미널", "고속버스터미널", "Express Bus Terminal")),
            new Place("잠실역", "서울 송파구 올림픽로 265", 37.5133, 127.1001,
                    List.of("잠실", "잠실역", "롯데월드", "Jamsil", "Jamsil Station", "Lotte World")),
            new Place("건대입구역", "서울 광진구 아차산로 272", 37.5404, 127.0692,
                    List.of("건대입구", "건대입구역", "건대", "Konkuk University", "Konkuk University Station")),
            new Place("성수역", "서울 성동구 아차산로 100", 37.5446, 127.0557,
                    List.of("성수", "성수역", "성수동", "Seongsu")),
            new Place("왕십리역", "서울 성동구 왕십리광장로 17", 37.5612, 127.0371,
                    List.of("왕십리", "왕십리역", "Wangsimni")),
            new Place("김포공항", "서울 강서구 하늘길 112", 37.5587, 126.8026,
                    List.of("김포공항", "Gimpo Airport", "Gimpo International Airport")),
            new Place("판교역", "경기 성남시 분당구 판교역로 160", 37.3947, 127.1112,
                    List.of("판교", "판교역", "Pangyo", "Pangyo Station")));

    private final Map<String, Place> byName = new HashMap<>();

    LocalDevelopmentGeocoder() {
        for (Place place : PLACES) {
            for (String name : place.names()) {
                Place previous = byName.put(normalize(name), place);
                if (previous != null && previous != place) {
                    throw new IllegalStateException("gazetteer name " + name + " is ambiguous");
                }
            }
        }
    }

    @Override
    public Optional<GeocodedPlace> geocode(String query) {
        String key = normalize(query);
        Place place = byName.get(key);
        if (place == null) {
            // The longest known name inside the query: "강남역 2번 출구" → 강남역.
            String best = null;
            for (String name : byName.keySet()) {
                if (name.length() >= 2 && key.contains(name) && (best == null || name.length() > best.length())) {
                    best = name;
                }
            }
            place = best == null ? null : byName.get(best);
        }
        if (place == null) {
            logger.info("Local geocoder: no built-in place matches; known places are Seoul stations and districts "
                    + "such as 강남역, 서울역, 홍대입구역, 여의도, 잠실, 시청, 광화문");
            return Optional.empty();
        }
        return Optional.of(new GeocodedPlace(place.latitude(), place.longitude(), place.title(), place.address(), "local"));
    }

    /** Lower case, NFC, without spaces and punctuation. */
    static String normalize(String text) {
        String nfc = Normalizer.normalize(text, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(nfc.length());
        nfc.codePoints().filter(Character::isLetterOrDigit).forEach(out::appendCodePoint);
        return out.toString();
    }

    @Override
    public String toString() {
        return "local development gazetteer (" + PLACES.size() + " Seoul places)";
    }
}
