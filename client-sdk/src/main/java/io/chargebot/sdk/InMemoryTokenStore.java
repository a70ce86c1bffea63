package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import javax.annotation.Nullable;

/** A {@link TokenStore} in memory: the session lasts as long as the process. The default store. */
public final class InMemoryTokenStore implements TokenStore {

    @Nullable
    private volatile Tokens tokens;

    /** An empty store (signed out). */
    public InMemoryTokenStore() {}

    @Nullable
    @Override
    public Tokens get() {
        return tokens;
    }

    @Override
    public void save(Tokens tokens) {
        this.tokens = requireNonNull(tokens, "tokens");
    }

    @Override
    public void clear() {
        tokens = null;
    }

    @Override
    public String toString() {
        return "InMemoryTokenStore{" + (tokens == null ? "signed out" : "signed in") + '}';
    }
}
