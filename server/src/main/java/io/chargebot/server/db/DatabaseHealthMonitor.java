package io.chargebot.server.db;

import io.chargebot.server.DaemonThreads;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code grpc.health.v1} truthful: probes the database every interval and reports every
 * service (and the server as a whole, "") NOT_SERVING while it is unreachable, SERVING when it is
 * back. On shutdown everything goes NOT_SERVING first, so load balancers drain the replica.
 */
@Context
public final class DatabaseHealthMonitor {

    private static final Logger logger = LoggerFactory.getLogger(DatabaseHealthMonitor.class);

    private final DataSource dataSource;
    private final HealthStatusManager health;
    private final List<String> serviceNames = new ArrayList<>();
    private final Duration interval;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("chargebot-db-health"));
    private volatile Boolean lastServing;
    private final java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();

    public DatabaseHealthMonitor(DataSource dataSource, HealthStatusManager health, List<BindableService> services,
                                 @Value("${chargebot.health.interval:1s}") Duration interval) {
        this.dataSource = dataSource;
        this.health = health;
        this.interval = interval;
        serviceNames.add(HealthStatusManager.SERVICE_NAME_ALL_SERVICES);
        for (BindableService service : services) {
            String name = service.bindService().getServiceDescriptor().getName();
            if (!name.startsWith("grpc.")) {
                serviceNames.add(name);
            }
        }
    }

    @PostConstruct
    void start() {
        probe();
        scheduler.scheduleWithFixedDelay(this::probe, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Checks the database once and publishes the result. */
    void probe() {
        boolean serving;
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(2);
            try (ResultSet rs = statement.executeQuery("SELECT 1")) {
                serving = rs.next();
            }
        } catch (Exception e) {
            serving = false;
            if (!Boolean.FALSE.equals(lastServing)) {
                logger.warn("Database unreachable; reporting NOT_SERVING: {}", e.toString());
            }
        }
        publish(serving);
    }

    private synchronized void publish(boolean serving) {
        if (draining.get()) {
            return;
        }
        if (!Boolean.valueOf(serving).equals(lastServing)) {
            if (serving && lastServing != null) {
                logger.info("Database reachable again; reporting SERVING");
            }
            ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
            for (String name : serviceNames) {
                health.setStatus(name, status);
            }
            lastServing = serving;
        }
    }

    /**
     * Reports every service NOT_SERVING for good and stops probing: the first step of a graceful
     * shutdown, so load balancers stop sending new calls while in-flight ones finish.
     */
    @PreDestroy
    public void drain() {
        if (!draining.compareAndSet(false, true)) {
            return;
        }
        scheduler.shutdownNow();
        synchronized (this) {
            health.enterTerminalState();
        }
    }
}
