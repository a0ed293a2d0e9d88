package node

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/internal/bufpool"
	"github.com/walrusfs/walrusfs/walrus/api"
)

// Limits bound what unauthenticated requests can make a node hold; the
// zero value means the defaults.
//
// A sliver's body may be as large as its blob's sliver size, which the
// blob's registration on the chain fixes (its ID commits to its size); a
// blob not registered yet, whose metadata anyone may upload as pending,
// gets MaxPendingSliver at most. Bodies are read into memory as their bytes
// arrive, never sized up front from Content-Length, and all bodies being
// read at once must fit BodyBudget, counted by what they announce (their
// limit when they announce nothing): past it a request waits briefly, then
// gets 429. A body must keep coming: after BodyGrace at most without a byte,
// and at MinBodyRate on average after the first BodyGrace, or it gets 408.
type Limits struct {
	// BodyBudget bounds the bytes of request bodies held at once,
	// node-wide. Default 256 MiB.
	BodyBudget int64
	// MaxPendingSliver bounds a sliver body for a blob the chain does not
	// register yet. Default 8 MiB (every sliver of a committee of 100
	// shards fits).
	MaxPendingSliver int64
	// MinBodyRate is the slowest average upload, in bytes per second,
	// a node waits for. Default 16 KiB/s.
	MinBodyRate int64
	// BodyGrace is how long a body may stall, and the start it gets before
	// MinBodyRate applies. Default 10 s.
	BodyGrace time.Duration
}

const (
	defaultBodyBudget       = 256 << 20
	defaultMaxPendingSliver = 8 << 20
	defaultMinBodyRate      = 16 << 10
	defaultBodyGrace        = 10 * time.Second
	// budgetWait is how long a request waits for room in the body budget,
	// which smooths a burst of honest uploads before answering 429.
	budgetWait = 2 * time.Second
	// firstChunk is the buffer a body starts in; it doubles as bytes come.
	firstChunk = 32 << 10
	// answerTimeout bounds checking and storing a body once read, and
	// writing the answer: a slow upload must not eat the time of both.
	answerTimeout = 2 * time.Minute
)

func (l Limits) withDefaults() Limits {
	if l.BodyBudget <= 0 {
		l.BodyBudget = defaultBodyBudget
	}
	if l.MaxPendingSliver <= 0 {
		l.MaxPendingSliver = defaultMaxPendingSliver
	}
	if l.MinBodyRate <= 0 {
		l.MinBodyRate = defaultMinBodyRate
	}
	if l.BodyGrace <= 0 {
		l.BodyGrace = defaultBodyGrace
	}
	return l
}

// byteBudget is a semaphore counted in bytes.
type byteBudget struct {
	mu    sync.Mutex
	free  int64
	total int64
	freed chan struct{} // closed, and replaced, whenever bytes come back
}

func newByteBudget(total int64) *byteBudget {
	return &byteBudget{free: total, total: total, freed: make(chan struct{})}
}

// acquire takes n bytes, waiting up to wait for them; a request for more
// than the whole budget waits for all of it. It returns the function that
// gives them back.
func (b *byteBudget) acquire(ctx context.Context, n int64, wait time.Duration) (func(), bool) {
	n = max(0, min(n, b.total))
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		b.mu.Lock()
		if b.free >= n {
			b.free -= n
			b.mu.Unlock()
			var once sync.Once
			return func() { once.Do(func() { b.give(n) }) }, true
		}
		freed := b.freed
		b.mu.Unlock()
		select {
		case <-freed:
		case <-timer.C:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
}

func (b *byteBudget) give(n int64) {
	b.mu.Lock()
	b.free += n
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}

// errTooSlow means a body came slower than Limits.MinBodyRate.
var errTooSlow = errors.New("request body arrives too slowly")

// pacedBody reads a request body, failing it when it stalls for longer
// than grace or falls below rate bytes per second on average after grace.
type pacedBody struct {
	r     io.Reader
	rc    *http.ResponseController
	start time.Time
	got   int64
	rate  int64
	grace time.Duration
}

func (p *pacedBody) Read(b []byte) (int, error) {
	now := time.Now()
	if late := now.Sub(p.start) - p.grace; late > 0 && float64(p.got) < late.Seconds()*float64(p.rate) {
		return 0, errTooSlow
	}
	// Errors mean a writer without deadlines (a test recorder): no pacing.
	_ = p.rc.SetReadDeadline(now.Add(p.grace))
	n, err := p.r.Read(b)
	p.got += int64(n)
	return n, err
}

// readBody reads a BCS body of at most limit bytes within the node's body
// budget. The body is a bufpool buffer, which the caller may give back once
// nothing refers to it; release gives its bytes back to the budget, once
// the caller is done with what the body holds (verified and stored). On
// failure, it has answered the request and release is a no-op.
func (n *Node) readBody(w http.ResponseWriter, r *http.Request, limit int64, tooLarge string) (body []byte, release func(), ok bool) {
	noop := func() {}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != api.ContentTypeBCS {
			fail(w, http.StatusBadRequest, api.ReasonInvalidContentType, "content type %q, want %s", ct, api.ContentTypeBCS)
			return nil, noop, false
		}
	}
	if r.ContentLength > limit {
		fail(w, http.StatusBadRequest, tooLarge, "body of %d bytes exceeds %d", r.ContentLength, limit)
		return nil, noop, false
	}
	most := limit
	if r.ContentLength >= 0 {
		most = r.ContentLength
	}
	release, ok = n.budget.acquire(r.Context(), most, budgetWait)
	if !ok {
		n.metrics.throttled.Inc()
		fail(w, http.StatusTooManyRequests, api.ReasonUnavailable, "too many request bodies in flight; retry later")
		return nil, noop, false
	}
	paced := &pacedBody{r: http.MaxBytesReader(w, r.Body, limit), rc: http.NewResponseController(w),
		start: time.Now(), rate: n.limits.MinBodyRate, grace: n.limits.BodyGrace}
	body, err := readGrowing(paced, most)
	// The body is in (or refused): the rest is checking it and answering,
	// which the connection's pacing must not cut short.
	_ = paced.rc.SetReadDeadline(time.Time{})
	_ = paced.rc.SetWriteDeadline(time.Now().Add(answerTimeout))
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return body, release, true
	case errors.As(err, &tooBig):
		fail(w, http.StatusBadRequest, tooLarge, "body exceeds %d bytes", limit)
	case errors.Is(err, errTooSlow), errors.Is(err, os.ErrDeadlineExceeded):
		n.metrics.throttled.Inc()
		fail(w, http.StatusRequestTimeout, api.ReasonInvalidRequest, "read body: %d bytes in %s: %v", paced.got, time.Since(paced.start).Round(time.Millisecond), err)
	default:
		fail(w, http.StatusBadRequest, api.ReasonInvalidRequest, "read body: %v", err)
	}
	release()
	return nil, noop, false
}

// readGrowing reads r to its end into a bufpool buffer that starts small
// and doubles as bytes arrive, so that memory follows what was received,
// not what was announced; most is the largest size r can have.
func readGrowing(r io.Reader, most int64) ([]byte, error) {
	buf := bufpool.Get(int(min(most+1, firstChunk)))[:0]
	for {
		if len(buf) == cap(buf) {
			grown := bufpool.Get(int(min(2*int64(cap(buf)), most+1)))[:len(buf)]
			copy(grown, buf)
			bufpool.Put(buf)
			buf = grown
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			bufpool.Put(buf)
			return nil, err
		}
	}
}
