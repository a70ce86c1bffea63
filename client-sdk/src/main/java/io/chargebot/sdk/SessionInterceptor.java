package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.common.v1.ErrorReason;
import io.grpc.Attributes;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import javax.annotation.Nullable;

/**
 * Signs every call with the access token of the client's {@link TokenStore} and keeps it fresh.
 *
 * <ul>
 *   <li>Before a call, an access token that expires within 30 s is refreshed first (when there is
 *       a refresh token); see {@link SessionManager#tokenForCall}.
 *   <li>A unary call is buffered (headers, request message, flow control) so it can be replayed:
 *       if the server rejects its token with {@code UNAUTHENTICATED} (reason
 *       {@code UNAUTHENTICATED}, or none) before any response message, the token is refreshed once
 *       (single-flight, shared with concurrent calls) and the call is sent once more with the new
 *       token. The second answer is final, whatever it is.
 *   <li>Streaming calls get the token (refreshed before the call if needed) through
 *       {@link CallCredentials}, but are never replayed: a stream may already have sent and
 *       received messages.
 *   <li>Calls that create a session ({@code SignIn}, {@code SignUp}, {@code RefreshToken},
 *       {@code IssueServiceToken}), calls that carry their own {@link CallCredentials}, and calls
 *       whose headers already hold an {@code authorization} value are left alone.
 * </ul>
 *
 * <p>Install it inside the default-deadline interceptor, so the deadline covers both attempts.
 */
final class SessionInterceptor implements ClientInterceptor {

    private static final Set<String> WITHOUT_TOKEN = Collections.unmodifiableSet(new HashSet<>(Arrays.asList(
            AuthServiceGrpc.getSignInMethod().getFullMethodName(),
            AuthServiceGrpc.getSignUpMethod().getFullMethodName(),
            AuthServiceGrpc.getRefreshTokenMethod().getFullMethodName(),
            AuthServiceGrpc.getIssueServiceTokenMethod().getFullMethodName())));

    private final SessionManager session;
    private final CallCredentials streamingCredentials;

    SessionInterceptor(SessionManager session) {
        this.session = requireNonNull(session, "session");
        this.streamingCredentials = new SessionCredentials(session);
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
            MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
        if (callOptions.getCredentials() != null || WITHOUT_TOKEN.contains(method.getFullMethodName())) {
            return next.newCall(method, callOptions);
        }
        if (method.getType() != MethodDescriptor.MethodType.UNARY) {
            return next.newCall(method, callOptions.withCallCredentials(streamingCredentials));
        }
        return new ReplayableUnaryCall<>(method, callOptions, next, Context.current());
    }

    /** Whether a failed call is worth one refresh and one retry: its token was rejected. */
    static boolean tokenRejected(Status status, Metadata trailers) {
        if (status.getCode() != Status.Code.UNAUTHENTICATED || SessionEnded.in(status.getCause())) {
            return false;
        }
        ErrorDetails details = ErrorDetails.from(status.asRuntimeException(trailers));
        return details.reasonName.isEmpty() || details.reason == ErrorReason.UNAUTHENTICATED;
    }

    /** A unary call that can be sent twice: once with the stored token and once after a refresh. */
    private final class ReplayableUnaryCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {

        private final MethodDescriptor<ReqT, RespT> method;
        private final CallOptions callOptions;
        private final Channel next;
        private final Context context;

        // Guarded by this.
        @Nullable
        private Listener<RespT> listener;
        @Nullable
        private Metadata headers;
        private final List<ReqT> messages = new ArrayList<>();
        private int requested;
        @Nullable
        private Boolean compression;
        private boolean halfClosed;
        /** The attempt in progress, set once it has started; null between attempts. */
        @Nullable
        private ClientCall<ReqT, RespT> current;
        private boolean cancelled;
        @Nullable
        private String cancelMessage;
        @Nullable
        private Throwable cancelCause;
        /** Whether the app's listener got (or is about to get) onClose. */
        private boolean closed;
        /** The thread inside halfClose(), to start the first attempt in place when the token is at hand. */
        @Nullable
        private Thread halfClosingThread;

        ReplayableUnaryCall(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next,
                            Context context) {
            this.method = method;
            this.callOptions = callOptions;
            this.next = next;
            this.context = context;
        }

        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
            requireNonNull(listener, "listener");
            requireNonNull(headers, "headers");
            synchronized (this) {
                if (this.listener != null) {
                    throw new IllegalStateException("Already started");
                }
                this.listener = listener;
                this.headers = headers;
            }
        }

