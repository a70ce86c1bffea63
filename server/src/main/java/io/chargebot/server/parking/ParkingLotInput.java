package io.chargebot.server.parking;

import com.google.type.DayOfWeek;
import com.google.type.TimeOfDay;
import io.chargebot.parking.v1.BusinessHours;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.Spot;
import io.chargebot.server.error.Violations;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks the lot and spot fields an admin sends (CreateParkingLot, UpdateParkingLot, CreateSpot,
 * UpdateSpot) against the contract in parking_service.proto, recording every bad field, and turns
 * them into the values stored.
 */
final class ParkingLotInput {

    static final String DEFAULT_TIME_ZONE = "Asia/Seoul";
    /** 09:00-22:00, the hours of a lot created without business hours. */
    static final int DEFAULT_OPEN_MINUTE = 9 * 60;
    static final int DEFAULT_CLOSE_MINUTE = 22 * 60;

    static final Set<String> LOT_FIELDS =
            Set.of("display_name", "address", "location", "image_uri", "time_zone", "business_hours", "open");
    static final Set<String> SPOT_FIELDS = Set.of("floor", "code", "x_meters", "y_meters", "enabled");

    /** A lot's stored fields. */
    record Lot(String displayName, String address, double latitude, double longitude, String imageUri,
               String timeZone, List<ParkingLotRepository.Hours> hours, boolean open) {}

    /** A spot's stored fields. */
    record SpotFields(String floor, String code, double xMeters, double yMeters, boolean enabled) {}

    private ParkingLotInput() {}

    /**
     * The values of the {@code fields} of {@code lot} (all of them on create), each checked; problems
     * are recorded in {@code v} under {@code prefix + field}. Fields not in {@code fields} are not
     * checked and come back as defaults.
     */
    static Lot lot(ParkingLot lot, Collection<String> fields, boolean create, String prefix, Violations v) {
        String displayName = lot.getDisplayName().strip();
        if (fields.contains("display_name")) {
            v.check(text(displayName, 1, 100), prefix + "display_name", "must be 1..100 characters without control characters");
        }
        String address = lot.getAddress().strip();
        if (fields.contains("address")) {
            v.check(text(address, 0, 300), prefix + "address", "must be at most 300 characters without control characters");
        }
        double latitude = lot.getLocation().getLatitude();
        double longitude = lot.getLocation().getLongitude();
        if (fields.contains("location")) {
            if (!lot.hasLocation()) {
                v.add(prefix + "location", "is required (WGS84 latitude and longitude of the entrance)");
            } else {
                v.check(Double.isFinite(latitude) && latitude >= -90 && latitude <= 90, prefix + "location.latitude",
                        "must be between -90 and 90 degrees (got " + latitude + ")");
                v.check(Double.isFinite(longitude) && longitude >= -180 && longitude <= 180, prefix + "location.longitude",
                        "must be between -180 and 180 degrees (got " + longitude + ")");
            }
        }
        String imageUri = lot.getImageUri().strip();
        if (fields.contains("image_uri")) {
            v.check(imageUri.isEmpty() || httpsUrl(imageUri), prefix + "image_uri",
                    "must be empty or an absolute https URL of at most 2048 characters");
        }
        String timeZone = lot.getTimeZone().strip();
        if (timeZone.isEmpty()) {
            timeZone = DEFAULT_TIME_ZONE;
        }
        if (fields.contains("time_zone")) {
            v.check(timeZone.length() <= 64 && ZoneId.getAvailableZoneIds().contains(timeZone), prefix + "time_zone",
                    "must be an IANA time zone id such as Asia/Seoul (got " + shown(timeZone) + ")");
        }
        List<ParkingLotRepository.Hours> hours = List.of();
        if (fields.contains("business_hours")) {
            hours = hours(lot.getBusinessHoursList(), prefix + "business_hours", v);
            if (create && hours.isEmpty()) {
                hours = everyDay(DEFAULT_OPEN_MINUTE, DEFAULT_CLOSE_MINUTE);
            }
        }
        return new Lot(displayName, address, latitude, longitude, imageUri, timeZone, hours, lot.getOpen());
    }

