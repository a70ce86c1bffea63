package io.chargebot.sdk;

/**
 * Another active car already has this licence plate (reason {@code RESOURCE_EXISTS} on the field
 * {@code car.plate}); plates are compared in their normalised form, so "12가 3456" and "12가3456"
 * are the same plate. Thrown by {@link CarClient#create} and {@link CarClient#update}.
 */
public class PlateTakenException extends AlreadyExistsException {

    private static final long serialVersionUID = 1L;

    PlateTakenException(ErrorDetails details) {
        super(details);
    }
}
