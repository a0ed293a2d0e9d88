package suiface

import (
	"context"
	"path"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// Interceptor counts and times the face's calls by method and status code
// in reg (walrusfs_sui_requests_total, walrusfs_sui_request_seconds), and
// logs refused ones at debug level. Give it to the gRPC server so that both
// native gRPC and gRPC-Web calls pass through it.
func (f *Face) Interceptor(reg prometheus.Registerer) (grpc.UnaryServerInterceptor, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "walrusfs_sui_requests_total",
		Help: "Sui gRPC calls served by the face, by method and status code.",
	}, []string{"method", "code"})
	seconds := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "walrusfs_sui_request_seconds",
		Help:    "Time to serve a Sui gRPC call, by method.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 4, 8),
	}, []string{"method"})
	for _, c := range []prometheus.Collector{requests, seconds} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		method := path.Base(info.FullMethod)
		code := status.Code(err)
		requests.WithLabelValues(method, code.String()).Inc()
		seconds.WithLabelValues(method).Observe(time.Since(start).Seconds())
		if err != nil {
			f.log.Debug("sui call refused", "method", method, "code", code, "err", status.Convert(err).Message())
		}
		return resp, err
	}, nil
}
