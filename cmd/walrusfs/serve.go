package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// newRegistry returns a Prometheus registry with the Go runtime's and the
// process's collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// metricsHandler serves reg on /metrics.
func metricsHandler(reg *prometheus.Registry, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry: reg,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "metrics are served on /metrics", http.StatusNotFound)
	})
	return mux
}

// listen binds a TCP address. A port in use is retried for up to wait,
// since a process restarted right after a crash may find its port still
// held for a moment.
func listen(ctx context.Context, addr string, wait time.Duration) (net.Listener, error) {
	deadline := time.Now().Add(wait)
	for {
		lis, err := net.Listen("tcp", addr)
		if err == nil {
			return lis, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// server is an HTTP server running in the background.
type server struct {
	srv  *http.Server
	addr string
	done chan struct{}
}

// serve serves h on lis until shutdown; a failure is logged.
func serve(lis net.Listener, h http.Handler, log *slog.Logger, what string) *server {
	return serveWith(lis, &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}, log, what)
}

// serveWith serves srv on lis until shutdown; a failure is logged.
func serveWith(lis net.Listener, srv *http.Server, log *slog.Logger, what string) *server {
	if srv.ErrorLog == nil {
		srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	}
	s := &server{srv: srv, addr: lis.Addr().String(), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(what+" server failed", "addr", s.addr, "err", err)
		}
	}()
	return s
}

// shutdown stops accepting connections and waits up to grace for requests
// in flight, then closes the rest.
func (s *server) shutdown(grace time.Duration) {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.srv.Close()
	}
	<-s.done
}

// listenFlag checks a host:port flag.
func listenFlag(name, value string) error {
	if _, _, err := net.SplitHostPort(value); err != nil {
		return usageError{fmt.Errorf("--%s %q: want host:port: %w", name, value, err)}
	}
	return nil
}