        @Override
        public void request(int numMessages) {
            ClientCall<ReqT, RespT> call;
            synchronized (this) {
                requested += numMessages;
                call = current;
            }
            if (call != null) {
                call.request(numMessages);
            }
        }

        @Override
        public void sendMessage(ReqT message) {
            synchronized (this) {
                if (listener == null || halfClosed) {
                    throw new IllegalStateException(listener == null ? "Not started" : "Already half-closed");
                }
                messages.add(message);
            }
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            ClientCall<ReqT, RespT> call;
            synchronized (this) {
                compression = enabled;
                call = current;
            }
            if (call != null) {
                call.setMessageCompression(enabled);
            }
        }

        @Override
        public boolean isReady() {
            ClientCall<ReqT, RespT> call;
            synchronized (this) {
                call = current;
            }
            return call != null && call.isReady();
        }

        @Override
        public Attributes getAttributes() {
            ClientCall<ReqT, RespT> call;
            synchronized (this) {
                call = current;
            }
            return call == null ? Attributes.EMPTY : call.getAttributes();
        }

        @Override
        public void halfClose() {
            final Metadata appHeaders;
            synchronized (this) {
                if (listener == null || halfClosed) {
                    throw new IllegalStateException(listener == null ? "Not started" : "Already half-closed");
                }
                halfClosed = true;
                if (cancelled) {
                    return;
                }
                appHeaders = headers;
                halfClosingThread = Thread.currentThread();
            }
            try {
                if (appHeaders.containsKey(BearerTokenCredentials.AUTHORIZATION)) {
                    startAttempt(1, null); // the caller chose its own authorization
                    return;
                }
                tokenForCall();
            } finally {
                synchronized (this) {
                    halfClosingThread = null;
                }
            }
        }

        private void tokenForCall() {
            try {
                session.tokenForCall(new SessionManager.TokenCallback() {
                    @Override
                    public void onToken(@Nullable final String accessToken) {
                        onCallThread(new Runnable() {
                            @Override
                            public void run() {
                                startAttempt(1, accessToken);
                            }
                        });
                    }

                    @Override
                    public void onFailure(final Status status, final Metadata trailers) {
                        onCallThread(new Runnable() {
                            @Override
                            public void run() {
                                finish(status, trailers, null);
                            }
                        });
                    }
                });
            } catch (RuntimeException e) {
                finish(Status.UNAUTHENTICATED.withDescription("The token store failed: " + e).withCause(e),
                        new Metadata(), null);
            }
        }

        @Override
        public void cancel(@Nullable String message, @Nullable Throwable cause) {
            ClientCall<ReqT, RespT> call;
            final Listener<RespT> appListener;
            synchronized (this) {
                if (cancelled) {
                    return;
                }
                cancelled = true;
                cancelMessage = message;
                cancelCause = cause;
                call = current;
                appListener = call == null && !closed ? listener : null;
                if (appListener != null) {
                    closed = true;
                }
            }
            if (call != null) {
                call.cancel(message, cause);
            } else if (appListener != null) {
                // Not on the wire (waiting for a token or between attempts): close it here.
                Status status = Status.CANCELLED;
                if (message != null) {
                    status = status.withDescription(message);
                }
                if (cause != null) {
                    status = status.withCause(cause);
                }
                final Status cancelledStatus = status;
                dispatch(new Runnable() {
                    @Override
                    public void run() {
                        appListener.onClose(cancelledStatus, new Metadata());
                    }
                });
            }
        }

        /** Runs in place when called from within halfClose(), else on the call's executor. */
        private void onCallThread(Runnable task) {
            boolean inPlace;
            synchronized (this) {
                inPlace = halfClosingThread == Thread.currentThread();
            }
            if (inPlace) {
                task.run();
            } else {
                dispatch(task);
            }
        }

        /**
         * Runs a task on the executor of the call's callbacks when the call has one (a blocking stub's
         * caller thread waits on it), else in place: then this is already a callback thread of the
         * channel's executor (the refresh's or an attempt's).
         */
        private void dispatch(Runnable task) {
            Executor executor = callOptions.getExecutor();
            if (executor == null) {
                task.run();
            } else {
                executor.execute(task);
            }
        }

