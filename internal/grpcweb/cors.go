package grpcweb

import (
	"net/http"
	"strings"
)

// CORS values for browsers calling the web path. The request headers a
// preflight may ask for are echoed: SDKs add their own (x-grpc-web,
// x-sui-client-protocol-version, custom metadata).
const (
	corsAllowMethods  = "POST, OPTIONS"
	corsExposeHeaders = "grpc-status, grpc-message, grpc-status-details-bin"
	corsMaxAge        = "600"
	// maxRequestedHeaders bounds the echoed Access-Control-Request-Headers.
	maxRequestedHeaders = 4 << 10
)

// originAllowed reports whether a browser at origin may call the Server.
func (s *Server) originAllowed(origin string) bool {
	return s.allowOrigin == nil || s.allowOrigin(origin)
}

// setCORSHeaders lets a browser read the response of a cross-origin call.
func (s *Server) setCORSHeaders(h http.Header, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || !s.originAllowed(origin) {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
}

// servePreflight answers an OPTIONS request: a CORS preflight from an
// allowed origin gets the permissions, anything else only the Allow header.
func (s *Server) servePreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Allow", corsAllowMethods)
	origin := r.Header.Get("Origin")
	method := r.Header.Get("Access-Control-Request-Method")
	if origin == "" || method == "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !s.originAllowed(origin) || method != http.MethodPost {
		http.Error(w, "CORS preflight refused", http.StatusForbidden)
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	if requested := strings.Join(r.Header.Values("Access-Control-Request-Headers"), ", "); requested != "" && len(requested) <= maxRequestedHeaders {
		h.Set("Access-Control-Allow-Headers", requested)
		h.Add("Vary", "Access-Control-Request-Headers")
	}
	h.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(http.StatusNoContent)
}
