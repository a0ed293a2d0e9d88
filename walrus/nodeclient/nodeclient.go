// Package nodeclient speaks the storage-node API to one storage node: it
// sends and fetches metadata, slivers, confirmations and recovery symbols as
// BCS or JSON, and turns error envelopes into *api.Error. It trusts nothing
// it receives beyond its format: callers verify slivers, metadata and
// signatures against the metadata and the committee.
package nodeclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/bufpool"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
	"github.com/walrusfs/walrusfs/walrus/api"
)

// maxJSONBody bounds JSON responses, which are all small.
const maxJSONBody = 1 << 20

// Client talks to one node.
type Client struct {
	base string // scheme://host:port
	http *http.Client
}

// New returns a client for the node at baseURL (e.g. "http://127.0.0.1:9000").
// hc may be nil for http.DefaultClient; timeouts come from the contexts.
func New(baseURL string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: baseURL, http: hc}
}

// BaseURL returns the node's URL.
func (c *Client) BaseURL() string { return c.base }

// do sends a request and returns the body of a 2xx response, or an *api.Error.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, limit int64) (int, []byte, error) {
	if body == nil {
		return c.doParts(ctx, method, path, query, nil, limit)
	}
	return c.doParts(ctx, method, path, query, [][]byte{body}, limit)
}

// doParts is do with a body sent as the concatenation of parts, so that a
// large sliver goes out without being copied into one buffer first.
func (c *Client) doParts(ctx context.Context, method, path string, query url.Values, parts [][]byte, limit int64) (int, []byte, error) {
	return c.doHeader(ctx, method, path, query, parts, limit, nil)
}

