package grpcweb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
)

// DefaultMaxRequestBytes bounds a request message when Options leaves
// MaxRequestBytes zero. Sui requests are small; the largest are transactions
// carrying Move packages, well under this.
const DefaultMaxRequestBytes = 8 << 20

// maxMessageBytes is the largest MaxRequestBytes accepted: a frame length is
// a u32 and grpc-go counts message sizes in int32-range ints.
const maxMessageBytes = math.MaxInt32 - frameHeaderLen

// Timeouts of the listener made by Serve; embedders of the Handler choose their own.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
)

// Options configures a Server. The zero value is valid.
type Options struct {
	// MaxRequestBytes bounds one request message, on both paths; zero means
	// DefaultMaxRequestBytes.
	MaxRequestBytes int
	// UnaryInterceptors run, outermost first, around every unary call,
	// native or web.
	UnaryInterceptors []grpc.UnaryServerInterceptor
	// StreamInterceptors run around native streaming calls (gRPC-Web serves
	// unary calls only).
	StreamInterceptors []grpc.StreamServerInterceptor
	// AllowOrigin decides which browser origins may call the web path; nil
	// allows any origin. It governs what browsers let pages read, and is no
	// access control: clients outside browsers send no Origin.
	AllowOrigin func(origin string) bool
	// Logger receives the HTTP server's connection errors; nil discards them.
	Logger *slog.Logger
}

// Server serves the services registered on it over native gRPC and
// gRPC-Web. Register every service before serving.
type Server struct {
	grpc            *grpc.Server
	http            *http.Server
	unary           grpc.UnaryServerInterceptor // the chained Options.UnaryInterceptors, or nil
	maxRequestBytes int
	allowOrigin     func(string) bool

	mu       sync.RWMutex
	services map[string]bool   // registered service names
	methods  map[string]method // by full method name, "/pkg.Service/Method"
}

// method is one registered RPC as the web path dispatches it.
type method struct {
	impl   any
	unary  grpc.MethodHandler // nil for streaming methods
	stream bool
}

// compile-time check: services register with the generated RegisterXServer.
var _ grpc.ServiceRegistrar = (*Server)(nil)

// New returns a Server configured by opts.
func New(opts Options) (*Server, error) {
	limit := opts.MaxRequestBytes
	switch {
	case limit == 0:
		limit = DefaultMaxRequestBytes
	case limit < 0 || limit > maxMessageBytes:
		return nil, fmt.Errorf("grpcweb: MaxRequestBytes %d out of range [1, %d]", limit, maxMessageBytes)
	}
	unary := chainUnary(opts.UnaryInterceptors)
	grpcOpts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(limit),
		grpc.ChainStreamInterceptor(opts.StreamInterceptors...),
	}
	if unary != nil {
		grpcOpts = append(grpcOpts, grpc.UnaryInterceptor(unary))
	}
	s := &Server{
		grpc:            grpc.NewServer(grpcOpts...),
		unary:           unary,
		maxRequestBytes: limit,
		allowOrigin:     opts.AllowOrigin,
		services:        make(map[string]bool),
		methods:         make(map[string]method),
	}
	errLog := slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)
	if opts.Logger != nil {
		errLog = slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn)
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)            // the TypeScript SDK's fetch
	protocols.SetUnencryptedHTTP2(true) // grpc-go with insecure credentials
	s.http = &http.Server{
		Handler:           s,
		Protocols:         &protocols,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          errLog,
	}
	return s, nil
}

// RegisterService registers a service implementation for both paths; it is
// what the generated RegisterXServer functions call. Like grpc.Server, it
// panics on a programming error: an impl not implementing the service, or a
// service registered twice.
func (s *Server) RegisterService(desc *grpc.ServiceDesc, impl any) {
	if impl != nil {
		want := reflect.TypeOf(desc.HandlerType).Elem()
		if !reflect.TypeOf(impl).Implements(want) {
			panic(fmt.Sprintf("grpcweb: %T does not implement %v", impl, want))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.services[desc.ServiceName] {
		panic(fmt.Sprintf("grpcweb: service %s registered twice", desc.ServiceName))
	}
	// grpc.Server checks the same things with log.Fatal; checking first
	// keeps its exit path unreachable.
	s.grpc.RegisterService(desc, impl)
	s.services[desc.ServiceName] = true
	prefix := "/" + desc.ServiceName + "/"
	for _, m := range desc.Methods {
		s.methods[prefix+m.MethodName] = method{impl: impl, unary: m.Handler}
	}
	for _, st := range desc.Streams {
		s.methods[prefix+st.StreamName] = method{impl: impl, stream: true}
	}
}

// lookup returns the registered method named by an HTTP request path.
func (s *Server) lookup(path string) (method, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.methods[path]
	return m, ok
}

// ServeHTTP routes a request by content type: gRPC-Web to the web path,
// gRPC over HTTP/2 to the internal grpc.Server. It lets the Server be
// embedded in another http.Server, which must then enable unencrypted HTTP/2
// itself for native clients.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mediaType := contentMediaType(r.Header.Get("Content-Type"))
	switch {
	case r.Method == http.MethodOptions:
		s.servePreflight(w, r)
	case strings.HasPrefix(mediaType, "application/grpc-web"): // before the application/grpc prefix it extends
		s.serveWeb(w, r, mediaType)
	case mediaType == "application/grpc" || strings.HasPrefix(mediaType, "application/grpc+"):
		if r.ProtoMajor != 2 {
			http.Error(w, "gRPC requires HTTP/2; over HTTP/1.1 use gRPC-Web", http.StatusHTTPVersionNotSupported)
			return
		}
		s.grpc.ServeHTTP(w, r)
	default:
		http.Error(w, "expected content type application/grpc or application/grpc-web", http.StatusUnsupportedMediaType)
	}
}

// contentMediaType returns the media type of a Content-Type header in lower
// case, without parameters.
func contentMediaType(header string) string {
	mediaType, _, _ := strings.Cut(header, ";")
	return strings.ToLower(strings.TrimSpace(mediaType))
}

// Serve accepts connections on l (HTTP/1.1 and cleartext HTTP/2) until
// Shutdown, after which it returns nil.
func (s *Server) Serve(l net.Listener) error {
	err := s.http.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("grpcweb: serve %s: %w", l.Addr(), err)
	}
	return nil
}

// Shutdown stops accepting connections and waits for calls in flight until
// ctx is done; then it cancels the remaining ones (open native streams) and
// closes every connection. The Server cannot serve again.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	// Stop, not GracefulStop: the http.Server has drained what it could, and
	// what is left (long-lived streams) must be cancelled to be released.
	s.grpc.Stop()
	if err != nil {
		if closeErr := s.http.Close(); closeErr != nil {
			return fmt.Errorf("grpcweb: shutdown: %w (close: %v)", err, closeErr)
		}
		return fmt.Errorf("grpcweb: shutdown: %w", err)
	}
	return nil
}
