package daemon

import (
	"context"
	"iter"
	"net/http"
	"strconv"

	"github.com/walrusfs/walrusfs/encoding"
)

// windows splits sp into the reads that send it. A span within one window
// is one read. Otherwise the first read ends with the row holding sp's
// first byte, so that it needs one sliver, and the others are whole rows,
// window bytes of them (at least one row), the last cut at sp's end.
func windows(sp span, rowLen, window uint64) iter.Seq2[uint64, uint64] {
	rows := max(1, window/rowLen)
	return func(yield func(off, n uint64) bool) {
		end := sp.off + sp.n
		if sp.n <= rows*rowLen {
			yield(sp.off, sp.n)
			return
		}
		for off, first := sp.off, true; off < end; first = false {
			next := (off/rowLen + rows) * rowLen
			if first {
				next = (off/rowLen + 1) * rowLen
			}
			next = min(next, end)
			if !yield(off, next-off) {
				return
			}
			off = next
		}
	}
}

// fetched is one window's bytes, or why they could not be read.
type fetched struct {
	data []byte
	err  error
}

// sendSpan sends sp of blob id with status and headers h, window by
// window, fetching the next window while it writes one. An error before
// the first byte is answered with its status; after it, the connection is
// cut.
func (s *Server) sendSpan(w http.ResponseWriter, r *http.Request, id encoding.BlobID, sp span, status int, h http.Header) {
	h.Set("Content-Length", strconv.FormatUint(sp.n, 10))
	if r.Method == http.MethodHead || sp.n == 0 {
		sendHeader(w, status, h)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	params, err := s.cfg.Reader.Params(ctx, id)
	if err != nil {
		cancel()
		s.failRead(w, r, id, err)
		return
	}
	rowLen := uint64(params.PrimarySliverSize())
	results := make(chan fetched) // unbuffered: one window fetched ahead at most
	go func() {
		defer close(results)
		for off, n := range windows(sp, rowLen, s.cfg.Window) {
			data, err := s.cfg.Reader.ReadRange(ctx, id, off, n)
			select {
			case results <- fetched{data, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	// Nothing outlives the request: stop the fetcher and wait for it.
	defer func() {
		cancel()
		for range results {
		}
	}()
	sent := false
	for f := range results {
		if f.err != nil {
			if !sent {
				s.failRead(w, r, id, f.err)
				return
			}
			s.log.Warn("read failed after the response started; cutting the connection", "blob", id, "err", f.err)
			panic(http.ErrAbortHandler)
		}
		if !sent {
			sendHeader(w, status, h)
		}
		if _, err := w.Write(f.data); err != nil {
			return // the client went away
		}
		if !sent {
			// The first bytes leave now, not when the buffer fills.
			_ = http.NewResponseController(w).Flush()
			sent = true
		}
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
