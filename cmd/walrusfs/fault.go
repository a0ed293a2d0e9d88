package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
)

// Faults a node can be told to commit, to test that clients and peers trust
// no node. They are behind a hidden flag of `walrusfs node`.
const (
	faultCorruptSlivers = "corrupt-slivers" // flip a byte of every sliver served
	faultWrongMetadata  = "wrong-metadata"  // flip a byte of every metadata served
)

// faulty wraps a node's API handler so that it lies as fault says.
func faulty(fault string, h http.Handler) (http.Handler, error) {
	var match func(path string) bool
	switch fault {
	case "":
		return h, nil
	case faultCorruptSlivers:
		match = func(p string) bool { return strings.Contains(p, "/slivers/") && !strings.HasSuffix(p, "/status") }
	case faultWrongMetadata:
		match = func(p string) bool { return strings.HasSuffix(p, "/metadata") }
	default:
		return nil, usageError{fmt.Errorf("--fault %q: want %s or %s", fault, faultCorruptSlivers, faultWrongMetadata)}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !match(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK && len(body) > 8 {
			body[len(body)-8] ^= 0xff // inside the data, before the trailing fields
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}), nil
}
