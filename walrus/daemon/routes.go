package daemon

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// route is one route of the API: its method, its path as the OpenAPI
// document writes it ({name} segments match one path segment each, which
// the handler reads with PathValue), and its handler.
type route struct {
	method string
	path   string
	serve  http.HandlerFunc
}

// table lists the routes this server serves. Go's ServeMux cannot hold
// them: /v1/blobs/{blob_id}/byte-range and /v1/blobs/by-object-id/{id}
// match the same paths and neither is more specific, so dispatch matches
// them itself, a literal segment before a wildcard.
func (s *Server) table() []route {
	rs := []route{
		{http.MethodGet, "/status", s.status},
		{http.MethodGet, "/v1/api", s.api},
	}
	if s.cfg.Reader != nil {
		rs = append(rs,
			route{http.MethodGet, "/v1/blobs/{blob_id}", s.limited(s.reads, "aggregator", s.getBlob)},
			route{http.MethodGet, "/v1/blobs/{blob_id}/byte-range", s.limited(s.reads, "aggregator", s.getByteRange)},
			route{http.MethodGet, "/v1/blobs/by-object-id/{blob_object_id}", s.limited(s.reads, "aggregator", s.getByObjectID)},
			route{http.MethodGet, "/v1/blobs/by-quilt-patch-id/{quilt_patch_id}", s.limited(s.reads, "aggregator", s.getPatchByID)},
			route{http.MethodGet, "/v1/blobs/by-quilt-id/{quilt_id}/{identifier}", s.limited(s.reads, "aggregator", s.getPatchByIdentifier)},
			route{http.MethodGet, "/v1/quilts/{quilt_id}/patches", s.limited(s.reads, "aggregator", s.listPatches)},
		)
	}
	if s.cfg.Storer != nil {
		rs = append(rs,
			route{http.MethodPut, "/v1/blobs", s.limited(s.stores, "publisher", s.putBlob)},
			route{http.MethodPut, "/v1/quilts", s.limited(s.stores, "publisher", s.putQuilt)},
		)
	}
	if s.cfg.Relay != nil {
		rs = append(rs,
			route{http.MethodGet, "/v1/tip-config", s.tipConfig},
			route{http.MethodPost, "/v1/blob-upload-relay", s.limited(s.stores, "upload relay", s.uploadRelay)},
		)
	}
	slices.SortStableFunc(rs, func(a, b route) int { return strings.Compare(shape(a.path), shape(b.path)) })
	return rs
}

// shape orders paths for matching: segment by segment, literal before
// wildcard.
func shape(path string) string {
	var b strings.Builder
	for seg := range strings.SplitSeq(strings.Trim(path, "/"), "/") {
		if isWildcard(seg) {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

func isWildcard(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

// match reports whether the path's segments (unescaped) fit the route's,
// and sets the wildcards' values on r.
func (rt route) match(segs []string, r *http.Request) bool {
	want := strings.Split(strings.Trim(rt.path, "/"), "/")
	if len(want) != len(segs) {
		return false
	}
	for i, w := range want {
		if !isWildcard(w) && w != segs[i] {
			return false
		}
	}
	for i, w := range want {
		if isWildcard(w) {
			r.SetPathValue(w[1:len(w)-1], segs[i])
		}
	}
	return true
}

// dispatch finds the route of a request: 404 when no path fits, 405 when
// one fits but not with this method. HEAD is served by the GET routes.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	var segs []string
	for seg := range strings.SplitSeq(strings.Trim(r.URL.EscapedPath(), "/"), "/") {
		u, err := url.PathUnescape(seg)
		if err != nil {
			writeError(w, errBadPath)
			return
		}
		segs = append(segs, u)
	}
	var allow []string
	for _, rt := range s.routes {
		if !rt.match(segs, r) {
			continue
		}
		if rt.method == r.Method || rt.method == http.MethodGet && r.Method == http.MethodHead {
			rt.serve(w, r)
			return
		}
		allow = append(allow, rt.method)
	}
	if allow == nil {
		writeError(w, errNoRoute)
		return
	}
	if slices.Contains(allow, http.MethodGet) {
		allow = append(allow, http.MethodHead)
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeError(w, errMethod)
}

// status answers that the server runs.
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("OK"))
}

// limited runs h within l: a request waits for a free slot while as many
// as there are slots wait, and more get 429.
func (s *Server) limited(l *limiter, what string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		release, ok := l.acquire(r.Context())
		if !ok {
			w.Header().Set("Retry-After", "1")
			writeError(w, overloaded(what))
			return
		}
		defer release()
		h(w, r)
	}
}

// limiter bounds the requests running at once and those waiting.
type limiter struct {
	run, wait chan struct{}
}

func newLimiter(n int) *limiter {
	return &limiter{run: make(chan struct{}, n), wait: make(chan struct{}, n)}
}

// acquire takes a slot, waiting if another waiter may; it fails at once
// when the waiting room is full, or when ctx ends while waiting.
func (l *limiter) acquire(ctx context.Context) (release func(), ok bool) {
	select {
	case l.run <- struct{}{}:
		return func() { <-l.run }, true
	default:
	}
	select {
	case l.wait <- struct{}{}:
	default:
		return nil, false
	}
	defer func() { <-l.wait }()
	select {
	case l.run <- struct{}{}:
		return func() { <-l.run }, true
	case <-ctx.Done():
		return nil, false
	}
}
