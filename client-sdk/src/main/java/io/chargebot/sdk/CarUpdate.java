package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import io.chargebot.car.v1.Car;
import io.chargebot.car.v1.ConnectorType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A change to some fields of a car, for {@link CarClient#update(CarUpdate)}. Only the fields set on
 * the builder are sent and named in the update mask; the others keep their values.
 *
 * <pre>{@code
 * Car car = client.cars().update(CarUpdate.builder("cars/4f1c...")
 *         .nickname("출퇴근용")
 *         .batteryCapacityKwh(77.4)
 *         .build());
 * }</pre>
 *
 * Setting a text field to {@code ""} clears it; a battery capacity of {@code 0} means unknown.
 */
public final class CarUpdate {

    private final Car car;
    private final List<String> fieldPaths;

    private CarUpdate(Car car, List<String> fieldPaths) {
        this.car = car;
        this.fieldPaths = Collections.unmodifiableList(fieldPaths);
    }

    /**
     * Starts a change to a car.
     *
     * @param name resource name of the car, {@code "cars/{id}"}, as in {@link Car#getName()}
     */
    public static Builder builder(String name) {
        return new Builder(requireNonNull(name, "name"));
    }

    /** The car with its name and the new values of the {@linkplain #fieldPaths() changed fields}. */
    public Car car() {
        return car;
    }

    /** The changed fields, as update-mask paths (e.g. {@code "nickname"}), in the order they were first set. */
    public List<String> fieldPaths() {
        return fieldPaths;
    }

    @Override
    public String toString() {
        return "CarUpdate{" + car.getName() + ", fields=" + fieldPaths + '}';
    }

    /** Builds a {@link CarUpdate}; each setter adds its field to the update mask. */
    public static final class Builder {

        private final Car.Builder car;
        private final List<String> paths = new ArrayList<>();

        private Builder(String name) {
            car = Car.newBuilder().setName(name);
        }

        /**
         * A new licence plate, e.g. "12가 3456"; the server normalises it.
         *
         * @see PlateTakenException
         */
        public Builder plate(String plate) {
            car.setPlate(requireNonNull(plate, "plate"));
            return mark("plate");
        }

        /** The model name, e.g. "IONIQ 5", up to 50 characters; {@code ""} clears it. */
        public Builder model(String model) {
            car.setModel(requireNonNull(model, "model"));
            return mark("model");
        }

        /** The manufacturer, e.g. "Hyundai", up to 50 characters; {@code ""} clears it. */
        public Builder manufacturer(String manufacturer) {
            car.setManufacturer(requireNonNull(manufacturer, "manufacturer"));
            return mark("manufacturer");
        }

        /** The car's charging inlet; {@link ConnectorType#CONNECTOR_TYPE_UNSPECIFIED} is rejected. */
        public Builder connectorType(ConnectorType connectorType) {
            car.setConnectorType(requireNonNull(connectorType, "connectorType"));
            return mark("connector_type");
        }

        /** The usable battery capacity in kWh, 1..300, or {@code 0} for unknown. */
        public Builder batteryCapacityKwh(double batteryCapacityKwh) {
            car.setBatteryCapacityKwh(batteryCapacityKwh);
            return mark("battery_capacity_kwh");
        }

        /** The owner's name for the car, e.g. "출퇴근용", up to 30 characters; {@code ""} clears it. */
        public Builder nickname(String nickname) {
            car.setNickname(requireNonNull(nickname, "nickname"));
            return mark("nickname");
        }

        /**
         * Builds the change.
         *
         * @throws IllegalStateException if no field was set
         */
        public CarUpdate build() {
            if (paths.isEmpty()) {
                throw new IllegalStateException("no field is set: nothing to update");
            }
            return new CarUpdate(car.build(), new ArrayList<>(paths));
        }

        private Builder mark(String path) {
            if (!paths.contains(path)) {
                paths.add(path);
            }
            return this;
        }
    }
}
