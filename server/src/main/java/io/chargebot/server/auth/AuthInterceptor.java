package io.chargebot.server.auth;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.grpc.ServiceMethods;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.inprocess.InProcessSocketAddress;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.order.Ordered;
import jakarta.inject.Singleton;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The one authentication and authorisation point of every service. Reads
 * {@code authorization: Bearer <jwt>}, checks the token ({@link AccessTokens}) and that its session
 * is still open (sign-out and revocation take effect at once) or its service client still enabled,
 * puts the {@link Principal} in the call's {@link Context}, and enforces the {@link Access} each
 * RPC declares: no or a bad token → UNAUTHENTICATED, wrong role → PERMISSION_DENIED. An implemented
 * RPC without {@code @Access} stops the server from starting; an unimplemented one needs a signed-in caller.
 */
@Singleton
public final class AuthInterceptor implements ServerInterceptor, Ordered {

    public static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> FORWARDED_FOR = Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> USER_AGENT = Metadata.Key.of("user-agent", Metadata.ASCII_STRING_MARSHALLER);

    /** What one RPC requires. */
    record Policy(boolean anonymous, Set<Role> roles, String scope) {
        static final Policy SIGNED_IN = new Policy(false, EnumSet.allOf(Role.class), "");
        static final Policy ANYONE = new Policy(true, EnumSet.allOf(Role.class), "");

        boolean allows(Principal principal) {
            if (!roles.contains(principal.role())) {
                return false;
            }
            return principal.role() != Role.SERVICE || scope.isEmpty() || principal.scopes().contains(scope);
        }
    }

    private final Map<String, Policy> policies = new HashMap<>();
    private final AccessTokens accessTokens;
    private final SessionCache sessionCache;
    private final Db db;
    private final Set<InetAddress> trustedProxies = new HashSet<>();

    public AuthInterceptor(List<BindableService> services, AccessTokens accessTokens, SessionCache sessionCache, Db db,
                           @Value("${chargebot.auth.trusted-proxies}") List<String> trustedProxies) {
        this.accessTokens = accessTokens;
        this.sessionCache = sessionCache;
        this.db = db;
        for (String proxy : trustedProxies) {
            try {
                this.trustedProxies.add(InetAddress.getByName(proxy.trim()));
            } catch (UnknownHostException e) {
                throw new ConfigurationException("chargebot.auth.trusted-proxies: " + proxy + " (expected: IP addresses)");
            }
        }
        List<String> undeclared = new ArrayList<>();
        for (BindableService service : services) {
            for (ServerMethodDefinition<?, ?> definition : service.bindService().getMethods()) {
                MethodDescriptor<?, ?> method = definition.getMethodDescriptor();
                String serviceName = method.getServiceName();
                if (serviceName != null && serviceName.startsWith("grpc.")) {
                    policies.put(method.getFullMethodName(), Policy.ANYONE);
                    continue;
                }
                Method java = ServiceMethods.implementation(service.getClass(), method.getBareMethodName());
                if (java == null) {
                    policies.put(method.getFullMethodName(), Policy.SIGNED_IN);
                    continue;
                }
                Access access = java.getAnnotation(Access.class);
                if (access == null) {
                    undeclared.add(method.getFullMethodName());
                    continue;
                }
                Set<Role> roles = access.value().length == 0 ? EnumSet.noneOf(Role.class) : EnumSet.copyOf(List.of(access.value()));
                if (!access.anonymous() && roles.isEmpty()) {
                    undeclared.add(method.getFullMethodName() + " (no roles)");
                    continue;
                }
                policies.put(method.getFullMethodName(), new Policy(access.anonymous(),
                        access.anonymous() ? EnumSet.allOf(Role.class) : roles, access.scope()));
            }
        }
        if (!undeclared.isEmpty()) {
            throw new ConfigurationException("RPCs without @Access (declare who may call them): " + undeclared);
        }
    }

