package io.chargebot.server.geocode;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.chargebot.server.http.ProviderHttp;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Kakao local keyword search (developers.kakao.com "로컬 > 키워드로 장소 검색하기"):
 *
 * <pre>
 * GET {base}/v2/local/search/keyword.json?query=강남역&amp;size=1
 * Authorization: KakaoAK {REST API key}
 *
 * 200 {"documents":[{"place_name":"강남역 2호선","address_name":"서울 강남구 역삼동 858",
 *      "road_address_name":"서울 강남구 강남대로 지하 396","x":"127.02761","y":"37.49796", ...}],"meta":{...}}
 * </pre>
 *
 * {@code x}/{@code y} are WGS84 longitude/latitude in degrees. {@code documents: []} is no hit; any
 * non-200 answer is a failure (401/403: the key or the app's permissions are wrong).
 */
final class KakaoLocalSearchAdapter implements GeocodingProvider {

    static final String SETTINGS = "CHARGEBOT_GEOCODER_KAKAO_REST_KEY (the app's REST API key, with Kakao Map enabled)";

    private final GeocoderHttp http;
    private final URI baseUrl;
    private final String restKey;

    KakaoLocalSearchAdapter(GeocoderHttp http, URI baseUrl, String restKey) {
        this.http = requireNonNull(http, "http");
        this.baseUrl = requireNonNull(baseUrl, "baseUrl");
        this.restKey = requireNonNull(restKey, "restKey");
    }

    @Override
    public String name() {
        return "kakao";
    }

    @Override
    public Optional<GeocodedPlace> search(String query) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("query", query);
        parameters.put("size", "1");
        ProviderHttp.JsonResponse response = http.get("Kakao", GeocoderHttp.uri(baseUrl, "/v2/local/search/keyword.json", parameters),
                Map.of("Authorization", "KakaoAK " + restKey));
        if (response.status() != 200) {
            String what = "Kakao answered HTTP " + response.status();
            String type = GeocoderHttp.text(response.body(), "errorType");
            if (type != null && type.length() <= 64) {
                what += " (" + type + ")";
            }
            if (response.status() == 401 || response.status() == 403) {
                what += ": this looks like a configuration problem; check " + SETTINGS;
            }
            throw new ProviderFailure(what);
        }
        JsonNode body = response.body();
        JsonNode documents = body == null ? null : body.get("documents");
        if (documents == null || !documents.isArray()) {
            throw new ProviderFailure("Kakao answered HTTP 200 without a documents array");
        }
        if (documents.isEmpty()) {
            return Optional.empty();
        }
        JsonNode document = documents.get(0);
        double longitude = number(GeocoderHttp.text(document, "x"));
        double latitude = number(GeocoderHttp.text(document, "y"));
        if (!GeocodedPlace.valid(latitude, longitude)) {
            throw new ProviderFailure("Kakao answered a hit without a WGS84 x/y");
        }
        String address = GeocoderHttp.text(document, "road_address_name");
        if (address == null) {
            address = GeocoderHttp.text(document, "address_name");
        }
        String title = GeocoderHttp.text(document, "place_name");
        return Optional.of(new GeocodedPlace(latitude, longitude, title == null ? "" : title,
                address == null ? "" : address, name()));
    }

    private static double number(String text) {
        if (text == null || text.length() > 32) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    @Override
    public String toString() {
        return "Kakao local search " + baseUrl.getScheme() + "://" + baseUrl.getAuthority();
    }
}
