package io.chargebot.server.testing;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.ApplicationContextConfiguration;
import io.micronaut.context.DefaultApplicationContext;
import io.micronaut.context.env.PropertySource;
import io.micronaut.inject.BeanDefinitionReference;
import java.util.List;
import java.util.Optional;

/**
 * A real Micronaut context holding only one package's beans and the runtime profile, with
 * application.yml and the given properties but not this machine's environment variables. Start-up
 * checks of other areas (database, SMS, ...) cannot fail it, so a test sees exactly that package's.
 */
public final class IsolatedContext {

    private IsolatedContext() {}

    /** Starts a context with the beans of {@code packagePrefix} (e.g. "io.chargebot.server.license."). */
    public static ApplicationContext start(String packagePrefix, PropertySource properties) {
        // The package, the runtime profile, and Micronaut's own core beans (event publishing, conversion).
        List<String> packages = List.of(packagePrefix, "io.chargebot.server.config.",
                "io.micronaut.context.", "io.micronaut.core.", "io.micronaut.inject.");
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
                        .filter(reference -> packages.stream().anyMatch(reference.getBeanDefinitionName()::startsWith))
                        .toList();
            }
        };
        context.getEnvironment().addPropertySource(properties);
        return context.start();
    }

    /** All messages along the cause chain, for asserting what an operator would read. */
    public static String messages(Throwable error) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause()) {
            text.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
        }
        return text.toString();
    }
}
