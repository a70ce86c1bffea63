package io.chargebot.server.plate;

import static io.chargebot.server.plate.PlateTestImages.jpeg;
import static io.chargebot.server.plate.PlateTestImages.jpegWithComment;
import static io.chargebot.server.plate.PlateTestImages.png;
import static io.chargebot.server.plate.PlateTestImages.pngWithCompressedText;
import static io.chargebot.server.plate.PlateTestImages.pngWithInternationalText;
import static io.chargebot.server.plate.PlateTestImages.pngWithText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.grpc.Status;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The local development recogniser reads the plate written into the file, and nothing else. */
class PlateLocalRecognizerTest {

    private final LocalDevelopmentPlateRecognizer recognizer = new LocalDevelopmentPlateRecognizer();

    private PlateReading read(byte[] bytes) {
        return recognizer.recognize(PlateImage.of(bytes));
    }

    @Test
    void readsThePlateFromAPngTextChunk() {
        assertThat(read(pngWithText("plate", "12가 3456"))).isEqualTo(new PlateReading("12가 3456", 1, List.of(), "local"));
    }

    @Test
    void readsInternationalAndCompressedTextChunks() {
        assertThat(read(pngWithInternationalText("plate", "서울12가3456")).plate()).isEqualTo("서울12가3456");
        assertThat(read(pngWithCompressedText("plate", "123가 4567")).plate()).isEqualTo("123가 4567");
    }

    @Test
    void aLatin1TextChunkIsReadAsLatin1() {
        byte[] data = PlateTestImages.concat("plate".getBytes(), new byte[] {0}, new byte[] {'A', 'B', (byte) 0xe9});
        assertThat(read(PlateTestImages.withChunk(png(), "tEXt", data)).plate()).isEqualTo("ABé");
    }

    @Test
    void readsThePlateFromAJpegComment() {
        assertThat(read(jpegWithComment("plate=12가 3456")).plate()).isEqualTo("12가 3456");
        assertThat(read(jpegWithComment("Plate: 123가4567 ")).plate()).isEqualTo("123가4567");
    }

    @Test
    void filesWithoutAPlateTextAreNoPlateFound() {
        assertThat(read(png())).isEqualTo(PlateReading.none("local"));
        assertThat(read(jpeg())).isEqualTo(PlateReading.none("local"));
        assertThat(read(pngWithText("Comment", "12가 3456"))).isEqualTo(PlateReading.none("local"));
        assertThat(read(jpegWithComment("Created with GIMP"))).isEqualTo(PlateReading.none("local"));
        assertThat(read(pngWithText("plate", "   "))).isEqualTo(PlateReading.none("local"));
    }

    @Test
    void damagedFilesAreNoPlateFoundNotErrors() {
        byte[] truncated = Arrays.copyOf(pngWithText("plate", "12가 3456"), 8 + 25 + 6);
        assertThat(read(truncated)).isEqualTo(PlateReading.none("local"));
        byte[] hugeLength = pngWithText("plate", "12가 3456");
        hugeLength[8 + 25] = (byte) 0x7f;
        assertThat(read(hugeLength)).isEqualTo(PlateReading.none("local"));
        assertThat(read(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xfe, 0, 60, 'p'}))
                .isEqualTo(PlateReading.none("local"));
        assertThat(read(Arrays.copyOf(png(), 8))).isEqualTo(PlateReading.none("local"));
    }

    @Test
    void specialValuesSimulateProviderTrouble() {
        assertThatThrownBy(() -> read(pngWithText("plate", "!unavailable")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.reason()).isEqualTo(ErrorReason.PROVIDER_UNAVAILABLE);
                });
        assertThatThrownBy(() -> read(jpegWithComment("plate=!rate-limited")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.reason()).isEqualTo(ErrorReason.RATE_LIMITED);
                    assertThat(e.retryDelay()).isEqualTo(Duration.ofSeconds(1));
                });
    }
}