// doHeader is doParts with extra request headers.
func (c *Client) doHeader(ctx context.Context, method, path string, query url.Values, parts [][]byte, limit int64, header http.Header) (int, []byte, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	var length int64
	if parts != nil {
		readers := make([]io.Reader, len(parts))
		for i, p := range parts {
			readers[i] = bytes.NewReader(p)
			length += int64(len(p))
		}
		body := &watchedBody{Reader: io.MultiReader(readers...), closed: make(chan struct{})}
		// The transport may read the body after Do returns; the caller may
		// reuse (or unmap) the parts' memory once this returns.
		defer body.wait()
		rd = body
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		if b, ok := rd.(*watchedBody); ok {
			b.Close() // no transport got it
		}
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if parts != nil {
		req.ContentLength = length
		req.Header.Set("Content-Type", api.ContentTypeBCS)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	return c.response(resp, method, path, limit)
}

// watchedBody is a request body that tells when the transport is done
// with it: the transport always closes a request's body, even on errors,
// though maybe after Do returns.
type watchedBody struct {
	io.Reader
	once   sync.Once
	closed chan struct{}
}

func (b *watchedBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

func (b *watchedBody) wait() { <-b.closed }

// response reads a response: the body of a 2xx one, or an *api.Error.
func (c *Client) response(resp *http.Response, method, path string, limit int64) (int, []byte, error) {
	data, err := readLimited(resp.Body, resp.ContentLength, limit)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: read response: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, nil, fmt.Errorf("%s %s: %w", method, path, api.ParseError(resp.StatusCode, data))
	}
	if int64(len(data)) > limit {
		return resp.StatusCode, nil, fmt.Errorf("%s %s: response over %d bytes", method, path, limit)
	}
	return resp.StatusCode, data, nil
}

// PutMetadata stores a blob's metadata; pending asks the node to buffer it
// until it sees the blob registered.
func (c *Client) PutMetadata(ctx context.Context, id encoding.BlobID, m *encoding.Metadata, pending bool) error {
	_, _, err := c.do(ctx, http.MethodPut, api.MetadataPath(id), pendingQuery(pending), m.MarshalBCS(), maxJSONBody)
	return err
}

func pendingQuery(pending bool) url.Values {
	if !pending {
		return nil
	}
	return url.Values{"pending": {"true"}}
}

// GetMetadata fetches a blob's metadata. The result is only parsed: verify it
// against the blob ID before use.
func (c *Client) GetMetadata(ctx context.Context, id encoding.BlobID, nShards int) (*encoding.Metadata, error) {
	_, data, err := c.do(ctx, http.MethodGet, api.MetadataPath(id), nil, nil, int64(64+66*nShards))
	if err != nil {
		return nil, err
	}
	got, m, err := encoding.UnmarshalMetadataWithID(data)
	if err != nil {
		return nil, fmt.Errorf("metadata from %s: %w", c.base, err)
	}
	if got != id {
		return nil, fmt.Errorf("metadata from %s is for blob %s, not %s", c.base, got, id)
	}
	return m, nil
}

// PutSliver stores a sliver of a sliver pair.
func (c *Client) PutSliver(ctx context.Context, id encoding.BlobID, pair int, s *encoding.Sliver, pending bool) error {
	head, tail := s.BCSFraming()
	_, _, err := c.doParts(ctx, http.MethodPut, api.SliverPath(id, pair, s.Axis), pendingQuery(pending), [][]byte{head, s.Data, tail}, maxJSONBody)
	return err
}

// GetSliver fetches a sliver of a pair; maxSize bounds its data. The result is
// only parsed: verify it against the metadata before use. Its data is read
// straight into a buffer from bufpool, which the caller may give back.
func (c *Client) GetSliver(ctx context.Context, id encoding.BlobID, pair int, axis encoding.Axis, maxSize int) (*encoding.Sliver, error) {
	path := api.SliverPath(id, pair, axis)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _, err := c.response(resp, http.MethodGet, path, maxJSONBody)
		if err == nil {
			err = fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
		}
		return nil, err
	}
	s, err := readSliver(resp.Body, axis, maxSize)
	if err != nil {
		return nil, fmt.Errorf("sliver from %s: %w", c.base, err)
	}
	return s, nil
}

// readSliver parses a BCS SliverData from r: the ULEB128 length of its
// data (canonical, as BCS requires), the data, the symbol size and index,
// and nothing after.
func readSliver(r io.Reader, axis encoding.Axis, maxSize int) (*encoding.Sliver, error) {
	br := bufio.NewReaderSize(r, 64)
	var length uint64
	for i := 0; ; i++ {
		b, err := br.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("read sliver length: %w", err)
		}
		if i == 4 && b > 0x0f || i > 4 {
			return nil, errors.New("sliver length overflows 32 bits")
		}
		length |= uint64(b&0x7f) << (7 * i)
		if b&0x80 == 0 {
			if b == 0 && i > 0 {
				return nil, errors.New("sliver length not canonically encoded")
			}
			break
		}
	}
	if length > uint64(maxSize) {
		return nil, fmt.Errorf("sliver of %d bytes, at most %d expected", length, maxSize)
	}
	data := bufpool.Get(int(length))
	var tail [5]byte
	if _, err := io.ReadFull(br, data); err != nil {
		bufpool.Put(data)
		return nil, fmt.Errorf("read sliver data: %w", err)
	}
	if n, err := io.ReadFull(br, tail[:]); n != 4 || !errors.Is(err, io.ErrUnexpectedEOF) {
		bufpool.Put(data)
		if n == 5 {
			return nil, errors.New("bytes after the sliver")
		}
		return nil, fmt.Errorf("read sliver symbol size and index: %d bytes, %v", n, err)
	}
	return &encoding.Sliver{Axis: axis, Data: data,
		SymbolSize: binary.LittleEndian.Uint16(tail[0:]), Index: binary.LittleEndian.Uint16(tail[2:])}, nil
}

type signedEnvelope struct {
	Signed messages.SignedMessage `json:"signed"`
}

// Confirmation fetches the node's signed storage confirmation of a blob:
// permanent when object is nil, otherwise for that deletable Blob object.
func (c *Client) Confirmation(ctx context.Context, id encoding.BlobID, object *messages.ObjectID) (messages.SignedMessage, error) {
	path := api.PermanentConfirmationPath(id)
	if object != nil {
		path = api.DeletableConfirmationPath(id, *object)
	}
	_, data, err := c.do(ctx, http.MethodGet, path, nil, nil, maxJSONBody)
	if err != nil {
		return messages.SignedMessage{}, err
	}
	env, err := api.ParseSuccess[signedEnvelope](data)
	if err != nil {
		return messages.SignedMessage{}, fmt.Errorf("confirmation from %s: %w", c.base, err)
	}
	return env.Signed, nil
}

