package io.chargebot.server.parking;

import java.util.UUID;

/**
 * An immutable k-d tree over open lots' points on earthdistance's sphere (the x, y, z of their
 * stored {@code earth_point}), answering "the k lots nearest to a point, within a chord, strictly
 * after a keyset position (chord, id)" exactly as the SQL search does: chords computed with the same
 * operations as the cube extension's {@code <->}, ties ordered by id in PostgreSQL's uuid order.
 *
 * <p>Each node keeps the bounding box of its points. A subtree is skipped when even its nearest
 * corner is beyond the radius or beyond the k-th candidate found so far, or when even its farthest
 * corner is nearer than the keyset position (so later pages do not rescan earlier ones). The box
 * bounds are computed with the same operations as point chords, and rounding is monotonic, so a
 * bound never excludes a point the exact comparison would keep.
 */
final class LotTree {

    /** A lot in the tree; {@code lot} holds what a reply shows. */
    static final class Entry {
        final UUID id;
        final long idHigh;
        final long idLow;
        final double x;
        final double y;
        final double z;
        /** Display fields; replaced in place when only they change (the point and open flag are fixed per entry). */
        volatile ParkingLotRepository.Lot lot;
        /** Spots and their active reservations; replaced whenever they change. */
        volatile Availability availability;

        Entry(ParkingLotRepository.Lot lot, double x, double y, double z, Availability availability) {
            this.id = lot.id();
            this.idHigh = id.getMostSignificantBits();
            this.idLow = id.getLeastSignificantBits();
            this.x = x;
            this.y = y;
            this.z = z;
            this.lot = lot;
            this.availability = availability;
        }
    }

    /**
     * Free spots of a lot: {@code usableSpots} (enabled, not deleted) minus those with an active
     * (CONFIRMED or IN_PROGRESS) reservation whose period [start, end) contains the moment asked about.
     * Active reservations of one spot never overlap (an exclusion constraint), so counting the
     * periods that contain a moment counts the busy spots.
     */
    record Availability(int usableSpots, long[] startMicros, long[] endMicros) {
        static final Availability NONE = new Availability(0, new long[0], new long[0]);

        int freeAt(long nowMicros) {
            int busy = 0;
            for (int i = 0; i < startMicros.length; i++) {
                if (startMicros[i] <= nowMicros && nowMicros < endMicros[i]) {
                    busy++;
                }
            }
            return Math.max(0, usableSpots - busy);
        }
    }

    private static final int LEAF_SIZE = 8;

    private final double[] xs;
    private final double[] ys;
    private final double[] zs;
    private final Entry[] entries;
    // Per node: its range of points, children (-1 for a leaf) and bounding box.
    private final int[] from;
    private final int[] to;
    private final int[] left;
    private final int[] right;
    private final double[] box; // 6 per node: min x, y, z, max x, y, z
    private int nodes;

