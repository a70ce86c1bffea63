package io.chargebot.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.server.testing.TestServers;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Closing the server first tells health watchers NOT_SERVING, then stops taking calls. */
class GracefulShutdownTest {

    @Test
    void watchersLearnNotServingBeforeTheServerGoesAway() throws Exception {
        ChargeBotServer server = TestServers.start(Map.of("grpc.server.await-termination", "2s"));
        ManagedChannel channel = TestServers.channel(server);
        List<ServingStatus> seen = new CopyOnWriteArrayList<>();
        CountDownLatch serving = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(HealthCheckResponse value) {
                seen.add(value.getStatus());
                if (value.getStatus() == ServingStatus.SERVING) {
                    serving.countDown();
                }
            }

            @Override
            public void onError(Throwable t) {
                ended.countDown();
            }

            @Override
            public void onCompleted() {
                ended.countDown();
            }
        });
        assertThat(serving.await(10, TimeUnit.SECONDS)).isTrue();

        server.close();

        assertThat(ended.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).containsSubsequence(ServingStatus.SERVING, ServingStatus.NOT_SERVING);
        Status afterClose = null;
        try {
            HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance());
        } catch (io.grpc.StatusRuntimeException e) {
            afterClose = e.getStatus();
        }
        assertThat(afterClose).as("a call after close").isNotNull();
        assertThat(afterClose.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        channel.shutdownNow();
    }
}
