package io.chargebot.server.geocode;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.chargebot.server.http.ProviderHttp;
import java.math.BigDecimal;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Naver local search (developers.naver.com "검색 > 지역"):
 *
 * <pre>
 * GET {base}/v1/search/local.json?query=강남역&amp;display=1
 * X-Naver-Client-Id: {client id}
 * X-Naver-Client-Secret: {client secret}
 *
 * 200 {"total":1,"items":[{"title":"&lt;b&gt;강남역&lt;/b&gt; 2호선","address":"서울특별시 강남구 역삼동 858",
 *      "roadAddress":"서울특별시 강남구 강남대로 396","mapx":"1270276241","mapy":"374979502", ...}]}
 * </pre>
 *
 * {@code mapx}/{@code mapy} are WGS84 longitude/latitude × 10^7 as integers. An item whose point is
 * not such a coordinate (e.g. the KATECH values the API returned before 2023, which land within a
 * degree of 0°N 0°E) is refused as a misbehaving answer rather than sending users to the Gulf of Guinea.
 * {@code items: []} is no hit; any non-200 answer is a failure.
 */
final class NaverLocalSearchAdapter implements GeocodingProvider {

    static final String SETTINGS = "CHARGEBOT_GEOCODER_NAVER_CLIENT_ID, CHARGEBOT_GEOCODER_NAVER_CLIENT_SECRET "
            + "(and the Naver application's 검색 API permission)";
    private static final BigDecimal SCALE = BigDecimal.valueOf(10_000_000L);
    private static final Pattern TAG = Pattern.compile("<[^>]*>");
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|amp|lt|gt|quot|apos);");

    private final GeocoderHttp http;
    private final URI baseUrl;
    private final String clientId;
    private final String clientSecret;

    NaverLocalSearchAdapter(GeocoderHttp http, URI baseUrl, String clientId, String clientSecret) {
        this.http = requireNonNull(http, "http");
        this.baseUrl = requireNonNull(baseUrl, "baseUrl");
        this.clientId = requireNonNull(clientId, "clientId");
        this.clientSecret = requireNonNull(clientSecret, "clientSecret");
    }

    @Override
    public String name() {
        return "naver";
    }

    @Override
    public Optional<GeocodedPlace> search(String query) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("query", query);
        parameters.put("display", "1");
        ProviderHttp.JsonResponse response = http.get("Naver", GeocoderHttp.uri(baseUrl, "/v1/search/local.json", parameters),
                Map.of("X-Naver-Client-Id", clientId, "X-Naver-Client-Secret", clientSecret));
        if (response.status() != 200) {
            throw new ProviderFailure(failure(response));
        }
        JsonNode body = response.body();
        JsonNode items = body == null ? null : body.get("items");
        if (items == null || !items.isArray()) {
            throw new ProviderFailure("Naver answered HTTP 200 without an items array");
        }
        if (items.isEmpty()) {
            return Optional.empty();
        }
        JsonNode item = items.get(0);
        double longitude = degrees(GeocoderHttp.text(item, "mapx"));
        double latitude = degrees(GeocoderHttp.text(item, "mapy"));
        if (!GeocodedPlace.valid(latitude, longitude) || (Math.abs(latitude) < 1 && Math.abs(longitude) < 1)) {
            throw new ProviderFailure("Naver answered a hit without a WGS84 mapx/mapy (expected degrees x 10^7)");
        }
        String address = GeocoderHttp.text(item, "roadAddress");
        if (address == null) {
            address = GeocoderHttp.text(item, "address");
        }
        String title = GeocoderHttp.text(item, "title");
        return Optional.of(new GeocodedPlace(latitude, longitude, title == null ? "" : plainText(title),
                address == null ? "" : address, name()));
    }

    private static String failure(ProviderHttp.JsonResponse response) {
        int status = response.status();
        String code = GeocoderHttp.text(response.body(), "errorCode");
        String what = "Naver answered HTTP " + status + (code == null ? "" : " (errorCode " + code + ")");
        if (status == 401 || status == 403) {
            return what + ": this looks like a configuration problem; check " + SETTINGS;
        }
        return what;
    }

    /** Degrees from an integer string of degrees × 10^7; NaN when it is not one. */
    private static double degrees(String scaled) {
        if (scaled == null || scaled.length() > 20) {
            return Double.NaN;
        }
        try {
            return new BigDecimal(scaled).divide(SCALE).doubleValue();
        } catch (NumberFormatException | ArithmeticException e) {
            return Double.NaN;
        }
    }

    /** Naver marks the matched words with {@code <b>}; titles are HTML with entities. */
    static String plainText(String html) {
        String text = TAG.matcher(html).replaceAll("");
        Matcher entity = ENTITY.matcher(text);
        StringBuilder out = new StringBuilder();
        while (entity.find()) {
            String name = entity.group(1);
            String replacement = switch (name) {
                case "amp" -> "&";
                case "lt" -> "<";
                case "gt" -> ">";
                case "quot" -> "\"";
                case "apos" -> "'";
                default -> {
                    int codePoint = name.charAt(1) == 'x' || name.charAt(1) == 'X'
                            ? Integer.parseInt(name.substring(2), 16) : Integer.parseInt(name.substring(1));
                    yield Character.isValidCodePoint(codePoint) ? new String(Character.toChars(codePoint)) : "";
                }
            };
            entity.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        entity.appendTail(out);
        return out.toString().strip();
    }

    @Override
    public String toString() {
        return "Naver local search " + baseUrl.getScheme() + "://" + baseUrl.getAuthority();
    }
}
