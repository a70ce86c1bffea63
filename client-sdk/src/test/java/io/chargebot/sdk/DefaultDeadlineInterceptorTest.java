package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DefaultDeadlineInterceptorTest {

    private final DefaultDeadlineInterceptor interceptor = new DefaultDeadlineInterceptor(10, TimeUnit.SECONDS);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private CallOptions seen;

    private final Channel capturing = new Channel() {
        @Override
        public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
            seen = options;
            return null;
        }

        @Override
        public String authority() {
            return "test";
        }
    };

    @AfterEach
    void stopScheduler() {
        scheduler.shutdownNow();
    }

    @Test
    void setsTheDefaultWhenTheCallHasNoDeadline() {
        interceptor.interceptCall(ParkingServiceGrpc.getGetParkingLotMethod(), CallOptions.DEFAULT, capturing);

        assertThat(seen.getDeadline()).isNotNull();
        assertThat(seen.getDeadline().timeRemaining(TimeUnit.MILLISECONDS)).isBetween(9_000L, 10_000L);
    }

    @Test
    void neverExtendsAShorterCallerDeadline() {
        Deadline callerDeadline = Deadline.after(1, TimeUnit.SECONDS);

        interceptor.interceptCall(ParkingServiceGrpc.getGetParkingLotMethod(),
                CallOptions.DEFAULT.withDeadline(callerDeadline), capturing);

        assertThat(seen.getDeadline()).isSameAs(callerDeadline);
    }

    @Test
    void keepsALongerDeadlineTheCallerChose() {
        Deadline callerDeadline = Deadline.after(60, TimeUnit.SECONDS);

        interceptor.interceptCall(ParkingServiceGrpc.getGetParkingLotMethod(),
                CallOptions.DEFAULT.withDeadline(callerDeadline), capturing);

        assertThat(seen.getDeadline()).isSameAs(callerDeadline);
    }

    @Test
    void neverExtendsAShorterContextDeadline() throws Exception {
        Context.CancellableContext context = Context.current().withDeadlineAfter(1, TimeUnit.SECONDS, scheduler);
        try {
            context.run(() -> interceptor.interceptCall(
                    ParkingServiceGrpc.getGetParkingLotMethod(), CallOptions.DEFAULT, capturing));
        } finally {
            context.cancel(null);
        }

        assertThat(seen.getDeadline().timeRemaining(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(1_000L);
    }

    @Test
    void leavesStreamingCallsOpenEnded() {
        MethodDescriptor<?, ?> streaming = ParkingServiceGrpc.getListParkingLotsMethod().toBuilder()
                .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
                .build();

        interceptor.interceptCall(streaming, CallOptions.DEFAULT, capturing);

        assertThat(seen.getDeadline()).isNull();
    }
}
