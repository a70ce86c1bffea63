package io.chargebot.server.reservation;

import com.google.type.Date;
import com.google.type.TimeOfDay;
import io.chargebot.server.error.Violations;
import io.micronaut.core.annotation.Nullable;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Map;

/**
 * A reservation window as a driver states it — a local date, a start and an end (or a length) on
 * the lot's wall clock — checked against the booking rules and turned into UTC instants.
 *
 * <p>Rules (each violation names its request field): times on the 30-minute grid, end after
 * start, length {@value #MIN_MINUTES}..{@value #MAX_MINUTES} minutes, inside the lot's business
 * hours of that weekday, start not in the past and at most {@value #MAX_DAYS_AHEAD} days ahead.
 * A local time that does not exist (daylight-saving gap) is invalid; an ambiguous one (overlap)
 * takes the earlier offset. The real duration of a window that spans a clock change differs from
 * its wall-clock length; the instants are what is stored and compared.
 */
public record BookingWindow(LocalDate date, int startMinute, int endMinute, Instant start, Instant end) {

    public static final int SLOT_MINUTES = 30;
    public static final int MIN_MINUTES = 30;
    public static final int MAX_MINUTES = 720;
    public static final int MAX_DAYS_AHEAD = 30;

    /** Opening hours of one weekday as minutes after local midnight, close exclusive (1440 = midnight). */
    public record Hours(int openMinute, int closeMinute) {}

    /** Wall-clock length in minutes. */
    public int minutes() {
        return endMinute - startMinute;
    }

    /** The wall-clock shape of a stated window, before the lot is known. */
    public record Shape(LocalDate date, int startMinute, int endMinute, String endField) {}

    /**
     * Checks what can be checked without the lot: a real date, times on the grid, an end or a
     * length, end after start, the length bounds. Returns null after recording every violation.
     * {@code localEnd} and {@code durationMinutes} are the two arms of the request's {@code end}
     * oneof (null / 0 when unset).
     */
    @Nullable
    public static Shape shape(Date localDate, TimeOfDay localStart, @Nullable TimeOfDay localEnd, int durationMinutes,
                              Violations violations) {
        LocalDate date = date(localDate, "local_date", violations);
        int start = minuteOfDay(localStart, false, "local_start_time", violations);
        int end = -1;
        if (localEnd != null) {
            end = minuteOfDay(localEnd, true, "local_end_time", violations);
        } else if (durationMinutes != 0) {
            if (violations.check(durationMinutes % SLOT_MINUTES == 0 && durationMinutes >= MIN_MINUTES
                    && durationMinutes <= MAX_MINUTES, "duration_minutes", "must be a multiple of " + SLOT_MINUTES
                    + " between " + MIN_MINUTES + " and " + MAX_MINUTES + " (got " + durationMinutes + ")") && start >= 0) {
                end = start + durationMinutes;
                if (!violations.check(end <= 1440, "duration_minutes", "must end the window by midnight of local_date")) {
                    end = -1;
                }
            }
        } else {
            violations.add("local_end_time", "set local_end_time or duration_minutes");
        }
        if (date == null || start < 0 || end < 0) {
            return null;
        }
        String endField = localEnd != null ? "local_end_time" : "duration_minutes";
        if (!violations.check(end > start, endField, "must be after local_start_time")) {
            return null;
        }
        if (!violations.check(end - start >= MIN_MINUTES && end - start <= MAX_MINUTES, endField,
                "the window must be " + MIN_MINUTES + ".." + MAX_MINUTES + " minutes long (got " + (end - start) + ")")) {
            return null;
        }
        return new Shape(date, start, end, endField);
    }

