package io.chargebot.server.license;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.ApplicationContextConfiguration;
import io.micronaut.context.DefaultApplicationContext;
import io.micronaut.context.env.PropertySource;
import io.micronaut.inject.BeanDefinitionReference;
import java.util.List;
import java.util.Optional;

/**
 * A real Micronaut context holding only this package's beans and the runtime profile, with
 * application.yml and the given properties but not this machine's environment variables. Start-up
 * checks of other areas (database, SMS, ...) cannot fail it, so a test sees exactly this package's.
 */
final class IsolatedContext {

    /** This package, the runtime profile, and Micronaut's own core beans (event publishing, conversion). */
    private static final List<String> PACKAGES = List.of("io.chargebot.server.license.", "io.chargebot.server.config.",
            "io.micronaut.context.", "io.micronaut.core.", "io.micronaut.inject.");

    private IsolatedContext() {}

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
