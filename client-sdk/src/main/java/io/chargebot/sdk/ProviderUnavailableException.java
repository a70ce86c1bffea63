package io.chargebot.sdk;

/** An external provider (licence verifier, social login, geocoder, ...) failed (reason {@code PROVIDER_UNAVAILABLE}); try again later. */
public class ProviderUnavailableException extends UnavailableException {

    private static final long serialVersionUID = 1L;

    ProviderUnavailableException(ErrorDetails details) {
        super(details);
    }
}