    /**
     * Checks the stated window against the lot — business hours of the weekday, clock changes in
     * {@code zone}, not in the past, not too far ahead — and resolves it to instants. Returns null
     * after recording every violation in {@code violations}.
     */
    @Nullable
    public static BookingWindow resolve(Date localDate, TimeOfDay localStart, @Nullable TimeOfDay localEnd,
                                        int durationMinutes, ZoneId zone, Map<DayOfWeek, Hours> hours, Instant now,
                                        Violations violations) {
        Shape shape = shape(localDate, localStart, localEnd, durationMinutes, violations);
        if (shape == null) {
            return null;
        }
        LocalDate date = shape.date();
        int start = shape.startMinute();
        int end = shape.endMinute();
        String endField = shape.endField();
        Hours open = hours.get(date.getDayOfWeek());
        if (open == null) {
            violations.add("local_date", "the lot is closed on " + date.getDayOfWeek() + "s");
            return null;
        }
        // Messages are built only for a violation: this runs on every booking.
        boolean ok = start >= open.openMinute();
        if (!ok) {
            violations.add("local_start_time", "must not be before the lot opens at " + clock(open.openMinute()));
        }
        if (end > open.closeMinute()) {
            violations.add(endField, "must not be after the lot closes at " + clock(open.closeMinute()));
            ok = false;
        }
        Instant startInstant = instant(date, start, zone, "local_start_time", violations);
        Instant endInstant = instant(date, end, zone, endField, violations);
        if (!ok || startInstant == null || endInstant == null) {
            return null;
        }
        ok = violations.check(!startInstant.isBefore(now), "local_start_time", "is in the past");
        ok &= violations.check(!startInstant.isAfter(now.plus(Duration.ofDays(MAX_DAYS_AHEAD))), "local_date",
                "must be at most " + MAX_DAYS_AHEAD + " days ahead");
        return ok ? new BookingWindow(date, start, end, startInstant, endInstant) : null;
    }

    /** A google.type.Date as a LocalDate, or null after recording a violation. */
    @Nullable
    public static LocalDate date(Date date, String field, Violations violations) {
        if (date.getYear() == 0 && date.getMonth() == 0 && date.getDay() == 0) {
            violations.add(field, "is required");
            return null;
        }
        try {
            if (date.getYear() < 1 || date.getYear() > 9999) {
                throw new DateTimeException("year");
            }
            return LocalDate.of(date.getYear(), date.getMonth(), date.getDay());
        } catch (DateTimeException e) {
            violations.add(field, "must be a full calendar date (got " + date.getYear() + "-" + date.getMonth() + "-"
                    + date.getDay() + ")");
            return null;
        }
    }

    /** Minutes after midnight of a grid time, or -1 after recording a violation; 24:00 only when allowed. */
    private static int minuteOfDay(TimeOfDay time, boolean allowMidnightEnd, String field, Violations violations) {
        int hours = time.getHours();
        int minutes = time.getMinutes();
        boolean midnight = allowMidnightEnd && hours == 24 && minutes == 0;
        if (!(midnight || (hours >= 0 && hours <= 23)) || (minutes != 0 && minutes != 30)
                || time.getSeconds() != 0 || time.getNanos() != 0) {
            violations.add(field, "must be on the 30-minute grid (HH:00 or HH:30" + (allowMidnightEnd ? ", or 24:00" : "")
                    + ")");
            return -1;
        }
        return hours * 60 + minutes;
    }

    /** The instant of a local time on the lot's clock, or null after recording a violation (daylight-saving gap). */
    @Nullable
    public static Instant instant(LocalDate date, int minuteOfDay, ZoneId zone, String field, Violations violations) {
        LocalDateTime local = minuteOfDay == 1440 ? date.plusDays(1).atStartOfDay()
                : date.atTime(LocalTime.of(minuteOfDay / 60, minuteOfDay % 60));
        if (zone.getRules().getValidOffsets(local).isEmpty()) {
            violations.add(field, "does not exist on " + date + " in " + zone.getId() + " (the clocks skip it)");
            return null;
        }
        // ofLocal without a preferred offset takes the earlier offset of an ambiguous time.
        return ZonedDateTime.ofLocal(local, zone, null).toInstant();
    }

    /** HH:MM of minutes after midnight. */
    public static String clock(int minuteOfDay) {
        return String.format("%02d:%02d", minuteOfDay / 60, minuteOfDay % 60);
    }
}
