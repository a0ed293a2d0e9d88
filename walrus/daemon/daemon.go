package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"golang.org/x/net/http/httpguts"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// Reader reads blobs, as a *client.Client does.
type Reader interface {
	// Size returns a blob's length, from its verified metadata.
	Size(ctx context.Context, id encoding.BlobID) (uint64, error)
	// Params are a blob's encoding parameters: one systematic primary
	// sliver (a row) holds PrimarySliverSize bytes of it.
	Params(ctx context.Context, id encoding.BlobID) (encoding.Params, error)
	// ReadRange reads length bytes from off, fetching only their slivers.
	ReadRange(ctx context.Context, id encoding.BlobID, off, length uint64) ([]byte, error)
	// ReadStrict reads a whole blob and checks that it encodes to its ID
	// (strict_consistency_check), else client.ErrBlobIDMismatch.
	ReadStrict(ctx context.Context, id encoding.BlobID) ([]byte, error)
	// ReadColumns reads columns [first, end) of a blob's matrix, its
	// systematic secondary slivers: a quilt's index or one of its patches.
	ReadColumns(ctx context.Context, id encoding.BlobID, first, end int) ([]byte, error)
}

// Storer stores blobs, as a *client.Client does.
type Storer interface {
	// Store reuses the wallet's blob objects (reuse_resources=true).
	Store(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*client.StoreResult, error)
	// StoreNew registers a new blob object.
	StoreNew(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*client.StoreResult, error)
	// BlobStatus is the blob ID's status, which a store checks first.
	BlobStatus(ctx context.Context, id encoding.BlobID) (chain.BlobStatus, error)
}

// Chain is what the server reads from the chain: the committee, and blob
// objects. A chain.BlobAttributeReader also gives by-object-id reads their
// headers, and a chain.BlobTransferrer serves send_object_to.
type Chain interface {
	Committee(ctx context.Context) (*chain.Committee, error)
	Blob(ctx context.Context, id chain.ObjectID) (chain.Blob, error)
}

// DefaultMaxBodySize is Walrus's publisher's default body limit, 10 MiB;
// reads fetch defaultWindow bytes at once.
const (
	DefaultMaxBodySize = 10 << 20
	defaultWindow      = 8 << 20
)

// DefaultAllowedHeaders are the attribute keys that by-object-id reads
// return as headers unless Config.AllowedHeaders says otherwise: Walrus's
// aggregator's default list.
var DefaultAllowedHeaders = []string{
	"content-type", "authorization", "content-disposition", "content-encoding",
	"content-language", "content-location", "link",
}

// Config sets up a server. Reader, Storer or Relay must be set.
type Config struct {
	// Chain is required.
	Chain Chain
	// Reader serves the aggregator's routes; nil serves none.
	Reader Reader
	// Storer serves the publisher's PUT /v1/blobs; nil serves none. Its
	// stores spend the wallet's funds for whoever can reach the server.
	Storer Storer
	// Relay serves Walrus's upload relay, asking no tip: blobs that their
	// senders registered (and pay for) are uploaded to the storage nodes,
	// and the confirmation certificate returned; nil serves none. It
	// spends no funds, only the server's bandwidth.
	Relay Relayer
	// MaxBodySize bounds a stored blob (default DefaultMaxBodySize), and a
	// relayed one whose registration the request does not name; a larger
	// body is refused with 413.
	MaxBodySize int64
	// Window is how much of a blob a read fetches at once, in bytes, rounded
	// down to whole rows, at least one (default 8 MiB).
	Window uint64
	// AllowedHeaders are the attribute keys, in any case, that by-object-id
	// reads return as headers (nil: DefaultAllowedHeaders).
	AllowedHeaders []string
	// MaxReads and MaxStores bound the requests served at once; as many
	// more wait, and the rest get 429 (defaults 32 and 8).
	MaxReads, MaxStores int
	// Prices returns the storage price per epoch and the write price, in
	// FROST per MiB of encoded length, for the cost a store reports; nil
	// reports cost 0.
	Prices func(ctx context.Context) (storage, write uint64, err error)
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
}

// Server serves the API. It holds no resources: Handler's routes run on
// the caller's http.Server.
type Server struct {
	cfg     Config
	log     *slog.Logger
	allowed map[string]bool // canonical header names
	routes  []route
	doc     []byte // the OpenAPI document of routes
	reads   *limiter
	stores  *limiter

	mu       sync.Mutex
	encoders map[int]*encoding.Encoder
}

// New checks cfg and fills in its defaults.
func New(cfg Config) (*Server, error) {
	if cfg.Chain == nil {
		return nil, errors.New("daemon: no chain")
	}
	if cfg.Reader == nil && cfg.Storer == nil && cfg.Relay == nil {
		return nil, errors.New("daemon: neither a reader (aggregator) nor a storer (publisher) nor a relay")
	}
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = DefaultMaxBodySize
	}
	if cfg.Window == 0 {
		cfg.Window = defaultWindow
	}
	if cfg.AllowedHeaders == nil {
		cfg.AllowedHeaders = DefaultAllowedHeaders
	}
	if cfg.MaxReads <= 0 {
		cfg.MaxReads = 32
	}
	if cfg.MaxStores <= 0 {
		cfg.MaxStores = 8
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: log, allowed: map[string]bool{}, encoders: map[int]*encoding.Encoder{},
		reads: newLimiter(cfg.MaxReads), stores: newLimiter(cfg.MaxStores)}
	for _, h := range cfg.AllowedHeaders {
		if !httpguts.ValidHeaderFieldName(h) {
			return nil, fmt.Errorf("daemon: allowed header %q is not a header name", h)
		}
		s.allowed[http.CanonicalHeaderKey(h)] = true
	}
	s.routes = s.table()
	doc, err := apiDocument(s.routes)
	if err != nil {
		return nil, err
	}
	s.doc = doc
	return s, nil
}

// Handler returns the server's routes, CORS included.
func (s *Server) Handler() http.Handler {
	return cors(http.HandlerFunc(s.dispatch))
}

// Routes lists the served routes as METHOD PATH, PATH as the OpenAPI
// document writes it.
func (s *Server) Routes() []string {
	out := make([]string, len(s.routes))
	for i, r := range s.routes {
		out[i] = r.method + " " + r.path
	}
	return out
}

// encoder returns the encoder for a committee of nShards shards.
func (s *Server) encoder(nShards int) (*encoding.Encoder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.encoders[nShards]; ok {
		return e, nil
	}
	e, err := encoding.NewEncoder(nShards)
	if err != nil {
		return nil, err
	}
	s.encoders[nShards] = e
	return e, nil
}

// allowedHeader reports whether an attribute key may become a header.
func (s *Server) allowedHeader(key string) bool {
	return s.allowed[http.CanonicalHeaderKey(key)]
}
