package daemon

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// errClientGone stops a stream whose client went away.
var errClientGone = errors.New("the client went away")

// sendSpan sends sp of blob id with status and headers h, window by
// window, fetching the next window while it writes one (client.Stream). An
// error before the first byte is answered with its status; after it, the
// connection is cut.
func (s *Server) sendSpan(w http.ResponseWriter, r *http.Request, id encoding.BlobID, sp span, status int, h http.Header) {
	h.Set("Content-Length", strconv.FormatUint(sp.n, 10))
	if r.Method == http.MethodHead || sp.n == 0 {
		sendHeader(w, status, h)
		return
	}
	sent := false
	err := client.Stream(r.Context(), s.cfg.Reader, id, sp.off, sp.n, s.cfg.Window, func(b []byte) error {
		if !sent {
			sendHeader(w, status, h)
		}
		if _, err := w.Write(b); err != nil {
			return errClientGone
		}
		if !sent {
			// The first bytes leave now, not when the buffer fills.
			_ = http.NewResponseController(w).Flush()
			sent = true
		}
		return nil
	})
	switch {
	case err == nil, errors.Is(err, errClientGone), errors.Is(err, context.Canceled) && r.Context().Err() != nil:
	case !sent:
		s.failRead(w, r, id, err)
	default:
		s.log.Warn("read failed after the response started; cutting the connection", "blob", id, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// sendHeader writes h and the status. A response without a Content-Type
// gets none: Go would guess one from the bytes, which nosniff forbids
// browsers to do.
func sendHeader(w http.ResponseWriter, status int, h http.Header) {
	dst := w.Header()
	for k, v := range h {
		dst[k] = v
	}
	if _, ok := h["Content-Type"]; !ok {
		dst["Content-Type"] = nil
	}
	w.WriteHeader(status)
}
