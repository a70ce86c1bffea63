package io.chargebot.server.plate;

import static io.chargebot.server.auth.AuthTestClient.assertFails;
import static io.chargebot.server.auth.AuthTestClient.details;
import static io.chargebot.server.auth.AuthTestClient.failure;
import static io.chargebot.server.auth.AuthTestClient.fields;
import static io.chargebot.server.auth.AuthTestClient.reason;
import static io.chargebot.server.auth.AuthTestClient.withToken;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import com.google.rpc.RetryInfo;
import io.chargebot.auth.v1.IssueServiceTokenRequest;
import io.chargebot.plate.v1.PlateCandidate;
import io.chargebot.plate.v1.PlateServiceGrpc;
import io.chargebot.plate.v1.RecognizePlateRequest;
import io.chargebot.plate.v1.RecognizePlateResponse;
import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.server.testing.FakeProvider;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PlateService.RecognizePlate over real gRPC: input checks, roles, and what the caller gets back. */
class PlateServiceTest {

    private static final String ADMIN_PASSWORD = "an admin passphrase for tests";
    private static final String CAMERA_SECRET = "camera-secret-for-plate-tests-0123456789";
    private static final String BRIDGE_SECRET = "bridge-secret-for-plate-tests-0123456789";

    /** A server with the default (local development) recogniser. */
    private static AuthTestClient t;
    private static PlateServiceGrpc.PlateServiceBlockingStub user;
    private static PlateServiceGrpc.PlateServiceBlockingStub admin;
    private static PlateServiceGrpc.PlateServiceBlockingStub camera;
    private static PlateServiceGrpc.PlateServiceBlockingStub bridge;
    private static PlateServiceGrpc.PlateServiceBlockingStub anonymous;

