package io.chargebot.server.social;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.chargebot.server.http.ProviderHttp;
import java.net.URI;
import java.util.Optional;

/**
 * Naver Login: {@code GET {base}/v1/nid/me} with the user's access token answers
 * {@code {"resultcode":"00","message":"success","response":{"id":"...","email":"...","name":"..."}}}.
 * The id is unique per Naver application, so a token of another application yields another id.
 * HTTP 401 (resultcode "024", authentication failed) or any resultcode other than "00" means the token
 * is no good.
 */
final class NaverIdentityAdapter implements SocialIdentityAdapter {

    static final String SETTINGS = "chargebot.social.naver.base-url (CHARGEBOT_SOCIAL_NAVER_BASE_URL) and the "
            + "Naver application's API permissions";

    private final SocialHttp http;
    private final URI userMe;

    NaverIdentityAdapter(SocialHttp http, URI baseUrl) {
        this.http = requireNonNull(http, "http");
        this.userMe = KakaoIdentityAdapter.resolve(baseUrl, "/v1/nid/me");
    }

    @Override
    public Optional<SocialIdentity> fetch(String accessToken) {
        ProviderHttp.JsonResponse me = http.get(SocialProvider.NAVER, userMe, accessToken);
        int status = me.status();
        if (status == 401) {
            return Optional.empty();
        }
        if (status >= 400 && status < 500 && status != 429) {
            throw SocialHttp.refused(SocialProvider.NAVER, status, SETTINGS);
        }
        if (status != 200) {
            throw SocialHttp.misbehaved(SocialProvider.NAVER, "HTTP " + status);
        }
        JsonNode body = me.body();
        if (body == null || !body.isObject()) {
            throw SocialHttp.misbehaved(SocialProvider.NAVER, "HTTP 200 without a JSON object");
        }
        String resultCode = SocialHttp.text(body, "resultcode");
        if (resultCode == null) {
            throw SocialHttp.misbehaved(SocialProvider.NAVER, "HTTP 200 without a resultcode");
        }
        if (!resultCode.equals("00")) {
            return Optional.empty();
        }
        JsonNode user = body.get("response");
        String id = SocialHttp.text(user, "id");
        if (id == null) {
            throw SocialHttp.misbehaved(SocialProvider.NAVER, "a user without an id");
        }
        if (id.length() > SocialIdentity.MAX_SNS_ID) {
            throw SocialHttp.misbehaved(SocialProvider.NAVER, "a user id longer than " + SocialIdentity.MAX_SNS_ID);
        }
        String name = SocialHttp.text(user, "name");
        if (name == null) {
            name = SocialHttp.text(user, "nickname");
        }
        return Optional.of(new SocialIdentity(SocialProvider.NAVER, id, SocialHttp.text(user, "email"), name));
    }

    @Override
    public String toString() {
        return "Naver " + userMe.getScheme() + "://" + userMe.getAuthority();
    }
}
