package io.chargebot.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.server.error.ApiException;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadlinesTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void withoutADeadlineWorkMayStart() {
        Deadlines.checkNotExpired();
    }

    @Test
    void withTimeLeftWorkMayStart() throws Exception {
        Context.CancellableContext context = Context.current()
                .withDeadline(Deadline.after(2500, TimeUnit.MILLISECONDS), scheduler);
        try {
            assertThat(context.call(() -> {
                Deadlines.checkNotExpired();
                return "started";
            })).isEqualTo("started");
        } finally {
            context.cancel(null);
        }
    }

    @Test
    void aPassedDeadlineFailsFastWithDeadlineExceeded() {
        Context.CancellableContext context = Context.current()
                .withDeadline(Deadline.after(-1, TimeUnit.SECONDS), scheduler);
        try {
            assertThatThrownBy(() -> context.call(() -> {
                Deadlines.checkNotExpired();
                return null;
            }))
                    .isInstanceOfSatisfying(ApiException.class,
                            e -> assertThat(e.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        } finally {
            context.cancel(null);
        }
    }
}
