package node

import (
	"log"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// ServerOptions configure the HTTP server of a node's API; the zero value
// means the defaults.
type ServerOptions struct {
	// ReadHeaderTimeout bounds reading a request's headers (default 10 s),
	// ReadTimeout reading a whole request (default 1 min; a sliver's body
	// gets longer as long as it keeps coming, see Limits), WriteTimeout
	// handling a request and writing its response (default 5 min: large
	// slivers to slow readers), IdleTimeout a kept-alive connection
	// between requests (default 2 min).
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ErrorLog receives the server's errors; nil means the log package's
	// default logger, as for http.Server.
	ErrorLog *log.Logger
}

// NewServer returns an HTTP server for a node's API handler with timeouts
// suited to slivers. Serve it on a listener from LimitListener.
func NewServer(h http.Handler, o ServerOptions) *http.Server {
	orDefault := func(d, def time.Duration) time.Duration {
		if d <= 0 {
			return def
		}
		return d
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: orDefault(o.ReadHeaderTimeout, 10*time.Second),
		ReadTimeout:       orDefault(o.ReadTimeout, time.Minute),
		WriteTimeout:      orDefault(o.WriteTimeout, 5*time.Minute),
		IdleTimeout:       orDefault(o.IdleTimeout, 2*time.Minute),
		ErrorLog:          o.ErrorLog,
	}
}

// DefaultMaxConns is the connection limit of LimitListener with max ≤ 0.
const DefaultMaxConns = 1024

// LimitListener bounds the connections a node's server holds at once to
// max (DefaultMaxConns if max ≤ 0): further ones wait in the kernel's
// accept queue, costing the node nothing.
func LimitListener(lis net.Listener, max int) net.Listener {
	if max <= 0 {
		max = DefaultMaxConns
	}
	return netutil.LimitListener(lis, max)
}
