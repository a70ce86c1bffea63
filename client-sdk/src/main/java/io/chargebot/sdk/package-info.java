/**
 * The ChargeBot client SDK for Android apps and partners.
 *
 * <p>Start with {@link io.chargebot.sdk.ChargeBotClient}: it owns one gRPC channel, applies a
 * default deadline to every call, retries idempotent reads, attaches the access token of the
 * signed-in session from its {@link io.chargebot.sdk.TokenStore} (refreshing it before it expires
 * and once after a rejection) or from an {@link io.chargebot.sdk.AccessTokenProvider}, and turns
 * failures into typed {@link io.chargebot.sdk.ChargeBotException}s. Accounts are in
 * {@link io.chargebot.sdk.AuthClient} and {@link io.chargebot.sdk.UserClient}, cars in
 * {@link io.chargebot.sdk.CarClient}, lots and spots in {@link io.chargebot.sdk.ParkingClient},
 * bookings in {@link io.chargebot.sdk.ReservationClient}. The generated lite message and stub
 * classes of the v1 contracts ({@code io.chargebot.*.v1}) are part of the SDK and usable directly.
 */
package io.chargebot.sdk;
