package org.cohort.coordinator.grpc;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses each request message of a service itself, so that bytes which are not the message the
 * method takes are refused with {@code INVALID_ARGUMENT}, naming the message type, rather than
 * gRPC's {@code UNKNOWN} "Application error processing RPC" and a stack trace in the log for
 * every malformed message a stranger sends.
 */
final class StrictRequests {
    private static final Logger log = LoggerFactory.getLogger(StrictRequests.class);

    /** Hands the message bytes over unparsed; {@link #strict} parses them where a failure can be answered. */
    private static final MethodDescriptor.Marshaller<InputStream> UNPARSED = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(InputStream value) {
            return value;
        }

        @Override
        public InputStream parse(InputStream stream) {
            return stream;
        }
    };

    private StrictRequests() {}

    /** The same service, with malformed requests refused as {@code INVALID_ARGUMENT}. */
    static ServerServiceDefinition of(ServerServiceDefinition service) {
        var strict =
                ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            strict.addMethod(strict(method));
        }
        return strict.build();
    }

    private static <Q, R> ServerMethodDefinition<InputStream, R> strict(ServerMethodDefinition<Q, R> definition) {
        MethodDescriptor<Q, R> typed = definition.getMethodDescriptor();
        MethodDescriptor<InputStream, R> unparsed =
                typed.toBuilder(UNPARSED, typed.getResponseMarshaller()).build();
        ServerCallHandler<Q, R> handler = definition.getServerCallHandler();
        return ServerMethodDefinition.create(unparsed, (call, headers) -> start(typed, handler, call, headers));
    }

    private static <Q, R> ServerCall.Listener<InputStream> start(
            MethodDescriptor<Q, R> typed,
            ServerCallHandler<Q, R> handler,
            ServerCall<InputStream, R> call,
            Metadata headers) {
        var typedCall = new TypedCall<>(call, typed);
        ServerCall.Listener<Q> delegate = handler.startCall(typedCall, headers);
        return new ServerCall.Listener<>() {
            @Override
            public void onMessage(InputStream message) {
                if (typedCall.refused) {
                    return;
                }
                Q request;
                try {
                    request = typed.parseRequest(message);
                } catch (RuntimeException e) {
                    Throwable cause = e.getCause() == null ? e : e.getCause();
                    log.debug("refused a malformed {} request: {}", typed.getFullMethodName(), cause.toString());
                    typedCall.refuse(Status.INVALID_ARGUMENT.withDescription("the request is not a valid message"
                            + " for " + typed.getFullMethodName() + " (" + cause.getMessage() + "); send what the"
                            + " Cohort protocol defines for it"));
                    return;
                }
                delegate.onMessage(request);
            }

            @Override
            public void onHalfClose() {
                if (!typedCall.refused) {
                    delegate.onHalfClose();
                }
            }

            @Override
            public void onCancel() {
                delegate.onCancel(); // also after a refusal: the service cleans up what the call held
            }

            @Override
            public void onComplete() {
                delegate.onComplete();
            }

            @Override
            public void onReady() {
                if (!typedCall.refused) {
                    delegate.onReady();
                }
            }
        };
    }

    /** The call as the service sees it: typed, and silent once a malformed request closed it. */
    private static final class TypedCall<Q, R> extends ServerCall<Q, R> {
        private final ServerCall<InputStream, R> call;
        private final MethodDescriptor<Q, R> method;
        private volatile boolean refused;

        TypedCall(ServerCall<InputStream, R> call, MethodDescriptor<Q, R> method) {
            this.call = call;
            this.method = method;
        }

        void refuse(Status status) {
            refused = true;
            call.close(status, new Metadata());
        }

        @Override
        public void request(int numMessages) {
            call.request(numMessages);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            if (!refused) {
                call.sendHeaders(headers);
            }
        }

        @Override
        public void sendMessage(R message) {
            if (!refused) {
                call.sendMessage(message);
            }
        }

        @Override
        public void close(Status status, Metadata trailers) {
            if (!refused) {
                call.close(status, trailers);
            }
        }

        @Override
        public boolean isReady() {
            return !refused && call.isReady();
        }

        @Override
        public boolean isCancelled() {
            return refused || call.isCancelled();
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            call.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            call.setCompression(compressor);
        }

        @Override
        public void setOnReadyThreshold(int numBytes) {
            call.setOnReadyThreshold(numBytes);
        }

        @Override
        public SecurityLevel getSecurityLevel() {
            return call.getSecurityLevel();
        }

        @Override
        public Attributes getAttributes() {
            return call.getAttributes();
        }

        @Override
        public String getAuthority() {
            return call.getAuthority();
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method;
        }
    }
}