    @Override
    public int getOrder() {
        // Inside RequestInterceptor (HIGHEST_PRECEDENCE), so auth failures are mapped and correlated.
        return HIGHEST_PRECEDENCE + 100;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        MethodDescriptor<Q, R> method = call.getMethodDescriptor();
        Policy policy = policies.get(method.getFullMethodName());
        if (policy == null) {
            // Infrastructure (grpc.health, grpc.reflection) is open; anything else unknown needs a signed-in caller.
            String service = method.getServiceName();
            policy = service != null && service.startsWith("grpc.") ? Policy.ANYONE : Policy.SIGNED_IN;
        }
        CallerInfo caller = new CallerInfo(clientAddress(call, headers), headers.get(USER_AGENT));
        Principal principal = null;
        String authorization = headers.get(AUTHORIZATION);
        if (authorization != null) {
            principal = authenticate(authorization);
            if (principal == null && !policy.anonymous()) {
                throw unauthenticated("the access token is invalid, expired or revoked; refresh it or sign in again");
            }
        }
        if (principal == null && !policy.anonymous()) {
            throw unauthenticated("sign in first: send a valid access token as 'authorization: Bearer <token>'");
        }
        if (principal != null && !policy.anonymous() && !policy.allows(principal)) {
            throw new ApiException(Status.Code.PERMISSION_DENIED, ErrorReason.PERMISSION_DENIED,
                    "your role may not call " + call.getMethodDescriptor().getBareMethodName());
        }
        Context context = Context.current().withValues(Principal.KEY, principal, CallerInfo.KEY, caller);
        return Contexts.interceptCall(context, call, headers, next);
    }

    /** The principal for a bearer token, or null if the token or its session is not valid. */
    Principal authenticate(String authorization) {
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        AccessTokens.Claims claims = accessTokens.verify(authorization.substring(7).trim());
        if (claims == null) {
            return null;
        }
        if (claims.role() == Role.SERVICE) {
            if (!db.read(connection -> serviceClientEnabled(connection, claims.subject()))) {
                return null;
            }
        } else {
            UUID subject = UUID.fromString(claims.subject());
            SessionCache.Entry session = sessionCache.get(claims.sessionId(), id -> db.read(connection ->
                    sessionOpen(connection, id, subject, claims.role()))
                    ? Optional.of(new SessionCache.Entry(subject, claims.role())) : Optional.empty()).orElse(null);
            if (session == null || !session.userId().equals(subject) || session.role() != claims.role()) {
                return null;
            }
        }
        return new Principal(claims.subject(), claims.role(), claims.sessionId(), claims.scopes());
    }

    private static boolean serviceClientEnabled(Connection connection, String clientId) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection,
                "SELECT 1 FROM service_clients WHERE client_id = ? AND disabled_at IS NULL")) {
            ps.setString(1, clientId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Whether the session is open, of this live user, whose role is still the token's. */
    private static boolean sessionOpen(Connection connection, UUID sessionId, UUID userId, Role role) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection,
                "SELECT u.role FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.user_id = ? "
                + "AND s.revoked_at IS NULL AND s.expires_at > now() AND u.deleted_at IS NULL")) {
            ps.setObject(1, sessionId);
            ps.setObject(2, userId);
            try (ResultSet rs = ps.executeQuery()) {
                // A role changed since the token was issued (admin demoted) takes effect at once too.
                return rs.next() && rs.getString(1).equals(role.name());
            }
        }
    }

    private String clientAddress(ServerCall<?, ?> call, Metadata headers) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (remote instanceof InProcessSocketAddress) {
            // Only code in this process calls in-process: the co-located gateway, which always appends its
            // caller's address.
            return forwardedClient(headers);
        }
        if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return null;
        }
        if (trustedProxies.contains(inet.getAddress())) {
            String forwarded = forwardedClient(headers);
            if (forwarded != null) {
                return forwarded;
            }
        }
        return inet.getAddress().getHostAddress();
    }

    /** The last hop of {@code x-forwarded-for} (the address the trusted proxy saw) if it is an IP address. */
    private static String forwardedClient(Metadata headers) {
        String forwarded = headers.get(FORWARDED_FOR);
        if (forwarded == null) {
            return null;
        }
        String[] hops = forwarded.split(",");
        String last = hops[hops.length - 1].trim();
        if (!last.isEmpty() && last.length() <= 45 && last.matches("[0-9A-Fa-f:.]+")) {
            return last;
        }
        return null;
    }

    private static ApiException unauthenticated(String message) {
        return new ApiException(Status.Code.UNAUTHENTICATED, ErrorReason.UNAUTHENTICATED, message);
    }
}