    /** The values of the {@code fields} of {@code spot}, each checked like {@link #lot}. */
    static SpotFields spot(Spot spot, Collection<String> fields, String prefix, Violations v) {
        String floor = spot.getFloor().strip();
        if (fields.contains("floor")) {
            v.check(text(floor, 1, 10), prefix + "floor", "must be 1..10 characters without control characters, e.g. B2");
        }
        String code = spot.getCode().strip();
        if (fields.contains("code")) {
            v.check(text(code, 1, 20), prefix + "code", "must be 1..20 characters without control characters, e.g. A-12");
        }
        if (fields.contains("x_meters")) {
            v.check(Double.isFinite(spot.getXMeters()), prefix + "x_meters", "must be a finite number of metres");
        }
        if (fields.contains("y_meters")) {
            v.check(Double.isFinite(spot.getYMeters()), prefix + "y_meters", "must be a finite number of metres");
        }
        return new SpotFields(floor, code, spot.getXMeters(), spot.getYMeters(), spot.getEnabled());
    }

    static List<ParkingLotRepository.Hours> everyDay(int openMinute, int closeMinute) {
        List<ParkingLotRepository.Hours> hours = new ArrayList<>(7);
        for (int day = 1; day <= 7; day++) {
            hours.add(new ParkingLotRepository.Hours(day, openMinute, closeMinute));
        }
        return hours;
    }

    private static List<ParkingLotRepository.Hours> hours(List<BusinessHours> entries, String field, Violations v) {
        List<ParkingLotRepository.Hours> hours = new ArrayList<>(entries.size());
        Set<DayOfWeek> seen = EnumSet.noneOf(DayOfWeek.class);
        for (int i = 0; i < entries.size(); i++) {
            BusinessHours entry = entries.get(i);
            String at = field + "[" + i + "]";
            DayOfWeek day = entry.getDay();
            boolean dayOk = v.check(day != DayOfWeek.DAY_OF_WEEK_UNSPECIFIED && day != DayOfWeek.UNRECOGNIZED,
                    at + ".day", "must be a weekday, MONDAY..SUNDAY");
            if (dayOk && !seen.add(day)) {
                dayOk = false;
                v.add(at + ".day", day + " is listed more than once (one entry per weekday)");
            }
            int open = minuteOfDay(entry.getOpenTime(), false);
            int close = minuteOfDay(entry.getCloseTime(), true);
            v.check(open >= 0, at + ".open_time", "must be 00:00..23:30 in whole or half hours (got " + shown(entry.getOpenTime()) + ")");
            v.check(close >= 0, at + ".close_time",
                    "must be 00:30..24:00 in whole or half hours (got " + shown(entry.getCloseTime()) + ")");
            if (open >= 0 && close >= 0 && !v.check(open < close, at + ".close_time",
                    "must be after open_time (" + shown(entry.getOpenTime()) + "); a lot open all day is 00:00-24:00")) {
                continue;
            }
            if (dayOk && open >= 0 && close >= 0) {
                hours.add(new ParkingLotRepository.Hours(day.getNumber(), open, close));
            }
        }
        return hours;
    }

    /** Minutes after midnight of a time on the half-hour grid (24:00 only as a closing time), or -1. */
    private static int minuteOfDay(TimeOfDay time, boolean closing) {
        int hours = time.getHours();
        int minutes = time.getMinutes();
        if (time.getSeconds() != 0 || time.getNanos() != 0 || (minutes != 0 && minutes != 30)) {
            return -1;
        }
        if (hours < 0 || hours > 24 || (hours == 24 && (!closing || minutes != 0))) {
            return -1;
        }
        return hours * 60 + minutes;
    }

    private static boolean text(String value, int min, int max) {
        int length = value.codePointCount(0, value.length());
        return length >= min && length <= max && value.codePoints().noneMatch(Character::isISOControl);
    }

    private static boolean httpsUrl(String value) {
        if (value.length() > 2048) {
            return false;
        }
        try {
            URI uri = new URI(value);
            return uri.getScheme() != null && uri.getScheme().toLowerCase(Locale.ROOT).equals("https")
                    && uri.getHost() != null && uri.getUserInfo() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String shown(String value) {
        return value.length() > 64 ? value.substring(0, 64) + "…" : value;
    }

    private static String shown(TimeOfDay time) {
        String text = String.format(Locale.ROOT, "%02d:%02d", time.getHours(), time.getMinutes());
        if (time.getSeconds() != 0 || time.getNanos() != 0) {
            text += String.format(Locale.ROOT, ":%02d", time.getSeconds()) + (time.getNanos() != 0 ? "." + time.getNanos() : "");
        }
        return text;
    }
}
