package client

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/nodeclient"
)

// Errors a caller may branch on.
var (
	// ErrBlobNotFound means no node has the blob's metadata and the chain
	// knows no such blob.
	ErrBlobNotFound = errors.New("blob not found")
	// ErrNotEnoughSlivers means too few valid slivers could be fetched.
	ErrNotEnoughSlivers = errors.New("not enough valid slivers")
	// ErrNoMetadata means no node sent metadata matching the blob ID, but
	// too few said they have none to call the blob missing: nodes down or
	// slow, or the blob not uploaded yet. Trying later may work.
	ErrNoMetadata = errors.New("no valid metadata")
	// ErrCertificationFailed means too few nodes confirmed storing the blob.
	ErrCertificationFailed = errors.New("certification failed")
	// ErrClosed means the client was closed before the store.
	ErrClosed = errors.New("client closed")
)

// Options tune the client. The zero value is usable.
type Options struct {
	// HTTPClient reaches the nodes; nil uses one without a global timeout
	// (every request has its own).
	HTTPClient *http.Client
	// RequestTimeout bounds a request to a node that carries little data
	// (default 5 s); one that sends or fetches n bytes gets n / MinThroughput
	// more.
	RequestTimeout time.Duration
	// MinThroughput is the slowest rate, in bytes per second, at which a
	// request's data may move before it times out (default 32 KiB/s: the
	// Concurrency requests in flight then need 2 MiB/s of the link).
	MinThroughput int64
	// Concurrency bounds the requests in flight to all nodes (default 64).
	Concurrency int
	// NodeConcurrency bounds the requests in flight to one node (default
	// 8): a node that does not answer holds no more of Concurrency.
	NodeConcurrency int
	// Retries is how often a failing request to a node is retried, with
	// exponential backoff (default 3); a request that timed out is retried
	// once at most.
	Retries int
	// QuorumGrace and QuorumGraceFactor set how long Store waits for more
	// confirmations once nodes holding a quorum of shards have confirmed:
	// QuorumGrace plus QuorumGraceFactor times the time the quorum took
	// (defaults 500 ms and 0.5, Walrus's; negative values mean none).
	QuorumGrace       time.Duration
	QuorumGraceFactor float64
	// BackgroundTimeout bounds the uploads that go on after Store returned,
	// to the nodes that had not confirmed (default 1 min).
	BackgroundTimeout time.Duration
	// MaxBackground bounds the stores whose uploads go on in the background
	// (default 4): each holds its encoded blob in memory, so the oldest is
	// cancelled when another would exceed it.
	MaxBackground int
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Progress, if set, is called as bytes are uploaded or downloaded (by a
	// store only until it returns).
	Progress func(done, total int64)
}

// Client stores and reads blobs through one chain and its committee. Close
// ends the uploads that stores leave in the background.
type Client struct {
	chain chain.Chain
	opts  Options
	log   *slog.Logger

	pool *nodeclient.Pool

	// life is the background uploads' context: Close cancels it.
	life context.Context
	stop context.CancelFunc
	// slots bounds the requests in flight to all nodes.
	slots chan struct{}
	// bg counts the background uploads' watchers (one per store).
	bg sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	nodeSlots map[string]chan struct{} // node address: its requests in flight
	uploads   []*upload                // stores with uploads going on, oldest first
	encoders  map[int]*encoding.Encoder
	metadata  map[metadataKey]*encoding.Metadata
	down      map[string]time.Time // node address: skipped until
	lastID    encoding.BlobID      // the last blob a range read decoded whole
	lastBlob  []byte
}

// New returns a client of the network coordinated by ch.
func New(ch chain.Chain, opts Options) *Client {
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 5 * time.Second
	}
	if opts.MinThroughput <= 0 {
		opts.MinThroughput = 32 << 10
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 64
	}
	if opts.NodeConcurrency <= 0 {
		opts.NodeConcurrency = 8
	}
	opts.NodeConcurrency = min(opts.NodeConcurrency, opts.Concurrency)
	if opts.Retries < 0 {
		opts.Retries = 0
	} else if opts.Retries == 0 {
		opts.Retries = 3
	}
	if opts.QuorumGrace == 0 {
		opts.QuorumGrace = 500 * time.Millisecond
	}
	opts.QuorumGrace = max(opts.QuorumGrace, 0)
	if opts.QuorumGraceFactor == 0 {
		opts.QuorumGraceFactor = 0.5
	}
	opts.QuorumGraceFactor = max(opts.QuorumGraceFactor, 0)
	if opts.BackgroundTimeout <= 0 {
		opts.BackgroundTimeout = time.Minute
	}
	if opts.MaxBackground <= 0 {
		opts.MaxBackground = 4
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second}}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	life, stop := context.WithCancel(context.Background())
	return &Client{chain: ch, opts: opts, log: log, pool: nodeclient.NewPool(hc), life: life, stop: stop,
		slots: make(chan struct{}, opts.Concurrency), nodeSlots: map[string]chan struct{}{},
		encoders: map[int]*encoding.Encoder{}, metadata: map[metadataKey]*encoding.Metadata{}, down: map[string]time.Time{}}
}

