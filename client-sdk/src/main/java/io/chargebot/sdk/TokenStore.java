package io.chargebot.sdk;

import javax.annotation.Nullable;

/**
 * Where the client keeps the {@link Tokens} of the signed-in session. The default,
 * {@link InMemoryTokenStore}, forgets them when the process ends; an Android app that wants to stay
 * signed in implements this on encrypted storage (see the SDK's README for an
 * {@code EncryptedSharedPreferences} example) and passes it to
 * {@link ChargeBotClient.Builder#tokenStore(TokenStore)}.
 *
 * <p>The client calls {@link #get()} before every call, so it must be fast: keep the tokens in
 * memory and write them through to storage in {@link #save(Tokens)}. Calls come from many threads;
 * implementations must be thread-safe. The client serialises its own {@code save} and
 * {@code clear} calls.
 */
public interface TokenStore {

    /** The stored tokens, or {@code null} when signed out. */
    @Nullable
    Tokens get();

    /** Replaces the stored tokens (after sign-in, sign-up or a refresh). */
    void save(Tokens tokens);

    /** Forgets the tokens (sign-out, account deletion, or a session that ended). */
    void clear();
}
