package io.chargebot.server.social;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Social sign-in for local development ({@code chargebot.social.provider=local}, the default), for
 * developers without Kakao or Naver apps; refused with {@code CHARGEBOT_PROFILE=production}. It calls
 * nobody. Tokens, where {@code <id>} is 1..64 ASCII letters, digits, '_' or '-':
 *
 * <ul>
 *   <li>{@code local-kakao-<id>} (for Kakao) / {@code local-naver-<id>} (for Naver): the account
 *       {@code <id>}, e-mail {@code <provider>-<id>@example.com}, name {@code "Kakao user <id>"} /
 *       {@code "Naver user <id>"}; e.g. {@code local-kakao-1234567890} → snsId {@code "1234567890"};</li>
 *   <li>{@code local-kakao-unavailable} / {@code local-naver-unavailable}: the provider is "down" —
 *       UNAVAILABLE / PROVIDER_UNAVAILABLE;</li>
 *   <li>anything else, including the other provider's tokens: invalid (empty).</li>
 * </ul>
 */
final class LocalSocialIdentityAdapter implements SocialIdentityAdapter {

    private static final Logger logger = LoggerFactory.getLogger(LocalSocialIdentityAdapter.class);

    static final String UNAVAILABLE_ID = "unavailable";

    private final SocialProvider provider;
    private final Pattern token;

    LocalSocialIdentityAdapter(SocialProvider provider) {
        this.provider = requireNonNull(provider, "provider");
        this.token = Pattern.compile("local-" + provider.name().toLowerCase(Locale.ROOT) + "-([A-Za-z0-9_-]{1,64})");
    }

    @Override
    public Optional<SocialIdentity> fetch(String accessToken) {
        Matcher matcher = token.matcher(accessToken);
        if (!matcher.matches()) {
            logger.info("Local {} sign-in: token rejected (expected local-{}-<id>)", provider.displayName(),
                    provider.name().toLowerCase(Locale.ROOT));
            return Optional.empty();
        }
        String id = matcher.group(1);
        if (id.equals(UNAVAILABLE_ID)) {
            logger.info("Local {} sign-in: simulating an outage", provider.displayName());
            throw SocialHttp.unavailable(provider);
        }
        String lower = provider.name().toLowerCase(Locale.ROOT);
        logger.info("Local {} sign-in: account {}", provider.displayName(), id);
        return Optional.of(new SocialIdentity(provider, id, lower + "-" + id + "@example.com",
                provider.displayName() + " user " + id));
    }

    @Override
    public String toString() {
        return "local " + provider.displayName();
    }
}
