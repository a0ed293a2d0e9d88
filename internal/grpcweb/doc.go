// Package grpcweb serves gRPC services over native gRPC and gRPC-Web on one
// listener, so that Go clients (grpc-go, sui-go-sdk's grpcconn) and the
// official TypeScript SDK (@mysten/sui SuiGrpcClient, which speaks gRPC-Web
// over fetch) reach the same service implementations at the same URL.
//
// Vocabulary:
//   - native: application/grpc over HTTP/2 (cleartext h2c with prior
//     knowledge, what grpc-go dials with insecure credentials), handed to an
//     internal *grpc.Server through its ServeHTTP.
//   - web: application/grpc-web[+proto] (binary) or
//     application/grpc-web-text[+proto] (base64) over HTTP/1.1 or HTTP/2,
//     decoded here and dispatched straight to the registered MethodDesc.
//   - frame: flag byte ‖ u32 big-endian length ‖ payload. Flag 0x00 carries a
//     protobuf message; flag 0x80 carries the trailers as "key:value\r\n"
//     lines.
//
// Decisions that are easy to break by accident:
//   - Services are registered once (Server is a grpc.ServiceRegistrar) and
//     unary interceptors are configured once: both paths run the same chain,
//     so logging, metrics and limits hook in one place.
//   - Web responses carry a Content-Type without parameters (the TypeScript
//     transport compares it exactly) and always end with a 0x80 trailer frame
//     with lowercase keys, even on success: without it the client reports
//     DATA_LOSS "missing trailers".
//   - Web errors are sent both as HTTP headers (trailers-only) and as the
//     trailer frame, with HTTP status 200; grpc-message is percent-encoded as
//     the gRPC spec requires and the SDK decodes it once.
//   - Only unary methods are served over gRPC-Web; streaming methods answer
//     UNIMPLEMENTED there and stay available natively.
//   - Request messages are bounded by Options.MaxRequestBytes on both paths;
//     a malformed web body is INVALID_ARGUMENT, an oversize one
//     RESOURCE_EXHAUSTED, an unknown method UNIMPLEMENTED.
//   - CORS is answered for browsers, by default for any origin: the service is
//     meant for local development at an address its caller chooses.
package grpcweb
