package io.chargebot.server.geocode;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The built-in gazetteer that local development uses instead of Naver and Kakao. */
class LocalDevelopmentGeocoderTest {

    private final LocalDevelopmentGeocoder geocoder = new LocalDevelopmentGeocoder();

    @Test
    void knowsWellKnownSeoulPlacesByKoreanAndRomanisedNames() {
        GeocodedPlace gangnam = geocoder.geocode("강남역").orElseThrow();
        assertThat(gangnam.latitude()).isBetween(37.49, 37.51);
        assertThat(gangnam.longitude()).isBetween(127.02, 127.04);
        assertThat(gangnam.title()).isEqualTo("강남역");
        assertThat(gangnam.source()).isEqualTo("local");
        for (String name : new String[] {"강남", "Gangnam Station", "gangnam", "  GANGNAM   station ", "강남역 2번 출구"}) {
            assertThat(geocoder.geocode(name)).as(name).contains(gangnam);
        }
        assertThat(geocoder.geocode("Seoul Station")).isEqualTo(geocoder.geocode("서울역"));
        assertThat(geocoder.geocode("홍대")).isEqualTo(geocoder.geocode("Hongik University Station"));
        assertThat(geocoder.geocode("city hall")).isEqualTo(geocoder.geocode("시청"));
        assertThat(geocoder.geocode("Yeouido")).isEqualTo(geocoder.geocode("여의도"));
        assertThat(geocoder.geocode("Jamsil")).isEqualTo(geocoder.geocode("잠실"));
        assertThat(geocoder.geocode("광화문")).isPresent();
    }

    @Test
    void theLongestKnownNameInTheQueryWins() {
        // "서울시청" contains "시청"; both name the same place, and "홍대입구역" beats "홍대".
        assertThat(geocoder.geocode("서울시청 앞")).isEqualTo(geocoder.geocode("시청"));
        assertThat(geocoder.geocode("홍대입구역 9번 출구").orElseThrow().title()).isEqualTo("홍대입구역");
    }

    @Test
    void unknownPlacesHaveNoHit() {
        assertThat(geocoder.geocode("부산 해운대")).isEmpty();
        assertThat(geocoder.geocode("x")).isEmpty();
        assertThat(geocoder.geocode("")).isEmpty();
    }

    @Test
    void everyPlaceIsAValidPointInOrNearSeoul() {
        for (LocalDevelopmentGeocoder.Place place : LocalDevelopmentGeocoder.PLACES) {
            assertThat(place.latitude()).as(place.title()).isBetween(37.3, 37.7);
            assertThat(place.longitude()).as(place.title()).isBetween(126.7, 127.2);
            for (String name : place.names()) {
                assertThat(geocoder.geocode(name)).as(name).get().extracting(GeocodedPlace::title).isEqualTo(place.title());
            }
        }
    }
}