// Close cancels the uploads that stores left in the background and waits
// for them to end. Stores fail with ErrClosed after it; reads still work.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.stop()
	c.bg.Wait()
	return nil
}

func (c *Client) encoder(nShards int) (*encoding.Encoder, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.encoders[nShards]; ok {
		return e, nil
	}
	e, err := encoding.NewEncoder(nShards)
	if err != nil {
		return nil, err
	}
	c.encoders[nShards] = e
	return e, nil
}

// member is one committee member as the client reaches it.
type member struct {
	index int
	node  chain.Node
	api   *nodeclient.Client
}

func (c *Client) members(com *chain.Committee) []member {
	out := make([]member, len(com.Members))
	for i, n := range com.Members {
		out[i] = member{index: i, node: n, api: c.pool.Get(n)}
	}
	return out
}

// retry runs fn until it succeeds, returns a permanent error, or the retries
// run out; each attempt gets its own timeout, for a request that moves size
// bytes.
func (c *Client) retry(ctx context.Context, size int64, fn func(ctx context.Context) error) error {
	return c.retryN(ctx, c.opts.Retries, size, fn)
}

// retryN is retry with a given number of retries.
func (c *Client) retryN(ctx context.Context, retries int, size int64, fn func(ctx context.Context) error) error {
	return c.retrySlots(ctx, retries, size, nil, fn)
}

// retrySlots is retryN where each attempt first takes one of node's slots
// (if node is not nil), then one of the client's, and gives both back before
// any backoff: a request waits for its slots, but never holds them idle.
func (c *Client) retrySlots(ctx context.Context, retries int, size int64, node chan struct{}, fn func(ctx context.Context) error) error {
	backoff := 200 * time.Millisecond
	timedOut := false
	for attempt := 0; ; attempt++ {
		if node != nil {
			if err := acquire(ctx, node); err != nil {
				return err
			}
			if err := acquire(ctx, c.slots); err != nil {
				<-node
				return err
			}
		}
		reqCtx, cancel := context.WithTimeout(ctx, c.timeout(size))
		err := fn(reqCtx)
		expired := errors.Is(reqCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		if node != nil {
			<-c.slots
			<-node
		}
		if err == nil || isPermanent(err) || ctx.Err() != nil || attempt >= retries {
			return err
		}
		if expired {
			// Once more at most: a node that let a whole timeout pass is
			// likely stalled, and each try holds its slots that long.
			if timedOut {
				return err
			}
			timedOut = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// timeout is the time a request that moves size bytes may take.
func (c *Client) timeout(size int64) time.Duration {
	return c.opts.RequestTimeout + time.Duration(float64(size)/float64(c.opts.MinThroughput)*float64(time.Second))
}

func acquire(ctx context.Context, slots chan struct{}) error {
	select {
	case slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// nodeSlot returns the slots bounding the requests in flight to a node.
func (c *Client) nodeSlot(addr string) chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.nodeSlots[addr]
	if !ok {
		s = make(chan struct{}, c.opts.NodeConcurrency)
		c.nodeSlots[addr] = s
	}
	return s
}
