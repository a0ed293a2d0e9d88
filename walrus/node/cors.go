package node

import "net/http"

// allowCrossOrigin lets web pages of any origin call the API, as Walrus's
// nodes do (tower-http's CorsLayer allowing any origin, method and header):
// every response may be read by any origin, and every OPTIONS request is
// answered as a CORS preflight without reaching the routes. The answers do
// not depend on the request's CORS headers, hence no Vary. CORS grants a
// page nothing a program outside a browser lacks; it authorizes nothing,
// and sync_shard still checks its signed request (a browser would not send
// its Authorization header anyway: the wildcard does not cover it).
func allowCrossOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "*")
			h.Set("Access-Control-Allow-Headers", "*")
			w.WriteHeader(http.StatusOK)
			return
		}
		next.ServeHTTP(w, r)
	})
}
