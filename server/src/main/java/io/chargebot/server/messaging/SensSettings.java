package io.chargebot.server.messaging;

import static java.util.Objects.requireNonNull;

import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.value.PropertyResolver;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How to reach Naver Cloud SENS: the API key pair, the SMS service id, the registered sender
 * number, the endpoint and timeouts. {@link #toString()} never prints the keys.
 */
record SensSettings(String accessKey, String secretKey, String serviceId, String from, URI endpoint,
                    Duration connectTimeout, Duration requestTimeout) {

    static final String ACCESS_KEY = "chargebot.sms.sens.access-key";
    static final String SECRET_KEY = "chargebot.sms.sens.secret-key";
    static final String SERVICE_ID = "chargebot.sms.sens.service-id";
    static final String FROM = "chargebot.sms.sens.from";
    static final String ENDPOINT = "chargebot.sms.sens.endpoint";
    static final String CONNECT_TIMEOUT = "chargebot.sms.sens.connect-timeout";
    static final String REQUEST_TIMEOUT = "chargebot.sms.sens.request-timeout";

    static final List<String> REQUIRED = List.of(ACCESS_KEY, SECRET_KEY, SERVICE_ID, FROM);
    static final URI DEFAULT_ENDPOINT = URI.create("https://sens.apigw.ntruss.com");

    /** Service ids look like {@code ncp:sms:kr:123456789012:chargebot}. */
    private static final Pattern SERVICE_ID_PATTERN = Pattern.compile("[A-Za-z0-9:._-]+");
    /** A registered Korean sender number, national form, digits only after removing '-' and spaces. */
    private static final Pattern SENDER_NUMBER = Pattern.compile("0\\d{7,10}|1\\d{7}");

    SensSettings {
        requireNonNull(accessKey, "accessKey");
        requireNonNull(secretKey, "secretKey");
        requireNonNull(serviceId, "serviceId");
        requireNonNull(from, "from");
        requireNonNull(endpoint, "endpoint");
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(requestTimeout, "requestTimeout");
    }

    /**
     * Reads and checks the settings.
     *
     * @throws ConfigurationException naming every missing setting, or the first invalid one
     */
    static SensSettings from(PropertyResolver config) {
        List<String> missing = new ArrayList<>();
        String accessKey = Settings.required(config, ACCESS_KEY, missing);
        String secretKey = Settings.required(config, SECRET_KEY, missing);
        String serviceId = Settings.required(config, SERVICE_ID, missing);
        String from = Settings.required(config, FROM, missing);
        if (!missing.isEmpty()) {
            throw new ConfigurationException("SMS provider sens (Naver Cloud SENS) is missing settings: "
                    + Settings.describe(missing));
        }
        if (!SERVICE_ID_PATTERN.matcher(serviceId).matches()) {
            throw Settings.invalid(SERVICE_ID, serviceId, "the SENS SMS service id, e.g. ncp:sms:kr:123456789012:chargebot");
        }
        String sender = from.replace("-", "").replace(" ", "");
        if (!SENDER_NUMBER.matcher(sender).matches()) {
            throw Settings.invalid(FROM, from, "the sender number registered in SENS, e.g. 0212345678 or 15881234");
        }
        String endpointText = Settings.text(config, ENDPOINT);
        URI endpoint = endpointText == null ? DEFAULT_ENDPOINT : endpoint(endpointText);
        return new SensSettings(accessKey, secretKey, serviceId, sender, endpoint,
                Settings.duration(config, CONNECT_TIMEOUT, Duration.ofSeconds(3)),
                Settings.duration(config, REQUEST_TIMEOUT, Duration.ofSeconds(5)));
    }

    /** An https URL without path, query or fragment; plain http only to this machine (tests, a local relay). */
    private static URI endpoint(String text) {
        String trimmed = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        URI uri;
        try {
            uri = URI.create(trimmed);
        } catch (IllegalArgumentException e) {
            throw Settings.invalid(ENDPOINT, text, "an https URL such as " + DEFAULT_ENDPOINT);
        }
        boolean noExtras = (uri.getRawPath() == null || uri.getRawPath().isEmpty())
                && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
        if (uri.getHost() == null || !noExtras) {
            throw Settings.invalid(ENDPOINT, text, "an https URL without path such as " + DEFAULT_ENDPOINT);
        }
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        boolean localHttp = "http".equalsIgnoreCase(uri.getScheme()) && isLoopback(uri.getHost());
        if (!https && !localHttp) {
            throw Settings.invalid(ENDPOINT, text, "an https URL; plain http only to localhost");
        }
        return uri;
    }

    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!literal.matches("\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:.]*")) {
            return false; // a name: never resolved here
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "SensSettings[serviceId=" + serviceId + ", from=" + from + ", endpoint=" + endpoint
                + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout + "]";
    }
}