        private void startAttempt(int attempt, @Nullable String accessToken) {
            Metadata attemptHeaders = new Metadata();
            List<ReqT> toSend;
            Boolean messageCompression;
            synchronized (this) {
                if (cancelled || closed) {
                    return;
                }
                attemptHeaders.merge(headers);
                toSend = new ArrayList<>(messages);
                messageCompression = compression;
            }
            if (accessToken != null && !accessToken.isEmpty()) {
                attemptHeaders.discardAll(BearerTokenCredentials.AUTHORIZATION);
                attemptHeaders.put(BearerTokenCredentials.AUTHORIZATION, "Bearer " + accessToken);
            } else {
                accessToken = null;
            }
            ClientCall<ReqT, RespT> call = null;
            try {
                AttemptListener attemptListener = new AttemptListener(attempt, accessToken);
                Context previous = context.attach();
                try {
                    call = next.newCall(method, callOptions);
                    call.start(attemptListener, attemptHeaders);
                } finally {
                    context.detach(previous);
                }
                int toRequest;
                boolean cancelNow;
                synchronized (this) {
                    if (!attemptListener.done) {
                        current = call;
                    }
                    toRequest = requested;
                    cancelNow = cancelled;
                }
                if (cancelNow) {
                    call.cancel(cancelMessage, cancelCause);
                    return;
                }
                if (messageCompression != null) {
                    call.setMessageCompression(messageCompression);
                }
                if (toRequest > 0) {
                    call.request(toRequest);
                }
                for (ReqT message : toSend) {
                    call.sendMessage(message);
                }
                call.halfClose();
            } catch (RuntimeException | Error e) {
                if (call != null) {
                    call.cancel("The SDK failed to send the call", e);
                } else {
                    finish(Status.INTERNAL.withDescription("The SDK failed to start the call").withCause(e),
                            new Metadata(), null);
                }
            }
        }

        /** Closes the app's listener once, with the headers of the final attempt if it had any. */
        private void finish(Status status, Metadata trailers, @Nullable Metadata responseHeaders) {
            Listener<RespT> appListener;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                appListener = listener;
            }
            if (responseHeaders != null) {
                appListener.onHeaders(responseHeaders);
            }
            appListener.onClose(status, trailers);
        }

        private synchronized Listener<RespT> appListener() {
            return listener;
        }

        /** Listens to one attempt; holds back its headers until its outcome is known. */
        private final class AttemptListener extends Listener<RespT> {

            private final int attempt;
            @Nullable
            private final String accessToken;
            @Nullable
            private Metadata responseHeaders;
            private boolean gotMessage;
            /** Whether the attempt closed; guarded by the enclosing call. */
            private boolean done;

            AttemptListener(int attempt, @Nullable String accessToken) {
                this.attempt = attempt;
                this.accessToken = accessToken;
            }

            @Override
            public void onHeaders(Metadata headers) {
                responseHeaders = headers;
            }

            @Override
            public void onMessage(RespT message) {
                Listener<RespT> appListener = appListener();
                if (responseHeaders != null) {
                    appListener.onHeaders(responseHeaders);
                    responseHeaders = null;
                }
                gotMessage = true;
                appListener.onMessage(message);
            }

            @Override
            public void onReady() {
                appListener().onReady();
            }

            @Override
            public void onClose(final Status status, final Metadata trailers) {
                synchronized (ReplayableUnaryCall.this) {
                    done = true;
                    current = null;
                }
                if (attempt == 1 && !gotMessage && accessToken != null && tokenRejected(status, trailers)) {
                    boolean retry;
                    synchronized (ReplayableUnaryCall.this) {
                        retry = !cancelled && !closed;
                    }
                    if (retry) {
                        final Metadata heldHeaders = responseHeaders;
                        session.refresh(accessToken, new SessionManager.TokenCallback() {
                            @Override
                            public void onToken(@Nullable final String newToken) {
                                dispatch(new Runnable() {
                                    @Override
                                    public void run() {
                                        if (newToken == null) {
                                            finish(status, trailers, heldHeaders); // nothing to retry with
                                        } else {
                                            startAttempt(2, newToken);
                                        }
                                    }
                                });
                            }

                            @Override
                            public void onFailure(final Status refreshStatus, final Metadata refreshTrailers) {
                                dispatch(new Runnable() {
                                    @Override
                                    public void run() {
                                        finish(refreshStatus, refreshTrailers, null);
                                    }
                                });
                            }
                        });
                        return;
                    }
                }
                finish(status, trailers, responseHeaders);
            }
        }
    }
}