// RecoverySymbols fetches the symbols the node holds for rebuilding sliver
// (axis, index), one per shard it holds, each with its Merkle proof.
func (c *Client) RecoverySymbols(ctx context.Context, id encoding.BlobID, axis encoding.Axis, index int, maxBytes int) ([]encoding.RecoverySymbol, error) {
	q := url.Values{"targetSliver": {strconv.Itoa(index)}, "targetType": {axis.String()}}
	_, data, err := c.do(ctx, http.MethodGet, api.RecoverySymbolsPath(id), q, nil, int64(maxBytes))
	if err != nil {
		return nil, err
	}
	syms, err := encoding.UnmarshalRecoverySymbols(data)
	if err != nil {
		return nil, fmt.Errorf("recovery symbols from %s: %w", c.base, err)
	}
	return syms, nil
}

// InconsistencyProof sends a proof that a blob is inconsistently encoded and
// returns the node's signed InvalidBlobID attestation.
func (c *Client) InconsistencyProof(ctx context.Context, id encoding.BlobID, proof *encoding.InconsistencyProof) (messages.SignedMessage, error) {
	_, data, err := c.do(ctx, http.MethodPost, api.InconsistencyProofPath(id, proof.Target), nil, proof.MarshalBCS(), maxJSONBody)
	if err != nil {
		return messages.SignedMessage{}, err
	}
	m, err := api.ParseSuccess[messages.SignedMessage](data)
	if err != nil {
		return messages.SignedMessage{}, fmt.Errorf("attestation from %s: %w", c.base, err)
	}
	return m, nil
}

// Status fetches a JSON status endpoint into T (metadata or sliver status,
// blob status, health).
func Status[T any](ctx context.Context, c *Client, path string) (T, error) {
	var zero T
	_, data, err := c.do(ctx, http.MethodGet, path, nil, nil, maxJSONBody)
	if err != nil {
		return zero, err
	}
	return api.ParseSuccess[T](data)
}

// IsNotFound reports whether err is a node's 404.
func IsNotFound(err error) bool {
	var e *api.Error
	return errors.As(err, &e) && e.Code == http.StatusNotFound
}

// readLimited reads a body of at most limit bytes (one more is read to tell
// an oversized one), into a buffer of the announced length when there is one,
// so that large slivers are not copied while the buffer grows.
func readLimited(r io.Reader, announced, limit int64) ([]byte, error) {
	if announced < 0 || announced > limit {
		return io.ReadAll(io.LimitReader(r, limit+1))
	}
	buf := make([]byte, announced, announced+1)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	// Anything beyond the announced length is a protocol violation.
	var extra [1]byte
	if n, _ := r.Read(extra[:]); n > 0 {
		return append(buf, extra[0]), nil
	}
	return buf, nil
}

// Health asks the node whether it is up; the body is not interpreted.
func (c *Client) Health(ctx context.Context) error {
	_, _, err := c.do(ctx, http.MethodGet, api.HealthPath, nil, nil, maxJSONBody)
	return err
}

// BlobStatus asks the node what its chain knows of a blob ID
// (GET /v1/blobs/{id}/status). The answer is one node's word: a client
// trusts a status only when nodes holding more than f shards agree on it.
func (c *Client) BlobStatus(ctx context.Context, id encoding.BlobID) (chain.BlobStatus, error) {
	st, err := Status[api.BlobStatus](ctx, c, api.BlobStatusPath(id))
	if err != nil {
		return chain.BlobStatus{}, fmt.Errorf("blob status from %s: %w", c.base, err)
	}
	return st.BlobStatus, nil
}

// syncResponseLimit bounds a sync-shard response: a full batch of the
// largest slivers.
const syncResponseLimit = 1 << 30

// SyncShard asks the previous owner of a shard for a batch of its slivers,
// signing the request with the asking node's key. It returns the slivers
// and the response's size.
func (c *Client) SyncShard(ctx context.Context, key *bls.PrivateKey, req messages.SyncShardRequest) ([]api.ShardSliver, int, error) {
	pk := key.PublicKey()
	body := messages.Sign(key, req.Marshal()).MarshalBCS()
	h := http.Header{"Authorization": {base64.StdEncoding.EncodeToString(pk[:])}}
	_, data, err := c.doHeader(ctx, http.MethodPost, api.SyncShardPath, nil, [][]byte{body}, syncResponseLimit, h)
	if err != nil {
		return nil, 0, err
	}
	items, err := api.DecodeSyncShardResponse(data, req.Axis, int(req.Count))
	if err != nil {
		return nil, len(data), fmt.Errorf("%s: %w", api.SyncShardPath, err)
	}
	return items, len(data), nil
}
