// Package client stores blobs on a Walrus network and reads them back.
//
// Store: encode the blob (Red Stuff), reserve storage and register the blob on
// the chain, upload the metadata and each node's slivers to every node in
// parallel, gather signed storage confirmations until members holding n − f
// shards have confirmed, aggregate them into a certificate and certify the
// blob on the chain.
//
// Read: fetch the metadata from any node and check it against the blob ID,
// fetch primary slivers (systematic ones first, so that a healthy network
// needs no decoding), verify each against the metadata, decode and run the
// consistency check. A byte range fetches only the slivers that hold it.
//
// The client trusts no node: a node that is down, slow or lying is skipped,
// and a read returns the exact blob or an error while at most f shards' worth
// of nodes misbehave.
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
	// ErrCertificationFailed means too few nodes confirmed storing the blob.
	ErrCertificationFailed = errors.New("certification failed")
)

// Options tune the client. The zero value is usable.
type Options struct {
	// HTTPClient reaches the nodes; nil uses one without a global timeout
	// (every request has its own).
	HTTPClient *http.Client
	// RequestTimeout bounds each request to a node (default 60 s).
	RequestTimeout time.Duration
	// Concurrency bounds the requests in flight (default 64).
	Concurrency int
	// Retries is how often a failing request to a node is retried, with
	// exponential backoff (default 3).
	Retries int
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Progress, if set, is called as bytes are uploaded or downloaded.
	Progress func(done, total int64)
}

// Client stores and reads blobs through one chain and its committee.
type Client struct {
	chain chain.Chain
	opts  Options
	log   *slog.Logger

	pool *nodeclient.Pool

	mu       sync.Mutex
	encoders map[int]*encoding.Encoder
	metadata map[metadataKey]*encoding.Metadata
	down     map[string]time.Time // node address: skipped until
	lastID   encoding.BlobID      // the last blob a range read decoded whole
	lastBlob []byte
}

// New returns a client of the network coordinated by ch.
func New(ch chain.Chain, opts Options) *Client {
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 60 * time.Second
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 64
	}
	if opts.Retries < 0 {
		opts.Retries = 0
	} else if opts.Retries == 0 {
		opts.Retries = 3
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second}}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{chain: ch, opts: opts, log: log, pool: nodeclient.NewPool(hc), encoders: map[int]*encoding.Encoder{}, metadata: map[metadataKey]*encoding.Metadata{}, down: map[string]time.Time{}}
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
// run out; each attempt gets its own timeout.
func (c *Client) retry(ctx context.Context, fn func(ctx context.Context) error) error {
	return c.retryN(ctx, c.opts.Retries, fn)
}

// retryN is retry with a given number of retries.
func (c *Client) retryN(ctx context.Context, retries int, fn func(ctx context.Context) error) error {
	backoff := 200 * time.Millisecond
	for attempt := 0; ; attempt++ {
		reqCtx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
		err := fn(reqCtx)
		cancel()
		if err == nil || isPermanent(err) || ctx.Err() != nil || attempt == retries {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}
