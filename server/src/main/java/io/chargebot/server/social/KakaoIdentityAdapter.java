package io.chargebot.server.social;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.chargebot.server.http.ProviderHttp;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kakao Login: {@code GET {base}/v2/user/me} with the user's access token answers
 * {@code {"id":1234567890,"kakao_account":{"email":"...","profile":{"nickname":"..."}}}}. HTTP 401
 * (and Kakao error codes -401 invalid token, -101 user not linked to the app, -103 missing or dormant
 * account) mean the token is no good. When an app id is configured, the token is first checked to be
 * issued for that app ({@code GET {base}/v1/user/access_token_info} → {@code app_id}), so a token
 * obtained by another Kakao app is refused.
 */
final class KakaoIdentityAdapter implements SocialIdentityAdapter {

    private static final Logger logger = LoggerFactory.getLogger(KakaoIdentityAdapter.class);

    static final String SETTINGS = "chargebot.social.kakao.base-url / app-id "
            + "(CHARGEBOT_SOCIAL_KAKAO_BASE_URL, CHARGEBOT_SOCIAL_KAKAO_APP_ID)";
    private static final Set<Integer> TOKEN_REJECTED_CODES = Set.of(-401, -101, -103);

    private final SocialHttp http;
    private final URI userMe;
    private final URI tokenInfo;
    @Nullable
    private final String appId;

    KakaoIdentityAdapter(SocialHttp http, URI baseUrl, @Nullable String appId) {
        this.http = requireNonNull(http, "http");
        this.userMe = resolve(baseUrl, "/v2/user/me");
        this.tokenInfo = resolve(baseUrl, "/v1/user/access_token_info");
        this.appId = appId;
    }

    static URI resolve(URI baseUrl, String path) {
        String base = baseUrl.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + path);
    }

    @Override
    public Optional<SocialIdentity> fetch(String accessToken) {
        if (appId != null) {
            ProviderHttp.JsonResponse info = http.get(SocialProvider.KAKAO, tokenInfo, accessToken);
            if (info.status() != 200) {
                return rejectedOrFail(info);
            }
            JsonNode issuedFor = info.body() == null ? null : info.body().get("app_id");
            if (issuedFor == null || !issuedFor.isValueNode() || issuedFor.asText().isBlank()) {
                throw SocialHttp.misbehaved(SocialProvider.KAKAO, "token info without an app_id");
            }
            if (!issuedFor.asText().equals(appId)) {
                logger.warn("Kakao token issued for another app ({}), not this server's app {}; refused",
                        issuedFor.asText(), appId);
                return Optional.empty();
            }
        }
        ProviderHttp.JsonResponse me = http.get(SocialProvider.KAKAO, userMe, accessToken);
        if (me.status() != 200) {
            return rejectedOrFail(me);
        }
        JsonNode body = me.body();
        if (body == null || !body.isObject()) {
            throw SocialHttp.misbehaved(SocialProvider.KAKAO, "HTTP 200 without a JSON object");
        }
        JsonNode id = body.get("id");
        String snsId;
        if (id != null && id.isIntegralNumber()) {
            snsId = id.bigIntegerValue().toString();
        } else if (id != null && id.isTextual() && !id.asText().isBlank()) {
            snsId = id.asText().strip();
        } else {
            throw SocialHttp.misbehaved(SocialProvider.KAKAO, "a user without an id");
        }
        if (snsId.length() > SocialIdentity.MAX_SNS_ID) {
            throw SocialHttp.misbehaved(SocialProvider.KAKAO, "a user id longer than " + SocialIdentity.MAX_SNS_ID);
        }
        JsonNode account = body.get("kakao_account");
        String email = null;
        String name = null;
        if (account != null && account.isObject()) {
            boolean emailUsable = !isFalse(account.get("is_email_valid")) && !isFalse(account.get("is_email_verified"));
            email = emailUsable ? SocialHttp.text(account, "email") : null;
            name = SocialHttp.text(account, "name");
            if (name == null) {
                name = SocialHttp.text(account.get("profile"), "nickname");
            }
        }
        return Optional.of(new SocialIdentity(SocialProvider.KAKAO, snsId, email, name));
    }

    private static boolean isFalse(@Nullable JsonNode flag) {
        return flag != null && flag.isBoolean() && !flag.booleanValue();
    }

    private static Optional<SocialIdentity> rejectedOrFail(ProviderHttp.JsonResponse response) {
        int status = response.status();
        if (status == 401) {
            return Optional.empty();
        }
        if (status >= 400 && status < 500) {
            JsonNode code = response.body() == null ? null : response.body().get("code");
            if (code != null && code.isIntegralNumber() && TOKEN_REJECTED_CODES.contains(code.intValue())) {
                return Optional.empty();
            }
            if (status != 429) {
                throw SocialHttp.refused(SocialProvider.KAKAO, status, SETTINGS);
            }
        }
        throw SocialHttp.misbehaved(SocialProvider.KAKAO, "HTTP " + status);
    }

    @Override
    public String toString() {
        return "Kakao " + userMe.getScheme() + "://" + userMe.getAuthority() + (appId == null ? "" : " (app " + appId + ")");
    }
}
