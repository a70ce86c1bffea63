package io.chargebot.server.messaging;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.ApplicationContextConfiguration;
import io.micronaut.context.DefaultApplicationContext;
import io.micronaut.context.env.PropertySource;
import io.micronaut.inject.BeanDefinitionReference;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real Micronaut context holding only this package's beans and the runtime profile, with the
 * given properties but not this machine's environment variables. Start-up checks of other areas
 * (licence verifier, social sign-in, signing keys, ...) cannot fail it, so a test sees exactly the
 * messaging checks.
 */
final class IsolatedContext {

    private static final List<String> PACKAGES = List.of("io.chargebot.server.messaging.", "io.chargebot.server.config.",
            "io.micronaut.context.", "io.micronaut.core.", "io.micronaut.inject.");

    private IsolatedContext() {}

    /** Starts a context reading {@code variables} the way Micronaut reads environment variables. */
    static ApplicationContext startWithEnvironment(Map<String, Object> variables) {
        return start(PropertySource.of("test-env", variables, PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE));
    }

    static ApplicationContext start(PropertySource properties) {
        DefaultApplicationContext context = new DefaultApplicationContext(new ApplicationContextConfiguration() {
            @Override
            public List<String> getEnvironments() {
                return List.of();
            }

            @Override
            public Optional<Boolean> getDeduceEnvironments() {
                return Optional.of(false);
            }

            @Override
            public boolean isEnvironmentPropertySource() {
                return false;
            }

            @Override
            public boolean isBannerEnabled() {
                return false;
            }
        }) {
            @Override
            protected List<BeanDefinitionReference> resolveBeanDefinitionReferences() {
                return super.resolveBeanDefinitionReferences().stream()
                        .filter(reference -> PACKAGES.stream().anyMatch(reference.getBeanDefinitionName()::startsWith))
                        .toList();
            }
        };
        context.getEnvironment().addPropertySource(properties);
        return context.start();
    }

    /** All messages along the cause chain, for asserting what an operator would read. */
    static String messages(Throwable error) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause()) {
            text.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
        }
        return text.toString();
    }
}
