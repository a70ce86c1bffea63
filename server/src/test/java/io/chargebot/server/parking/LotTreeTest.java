package io.chargebot.server.parking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The k-d tree against a brute-force scan, and free-spot counting at a moment. */
class LotTreeTest {

    private record Hit(LotTree.Entry entry, double chord) {}

    private static final Comparator<Hit> ORDER = Comparator.comparingDouble(Hit::chord)
            .thenComparing(h -> h.entry().id, ParkingLotRepository::compareAsPostgres);

    @Test
    void pagesEqualABruteForceScanIncludingTiesAndRadius() {
        Random random = new Random(7);
        List<LotTree.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            double lat = 37.4 + random.nextDouble() * 0.3;
            double lng = 126.8 + random.nextDouble() * 0.4;
            if (i % 50 == 0 && i > 0) {
                // A few points shared by several lots: equal chords from any origin.
                LotTree.Entry twin = entries.get(random.nextInt(entries.size()));
                entries.add(entry(UUID.randomUUID(), twin.x, twin.y, twin.z));
                continue;
            }
            double[] p = ParkingLotRepository.earthPoint(lat, lng);
            entries.add(entry(randomId(random), p[0], p[1], p[2]));
        }
        LotTree tree = new LotTree(entries.toArray(new LotTree.Entry[0]));
        assertThat(tree.size()).isEqualTo(entries.size());

        for (int q = 0; q < 60; q++) {
            double[] o = ParkingLotRepository.earthPoint(37.3 + random.nextDouble() * 0.5, 126.7 + random.nextDouble() * 0.6);
            int radius = 1 + random.nextInt(q % 3 == 0 ? 50_000 : 5_000);
            double maxChord = ParkingLotRepository.metersToChord(radius);
            int pageSize = 1 + random.nextInt(q % 2 == 0 ? 5 : 40);
            List<Hit> expected = new ArrayList<>();
            for (LotTree.Entry e : entries) {
                double chord = ParkingLotRepository.chord(e.x, e.y, e.z, o[0], o[1], o[2]);
                if (chord <= maxChord) {
                    expected.add(new Hit(e, chord));
                }
            }
            expected.sort(ORDER);

            List<Hit> actual = new ArrayList<>();
            double afterChord = -1;
            UUID afterId = new UUID(0, 0);
            for (int pages = 0; pages < 10_000; pages++) {
                LotTree.Found found = tree.nearest(o[0], o[1], o[2], maxChord, afterChord, afterId, pageSize);
                for (int i = 0; i < found.count; i++) {
                    actual.add(new Hit(found.entries[i], found.chords[i]));
                }
                if (found.count < pageSize) {
                    break;
                }
                afterChord = found.chords[found.count - 1];
                afterId = found.entries[found.count - 1].id;
            }
            assertThat(actual).as("query %d: radius %d, page size %d", q, radius, pageSize)
                    .extracting(h -> h.entry().id + "@" + h.chord())
                    .containsExactlyElementsOf(expected.stream().map(h -> h.entry().id + "@" + h.chord()).toList());
        }
    }

    @Test
    void emptyAndTinyTrees() {
        double[] o = ParkingLotRepository.earthPoint(37.5, 127);
        assertThat(new LotTree(new LotTree.Entry[0]).nearest(o[0], o[1], o[2], 1e6, -1, new UUID(0, 0), 10).count)
                .isZero();
        LotTree.Entry only = entry(UUID.randomUUID(), o[0], o[1], o[2]);
        LotTree.Found found = new LotTree(new LotTree.Entry[] {only}).nearest(o[0], o[1], o[2], 0, -1, new UUID(0, 0), 10);
        assertThat(found.count).isEqualTo(1);
        assertThat(found.chords[0]).isZero();
        // Strictly after the keyset position: the same lot is not returned again.
        assertThat(new LotTree(new LotTree.Entry[] {only}).nearest(o[0], o[1], o[2], 0, 0, only.id, 10).count).isZero();
    }

    @Test
    void uuidOrderIsPostgresUnsignedOrder() {
        UUID low = UUID.fromString("7fffffff-ffff-ffff-ffff-ffffffffffff");
        UUID high = UUID.fromString("80000000-0000-0000-0000-000000000000");
        assertThat(LotTree.compareIds(low.getMostSignificantBits(), low.getLeastSignificantBits(),
                high.getMostSignificantBits(), high.getLeastSignificantBits())).isNegative();
        assertThat(ParkingLotRepository.compareAsPostgres(low, high)).isNegative();
    }

    @Test
    void freeSpotsCountReservationsWhosePeriodContainsTheMoment() {
        // Periods are [start, end): busy from start, free again at end.
        LotTree.Availability a = new LotTree.Availability(3, new long[] {100, 300, 1_000}, new long[] {200, 400, 2_000});
        assertThat(a.freeAt(99)).isEqualTo(3);
        assertThat(a.freeAt(100)).isEqualTo(2);
        assertThat(a.freeAt(199)).isEqualTo(2);
        assertThat(a.freeAt(200)).isEqualTo(3);
        assertThat(a.freeAt(350)).isEqualTo(2);
        assertThat(a.freeAt(1_500)).isEqualTo(2);
        assertThat(a.freeAt(5_000)).isEqualTo(3);
        assertThat(LotTree.Availability.NONE.freeAt(0)).isZero();
        assertThat(new LotTree.Availability(1, new long[] {0, 0}, new long[] {10, 10}).freeAt(5)).isZero();
    }

    private static UUID randomId(Random random) {
        return new UUID(random.nextLong(), random.nextLong());
    }

    static LotTree.Entry entry(UUID id, double x, double y, double z) {
        ParkingLotRepository.Lot lot = new ParkingLotRepository.Lot(id, "Lot", "", 0, 0, "", "Asia/Seoul", true,
                null, null, 0, 0);
        return new LotTree.Entry(lot, x, y, z, LotTree.Availability.NONE);
    }
}
