package grpcweb

import (
	"context"

	"google.golang.org/grpc"
)

// chainUnary folds interceptors into one, the first outermost, so that the
// native and web paths run the very same chain. It returns nil for none.
func chainUnary(interceptors []grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor {
	switch len(interceptors) {
	case 0:
		return nil
	case 1:
		return interceptors[0]
	}
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return interceptors[0](ctx, req, info, chainedHandler(interceptors[1:], info, handler))
	}
}

// chainedHandler wraps handler in interceptors as one UnaryHandler.
func chainedHandler(interceptors []grpc.UnaryServerInterceptor, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) grpc.UnaryHandler {
	if len(interceptors) == 0 {
		return handler
	}
	return func(ctx context.Context, req any) (any, error) {
		return interceptors[0](ctx, req, info, chainedHandler(interceptors[1:], info, handler))
	}
}
