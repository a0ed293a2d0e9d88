// Package httpblobs is a client of a Walrus publisher and aggregator: it
// stores blobs with PUT /v1/blobs on the publisher and reads them with GET
// /v1/blobs/{id} from the aggregator, needing no wallet and no chain.
//
// Nothing an aggregator sends is trusted: a blob read is re-encoded and
// its blob ID compared with the one asked for before any of its bytes is
// returned. Recently verified blobs are kept in memory, within a bound, so
// that the mount's ranged reads of one chunk-sized blob cost one fetch.
package httpblobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/encoding"
)

// Defaults of Options.
const (
	DefaultNShards       = 1000 // Walrus Testnet's and Mainnet's committee size
	DefaultMaxBody       = 10 << 20
	defaultMaxCached     = 64 << 20
	defaultMaxInMemory   = 32 << 20
	defaultAttempts      = 4
	defaultFirstBackoff  = 500 * time.Millisecond
	defaultStoreTimeout  = 10 * time.Minute
	defaultConnectionCap = 16
)

// Options configure a Client.
type Options struct {
	// Publisher and Aggregator are base URLs (http://host:port); either may
	// be empty when only reads, or only stores, are made.
	Publisher, Aggregator string
	// NShards is the network's committee size, which blob IDs depend on
	// (default DefaultNShards).
	NShards int
	// MaxBody is the largest body the publisher takes (default
	// DefaultMaxBody): larger stores fail at once with ErrTooLarge.
	MaxBody int64
	// MaxCached bounds the bytes of verified blobs kept in memory.
	MaxCached int64
	// MaxInMemory is the largest blob verified in memory; larger ones are
	// spooled to a temporary file in TempDir while they are verified.
	MaxInMemory int64
	TempDir     string
	// Attempts bounds the tries of a request that fails in a way worth
	// retrying (5xx, 429, the connection), with a doubling backoff from
	// FirstBackoff.
	Attempts     int
	FirstBackoff time.Duration
	HTTPClient   *http.Client
	Logger       *slog.Logger
}

// Client stores and reads blobs through a publisher and an aggregator.
type Client struct {
	opts      Options
	publisher *url.URL
	aggreg    *url.URL
	enc       *encoding.Encoder
	http      *http.Client
	log       *slog.Logger
	cache     *verifiedCache
}

// New checks the options and returns a client.
func New(opts Options) (*Client, error) {
	if opts.NShards == 0 {
		opts.NShards = DefaultNShards
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.MaxCached <= 0 {
		opts.MaxCached = defaultMaxCached
	}
	if opts.MaxInMemory <= 0 {
		opts.MaxInMemory = defaultMaxInMemory
	}
	if opts.Attempts <= 0 {
		opts.Attempts = defaultAttempts
	}
	if opts.FirstBackoff <= 0 {
		opts.FirstBackoff = defaultFirstBackoff
	}
	if opts.HTTPClient == nil {
		// No overall timeout: a large blob may take long; requests end
		// with their context.
		opts.HTTPClient = &http.Client{Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: defaultConnectionCap,
			ResponseHeaderTimeout: 5 * time.Minute, IdleConnTimeout: 90 * time.Second,
		}}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Publisher == "" && opts.Aggregator == "" {
		return nil, errors.New("httpblobs: neither a publisher nor an aggregator URL given")
	}
	c := &Client{opts: opts, http: opts.HTTPClient, log: opts.Logger, cache: newVerifiedCache(opts.MaxCached)}
	var err error
	if c.publisher, err = baseURL("publisher", opts.Publisher); err != nil {
		return nil, err
	}
	if c.aggreg, err = baseURL("aggregator", opts.Aggregator); err != nil {
		return nil, err
	}
	if c.enc, err = encoding.NewEncoder(opts.NShards); err != nil {
		return nil, fmt.Errorf("httpblobs: n_shards %d: %w", opts.NShards, err)
	}
	return c, nil
}

// baseURL parses a publisher's or aggregator's URL: http or https, a host,
// and no query. Empty is nil.
func baseURL(what, s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%s URL %q: %w", what, s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s URL %q: want http(s)://HOST[:PORT][/PATH]", what, s)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// NShards is the committee size blob IDs are computed for.
func (c *Client) NShards() int { return c.opts.NShards }

// MaxBody is the largest blob the publisher is asked to store.
func (c *Client) MaxBody() int64 { return c.opts.MaxBody }

// Close drops the verified blobs kept and idle connections.
func (c *Client) Close() error {
	c.cache.clear()
	c.http.CloseIdleConnections()
	return nil
}

// endpoint is base's URL for path (segments already escaped) and query.
func endpoint(base *url.URL, path string, query url.Values) string {
	u := *base
	u.Path = base.Path + path
	u.RawPath = ""
	u.RawQuery = query.Encode()
	return u.String()
}

// do sends a request, retrying what may succeed later, and returns the
// response of the first attempt that was not retryable, or the last
// error. A response's status is the caller's to judge, except that
// retryable ones end as an *HTTPError wrapping ErrUnavailable.
func (c *Client) do(ctx context.Context, method, target string, body []byte) (*http.Response, error) {
	backoff := c.opts.FirstBackoff
	var last error
	for attempt := 1; ; attempt++ {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, target, rd)
		if err != nil {
			return nil, err
		}
		if body != nil {
			req.ContentLength = int64(len(body))
			req.Header.Set("Content-Type", "application/octet-stream")
		}
		resp, err := c.http.Do(req)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, ctx.Err()
		case err != nil:
			last = fmt.Errorf("%s %s: %w: %w", method, target, ErrUnavailable, err)
		case retryable(resp.StatusCode):
			last = statusError(method, target, resp)
		default:
			return resp, nil
		}
		if attempt >= c.opts.Attempts {
			return nil, last
		}
		c.log.Info("request failed; retrying", "method", method, "url", target, "attempt", attempt, "err", last)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (after: %w)", ctx.Err(), last)
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}