    @BeforeAll
    static void start() {
        Map<String, Object> properties = new HashMap<>(AuthTestClient.relaxedLimits());
        properties.put("chargebot.admin.password", ADMIN_PASSWORD);
        properties.put("chargebot.service-clients", "camera-1:" + CAMERA_SECRET + ":plate.recognize plate.match,"
                + "robot-bridge:" + BRIDGE_SECRET + ":robot.connect");
        t = new AuthTestClient(properties);
        anonymous = PlateServiceGrpc.newBlockingStub(t.channel);
        user = withToken(anonymous, t.signUp("plate-reader", "the right passphrase").getAccessToken());
        admin = withToken(anonymous, t.signIn("admin", ADMIN_PASSWORD).getAccessToken());
        camera = withToken(anonymous, serviceToken(t, "camera-1", CAMERA_SECRET));
        bridge = withToken(anonymous, serviceToken(t, "robot-bridge", BRIDGE_SECRET));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static String serviceToken(AuthTestClient client, String id, String secret) {
        return client.auth.issueServiceToken(IssueServiceTokenRequest.newBuilder().setClientId(id).setClientSecret(secret)
                .build()).getTokens().getAccessToken();
    }

    private static RecognizePlateRequest request(byte[] image, String contentType) {
        return RecognizePlateRequest.newBuilder().setImage(ByteString.copyFrom(image)).setContentType(contentType).build();
    }

    private static RecognizePlateRequest request(byte[] image) {
        return request(image, "");
    }

    @Test
    void readsAPlateAndNormalisesIt() {
        RecognizePlateResponse response = user.recognizePlate(request(PlateTestImages.pngWithText("plate", "12가 3456")));

        assertThat(response).isEqualTo(RecognizePlateResponse.newBuilder().setPlate("12가 3456")
                .setNormalizedPlate("12가3456").setConfidence(1).setProvider("local").build());
    }

    @Test
    void takesAJpegWithADeclaredTypeInAnyCase() {
        byte[] jpeg = PlateTestImages.jpegWithComment("plate=서울 12가-3456");

        assertThat(user.recognizePlate(request(jpeg, "image/jpeg")).getNormalizedPlate()).isEqualTo("서울12가3456");
        assertThat(user.recognizePlate(request(jpeg, " IMAGE/JPEG ")).getNormalizedPlate()).isEqualTo("서울12가3456");
        assertThat(user.recognizePlate(request(PlateTestImages.png(), "image/png")).getProvider()).isEqualTo("local");
    }

    @Test
    void aPhotoWithoutAPlateIsAnEmptyAnswerNotAnError() {
        RecognizePlateResponse response = user.recognizePlate(request(PlateTestImages.jpeg()));

        assertThat(response).isEqualTo(RecognizePlateResponse.newBuilder().setProvider("local").build());
    }

    @Test
    void aReadingThatIsNotAKoreanPlateKeepsItsTextWithoutANormalisedForm() {
        RecognizePlateResponse response = user.recognizePlate(request(PlateTestImages.pngWithText("plate", "ABC 123")));

        assertThat(response.getPlate()).isEqualTo("ABC 123");
        assertThat(response.getNormalizedPlate()).isEmpty();
    }

    @Test
    void anImageOfExactlyThreeMebibytesIsAccepted() {
        byte[] largest = Arrays.copyOf(PlateTestImages.png(), PlateGrpcService.MAX_IMAGE_BYTES);

        assertThat(user.recognizePlate(request(largest)).getProvider()).isEqualTo("local");
    }

    @Test
    void badImagesAreRefusedNamingTheField() {
        byte[] png = PlateTestImages.png();
        assertFails(() -> user.recognizePlate(request(new byte[0])), Status.Code.INVALID_ARGUMENT, "VALIDATION_FAILED");
        assertThat(fields(failure(() -> user.recognizePlate(request(new byte[0]))))).containsExactly("image");

        StatusRuntimeException tooLarge = failure(() -> user.recognizePlate(
                request(Arrays.copyOf(png, PlateGrpcService.MAX_IMAGE_BYTES + 1))));
        assertThat(tooLarge.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(reason(tooLarge)).isEqualTo("PAYLOAD_TOO_LARGE");
        assertThat(fields(tooLarge)).containsExactly("image");

        for (byte[] notAnImage : new byte[][] {"GIF89a\1\0\1\0".getBytes(), "%PDF-1.7".getBytes(), {(byte) 0xff, (byte) 0xd8},
                Arrays.copyOf(png, 7), "12가 3456".getBytes()}) {
            StatusRuntimeException e = failure(() -> user.recognizePlate(request(notAnImage)));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(reason(e)).isEqualTo("VALIDATION_FAILED");
            assertThat(fields(e)).containsExactly("image");
        }
    }

    @Test
    void aContentTypeMustBeJpegOrPngAndMatchTheImage() {
        byte[] png = PlateTestImages.png();
        byte[] jpeg = PlateTestImages.jpeg();
        assertThat(fields(failure(() -> user.recognizePlate(request(png, "image/jpeg"))))).containsExactly("content_type");
        assertThat(fields(failure(() -> user.recognizePlate(request(jpeg, "image/png"))))).containsExactly("content_type");
        assertThat(fields(failure(() -> user.recognizePlate(request(png, "image/gif"))))).containsExactly("content_type");
        assertThat(fields(failure(() -> user.recognizePlate(request(png, "application/octet-stream")))))
                .containsExactly("content_type");
        // Every bad field at once.
        assertThat(fields(failure(() -> user.recognizePlate(request("GIF89a".getBytes(), "image/gif")))))
                .containsExactly("image", "content_type");
    }

    @Test
    void usersAdminsAndCameraServicesMayCallOthersMayNot() {
        byte[] image = PlateTestImages.pngWithText("plate", "123가 4567");
        for (PlateServiceGrpc.PlateServiceBlockingStub allowed : new PlateServiceGrpc.PlateServiceBlockingStub[] {user, admin, camera}) {
            assertThat(allowed.recognizePlate(request(image)).getNormalizedPlate()).isEqualTo("123가4567");
        }
        assertFails(() -> anonymous.recognizePlate(request(image)), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        assertFails(() -> withToken(anonymous, "not-a-token").recognizePlate(request(image)), Status.Code.UNAUTHENTICATED,
                "UNAUTHENTICATED");
        // A service client without the plate.recognize scope.
        assertFails(() -> bridge.recognizePlate(request(image)), Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        // Roles are checked before the request: an anonymous caller learns nothing about its input.
        assertFails(() -> anonymous.recognizePlate(request(new byte[0])), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
    }

    @Test
    void providerTroubleReachesTheCallerWithARetryDelay() {
        StatusRuntimeException down = failure(() -> user.recognizePlate(request(PlateTestImages.pngWithText("plate", "!unavailable"))));
        assertThat(down.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(reason(down)).isEqualTo("PROVIDER_UNAVAILABLE");
        assertThat(details(down, RetryInfo.class)).isNotEmpty();

        StatusRuntimeException busy = failure(() -> user.recognizePlate(request(PlateTestImages.pngWithText("plate", "!rate-limited"))));
        assertThat(busy.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(reason(busy)).isEqualTo("RATE_LIMITED");
        assertThat(details(busy, RetryInfo.class)).isNotEmpty();
    }

    /** A server using the HTTP recogniser at a local fake, with room for one recognition at a time. */
    @Test
    void withAnHttpRecognizerCandidatesAreNormalisedAndRecognitionsAreBounded() throws Exception {
        try (FakeProvider service = new FakeProvider()) {
            Map<String, Object> properties = new HashMap<>(AuthTestClient.relaxedLimits());
            properties.put("chargebot.service-clients", "camera-2:" + CAMERA_SECRET + ":plate.recognize");
            properties.put("chargebot.plate.recognizer", "http");
            properties.put("plate.service.url", service.uri("/recognize").toString());
            properties.put("chargebot.plate.max-concurrent", 1);
            try (AuthTestClient http = new AuthTestClient(properties)) {
                PlateServiceGrpc.PlateServiceBlockingStub stub = withToken(PlateServiceGrpc.newBlockingStub(http.channel),
                        serviceToken(http, "camera-2", CAMERA_SECRET));
                byte[] jpeg = PlateTestImages.jpeg();

                service.respond(200, "{\"plate\":\"12가 3456\",\"confidence\":0.9,\"candidates\":["
                        + "{\"plate\":\"12가3456\",\"confidence\":0.8},"       // the best reading again, other spacing
                        + "{\"plate\":\"12가 3458\",\"confidence\":0.7},"
                        + "{\"plate\":\"12가-3458\",\"confidence\":0.6},"      // the same candidate again
                        + "{\"plate\":\"I2가 3456\",\"confidence\":0.5},"      // not a plate: kept, not normalised
                        + "\"123가 4567\",\"13가 3456\",\"18가 3456\",\"19가 3456\",\"11가 3456\"]}");
                RecognizePlateResponse response = stub.recognizePlate(request(jpeg));
                assertThat(response.getPlate()).isEqualTo("12가 3456");
                assertThat(response.getNormalizedPlate()).isEqualTo("12가3456");
                assertThat(response.getConfidence()).isEqualTo(0.9);
                assertThat(response.getProvider()).isEqualTo("http");
                assertThat(response.getCandidatesList()).containsExactly(
                        PlateCandidate.newBuilder().setPlate("12가 3458").setNormalizedPlate("12가3458").setConfidence(0.7).build(),
                        PlateCandidate.newBuilder().setPlate("I2가 3456").setConfidence(0.5).build(),
                        PlateCandidate.newBuilder().setPlate("123가 4567").setNormalizedPlate("123가4567").build(),
                        PlateCandidate.newBuilder().setPlate("13가 3456").setNormalizedPlate("13가3456").build(),
                        PlateCandidate.newBuilder().setPlate("18가 3456").setNormalizedPlate("18가3456").build());
                assertThat(service.take().body()).containsSequence(jpeg);

                service.respond(503, "{}");
                StatusRuntimeException down = failure(() -> stub.recognizePlate(request(jpeg)));
                assertThat(down.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(reason(down)).isEqualTo("PROVIDER_UNAVAILABLE");
                service.take();

                // One recognition in flight holds the only permit; the next upload is refused at once.
                CountDownLatch release = new CountDownLatch(1);
                service.respond(exchange -> {
                    release.await(30, TimeUnit.SECONDS);
                    FakeProvider.json(exchange, 200, "{\"plate\":\"12가 3456\"}");
                });
                ListenableFuture<RecognizePlateResponse> first = withToken(PlateServiceGrpc.newFutureStub(http.channel),
                        serviceToken(http, "camera-2", CAMERA_SECRET)).recognizePlate(request(jpeg));
                service.take();
                StatusRuntimeException busy = failure(() -> stub.recognizePlate(request(jpeg)));
                assertThat(busy.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(reason(busy)).isEqualTo("RATE_LIMITED");
                assertThat(details(busy, RetryInfo.class)).isNotEmpty();
                release.countDown();
                assertThat(first.get(30, TimeUnit.SECONDS).getNormalizedPlate()).isEqualTo("12가3456");
                // The permit is back.
                assertThat(stub.recognizePlate(request(jpeg)).getNormalizedPlate()).isEqualTo("12가3456");
            }
        }
    }
}