    LotTree(Entry[] lots) {
        int n = lots.length;
        entries = lots.clone();
        xs = new double[n];
        ys = new double[n];
        zs = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = entries[i].x;
            ys[i] = entries[i].y;
            zs[i] = entries[i].z;
        }
        int maxNodes = Math.max(1, 4 * (n / LEAF_SIZE + 1));
        from = new int[maxNodes];
        to = new int[maxNodes];
        left = new int[maxNodes];
        right = new int[maxNodes];
        box = new double[6 * maxNodes];
        if (n > 0) {
            build(0, n);
        }
    }

    int size() {
        return entries.length;
    }

    private int build(int lo, int hi) {
        int node = nodes++;
        from[node] = lo;
        to[node] = hi;
        double minX = Double.POSITIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double minZ = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        double maxZ = Double.NEGATIVE_INFINITY;
        for (int i = lo; i < hi; i++) {
            minX = Math.min(minX, xs[i]);
            maxX = Math.max(maxX, xs[i]);
            minY = Math.min(minY, ys[i]);
            maxY = Math.max(maxY, ys[i]);
            minZ = Math.min(minZ, zs[i]);
            maxZ = Math.max(maxZ, zs[i]);
        }
        int b = 6 * node;
        box[b] = minX;
        box[b + 1] = minY;
        box[b + 2] = minZ;
        box[b + 3] = maxX;
        box[b + 4] = maxY;
        box[b + 5] = maxZ;
        if (hi - lo <= LEAF_SIZE) {
            left[node] = -1;
            right[node] = -1;
            return node;
        }
        double spreadX = maxX - minX;
        double spreadY = maxY - minY;
        double spreadZ = maxZ - minZ;
        double[] axis = spreadX >= spreadY && spreadX >= spreadZ ? xs : spreadY >= spreadZ ? ys : zs;
        int mid = (lo + hi) >>> 1;
        select(axis, lo, hi - 1, mid);
        left[node] = build(lo, mid);
        right[node] = build(mid, hi);
        return node;
    }

    /** Reorders [lo, hi] so that position k holds the value it would hold sorted by {@code axis} (quickselect). */
    private void select(double[] axis, int lo, int hi, int k) {
        while (hi > lo) {
            // Median of three as the pivot keeps sorted or clustered input from going quadratic.
            int mid = (lo + hi) >>> 1;
            if (axis[mid] < axis[lo]) {
                swap(lo, mid);
            }
            if (axis[hi] < axis[lo]) {
                swap(lo, hi);
            }
            if (axis[hi] < axis[mid]) {
                swap(mid, hi);
            }
            double pivot = axis[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (axis[i] < pivot) {
                    i++;
                }
                while (axis[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    swap(i, j);
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private void swap(int i, int j) {
        double t = xs[i];
        xs[i] = xs[j];
        xs[j] = t;
        t = ys[i];
        ys[i] = ys[j];
        ys[j] = t;
        t = zs[i];
        zs[i] = zs[j];
        zs[j] = t;
        Entry e = entries[i];
        entries[i] = entries[j];
        entries[j] = e;
    }

    /** The best {@code limit} lots of a search, in (chord, id) order. */
    static final class Found {
        final Entry[] entries;
        final double[] chords;
        final int count;

        Found(Entry[] entries, double[] chords, int count) {
            this.entries = entries;
            this.chords = chords;
            this.count = count;
        }
    }

    /**
     * Up to {@code limit} lots with chord ≤ {@code maxChord} from (ox, oy, oz) and (chord, id) strictly
     * after (afterChord, afterId), nearest first, ties by id in PostgreSQL's uuid order.
     */
    Found nearest(double ox, double oy, double oz, double maxChord, double afterChord, UUID afterId, int limit) {
        Search search = new Search(ox, oy, oz, maxChord, afterChord, afterId.getMostSignificantBits(),
                afterId.getLeastSignificantBits(), limit);
        if (nodes > 0) {
            search.visit(0, search.nearestCorner(0));
        }
        return search.sorted();
    }

    /** One search: a bounded max-heap of the best candidates so far (the worst at the root). */
    private final class Search {
        private final double ox;
        private final double oy;
        private final double oz;
        private final double maxChord;
        private final double afterChord;
        private final long afterHigh;
        private final long afterLow;
        private final int limit;
        private final Entry[] heapEntries;
        private final double[] heapChords;
        private int size;

        Search(double ox, double oy, double oz, double maxChord, double afterChord, long afterHigh, long afterLow,
               int limit) {
            this.ox = ox;
            this.oy = oy;
            this.oz = oz;
            this.maxChord = maxChord;
            this.afterChord = afterChord;
            this.afterHigh = afterHigh;
            this.afterLow = afterLow;
            this.limit = limit;
            this.heapEntries = new Entry[limit];
            this.heapChords = new double[limit];
        }

        /** Visits {@code node}, whose box is {@code near} from the origin at the closest. */
        void visit(int node, double near) {
            int b = 6 * node;
            if (near > maxChord || (size == limit && near > heapChords[0])) {
                return;
            }
            if (afterChord >= 0 && farthestCorner(b) < afterChord) {
                return;
            }
            int l = left[node];
            if (l < 0) {
                for (int i = from[node], end = to[node]; i < end; i++) {
                    double chord = ParkingLotRepository.chord(xs[i], ys[i], zs[i], ox, oy, oz);
                    if (chord > maxChord) {
                        continue;
                    }
                    Entry entry = entries[i];
                    if (chord < afterChord || (chord == afterChord
                            && compareIds(entry.idHigh, entry.idLow, afterHigh, afterLow) <= 0)) {
                        continue;
                    }
                    offer(entry, chord);
                }
                return;
            }
            int r = right[node];
            double nearLeft = nearestCorner(6 * l);
            double nearRight = nearestCorner(6 * r);
            if (nearLeft <= nearRight) {
                visit(l, nearLeft);
                visit(r, nearRight);
            } else {
                visit(r, nearRight);
                visit(l, nearLeft);
            }
        }

        double nearestCorner(int b) {
            double d = gap(ox, box[b], box[b + 3]);
            double sum = d * d;
            d = gap(oy, box[b + 1], box[b + 4]);
            sum += d * d;
            d = gap(oz, box[b + 2], box[b + 5]);
            sum += d * d;
            return Math.sqrt(sum);
        }

        private double farthestCorner(int b) {
            double d = Math.max(ox - box[b], box[b + 3] - ox);
            double sum = d * d;
            d = Math.max(oy - box[b + 1], box[b + 4] - oy);
            sum += d * d;
            d = Math.max(oz - box[b + 2], box[b + 5] - oz);
            sum += d * d;
            return Math.sqrt(sum);
        }

        private void offer(Entry entry, double chord) {
            if (size < limit) {
                // Sift up.
                int i = size++;
                while (i > 0) {
                    int parent = (i - 1) >>> 1;
                    if (compare(heapChords[parent], heapEntries[parent], chord, entry) >= 0) {
                        break;
                    }
                    heapChords[i] = heapChords[parent];
                    heapEntries[i] = heapEntries[parent];
                    i = parent;
                }
                heapChords[i] = chord;
                heapEntries[i] = entry;
                return;
            }
            if (compare(chord, entry, heapChords[0], heapEntries[0]) >= 0) {
                return;
            }
            siftDown(chord, entry, size);
        }

        /** Puts (chord, entry) at the root of the heap's first {@code n} slots and restores the heap order. */
        private void siftDown(double chord, Entry entry, int n) {
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= n) {
                    break;
                }
                if (child + 1 < n && compare(heapChords[child + 1], heapEntries[child + 1],
                        heapChords[child], heapEntries[child]) > 0) {
                    child++;
                }
                if (compare(heapChords[child], heapEntries[child], chord, entry) <= 0) {
                    break;
                }
                heapChords[i] = heapChords[child];
                heapEntries[i] = heapEntries[child];
                i = child;
            }
            heapChords[i] = chord;
            heapEntries[i] = entry;
        }

        /** Heap sort in place: the worst goes last, repeatedly. */
        Found sorted() {
            for (int end = size - 1; end > 0; end--) {
                double chord = heapChords[end];
                Entry entry = heapEntries[end];
                heapChords[end] = heapChords[0];
                heapEntries[end] = heapEntries[0];
                siftDown(chord, entry, end);
            }
            return new Found(heapEntries, heapChords, size);
        }
    }

    private static double gap(double o, double min, double max) {
        return o < min ? min - o : o > max ? o - max : 0;
    }

    private static int compare(double chordA, Entry a, double chordB, Entry b) {
        int byChord = Double.compare(chordA, chordB);
        return byChord != 0 ? byChord : compareIds(a.idHigh, a.idLow, b.idHigh, b.idLow);
    }

    /** UUIDs in PostgreSQL's order: unsigned, most significant half first. */
    static int compareIds(long highA, long lowA, long highB, long lowB) {
        int high = Long.compareUnsigned(highA, highB);
        return high != 0 ? high : Long.compareUnsigned(lowA, lowB);
    }
}
