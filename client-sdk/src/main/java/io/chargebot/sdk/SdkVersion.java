package io.chargebot.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The SDK's version, as stamped by the build into {@code sdk-version.properties}. */
final class SdkVersion {

    static final String VERSION = load();

    private SdkVersion() {}

    private static String load() {
        Properties properties = new Properties();
        try (InputStream in = SdkVersion.class.getResourceAsStream("sdk-version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // Fall through: the version only decorates the user agent.
        }
        return properties.getProperty("version", "unknown");
    }
}
