package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import com.google.type.Date;
import io.chargebot.reservation.v1.ListReservationsRequest;
import io.chargebot.reservation.v1.ReservationStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import javax.annotation.Nullable;

/**
 * Which of the caller's reservations {@link ReservationClient#list(ReservationFilter, int)} returns
 * and in which order. Filters combine with AND; an unset filter does not restrict.
 *
 * <pre>{@code
 * ReservationFilter upcoming = ReservationFilter.builder()
 *         .statuses(ReservationStatus.RESERVATION_STATUS_CONFIRMED, ReservationStatus.RESERVATION_STATUS_IN_PROGRESS)
 *         .startDate(ReservationClient.date(2025, 5, 1))
 *         .endDate(ReservationClient.date(2025, 5, 31))
 *         .car("cars/4f1c...")
 *         .build();
 * }</pre>
 */
public final class ReservationFilter {

    private static final ReservationFilter ALL = builder().build();

    /** The order of {@code ListReservations} for the newest windows first. */
    static final String LATEST_FIRST = "start_time desc";

    private final List<ReservationStatus> statuses;
    @Nullable
    private final Date startDate;
    @Nullable
    private final Date endDate;
    @Nullable
    private final Timestamp windowStartTime;
    @Nullable
    private final Timestamp windowEndTime;
    private final String car;
    private final boolean latestFirst;

    private ReservationFilter(Builder b) {
        statuses = Collections.unmodifiableList(new ArrayList<>(b.statuses));
        startDate = b.startDate;
        endDate = b.endDate;
        windowStartTime = b.windowStartTime;
        windowEndTime = b.windowEndTime;
        car = b.car;
        latestFirst = b.latestFirst;
    }

    /** Every reservation of the caller, soonest window first. */
    public static ReservationFilter all() {
        return ALL;
    }

    /** Returns a new builder; without any setting it builds {@link #all()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The statuses asked for; empty means any status. */
    public List<ReservationStatus> statuses() {
        return statuses;
    }

    /** The first local date asked for, or {@code null}. */
    @Nullable
    public Date startDate() {
        return startDate;
    }

    /** The last local date asked for, or {@code null}. */
    @Nullable
    public Date endDate() {
        return endDate;
    }

    /** Only windows that end after this instant, or {@code null}. */
    @Nullable
    public Timestamp windowStartTime() {
        return windowStartTime;
    }

    /** Only windows that start before this instant, or {@code null}. */
    @Nullable
    public Timestamp windowEndTime() {
        return windowEndTime;
    }

    /** The car asked for, {@code "cars/{id}"}, or {@code ""} for all the caller's cars. */
    public String car() {
        return car;
    }

    /** Whether the latest window comes first (else the soonest). */
    public boolean latestFirst() {
        return latestFirst;
    }

    /** Copies the filters and the order into a request. */
    ListReservationsRequest.Builder applyTo(ListReservationsRequest.Builder request) {
        request.addAllStatuses(statuses).setCar(car);
        if (startDate != null) {
            request.setStartDate(startDate);
        }
        if (endDate != null) {
            request.setEndDate(endDate);
        }
        if (windowStartTime != null) {
            request.setWindowStartTime(windowStartTime);
        }
        if (windowEndTime != null) {
            request.setWindowEndTime(windowEndTime);
        }
        if (latestFirst) {
            request.setOrderBy(LATEST_FIRST);
        }
        return request;
    }

    @Override
    public String toString() {
        return "ReservationFilter{statuses=" + statuses + ", startDate=" + format(startDate) + ", endDate="
                + format(endDate) + ", windowStartTime=" + (windowStartTime == null ? "-" : windowStartTime.getSeconds())
                + ", windowEndTime=" + (windowEndTime == null ? "-" : windowEndTime.getSeconds()) + ", car="
                + (car.isEmpty() ? "-" : car) + ", latestFirst=" + latestFirst + '}';
    }

    private static String format(@Nullable Date date) {
        return date == null ? "-" : date.getYear() + "-" + date.getMonth() + "-" + date.getDay();
    }

    /** Builds a {@link ReservationFilter}. */
    public static final class Builder {

        private final List<ReservationStatus> statuses = new ArrayList<>();
        @Nullable
        private Date startDate;
        @Nullable
        private Date endDate;
        @Nullable
        private Timestamp windowStartTime;
        @Nullable
        private Timestamp windowEndTime;
        private String car = "";
        private boolean latestFirst;

        private Builder() {}

        /** Only reservations in one of these statuses (replacing any set before); none means any status. */
        public Builder statuses(ReservationStatus... statuses) {
            requireNonNull(statuses, "statuses");
            for (ReservationStatus status : statuses) {
                requireNonNull(status, "statuses[]");
            }
            this.statuses.clear();
            this.statuses.addAll(Arrays.asList(statuses));
            return this;
        }

        /** Only reservations whose local date (in its lot's time zone) is on or after this date. */
        public Builder startDate(Date startDate) {
            this.startDate = requireNonNull(startDate, "startDate");
            return this;
        }

        /** Only reservations whose local date (in its lot's time zone) is on or before this date. */
        public Builder endDate(Date endDate) {
            this.endDate = requireNonNull(endDate, "endDate");
            return this;
        }

        /** Only reservations whose window ends after this instant (with {@link #windowEndTime}: overlapping a range). */
        public Builder windowStartTime(Timestamp windowStartTime) {
            this.windowStartTime = requireNonNull(windowStartTime, "windowStartTime");
            return this;
        }

        /** Only reservations whose window starts before this instant. */
        public Builder windowEndTime(Timestamp windowEndTime) {
            this.windowEndTime = requireNonNull(windowEndTime, "windowEndTime");
            return this;
        }

        /** Only reservations of this car, {@code "cars/{id}"}. */
        public Builder car(String car) {
            this.car = requireNonNull(car, "car");
            return this;
        }

        /** Latest window first (e.g. a history screen); by default the soonest comes first. */
        public Builder latestFirst() {
            this.latestFirst = true;
            return this;
        }

        /** Builds the filter. */
        public ReservationFilter build() {
            return new ReservationFilter(this);
        }
    }
}
