package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// Client is a client of a ledger served by NewHandler, for one sender
// account whose key signs its transactions. Errors from the server unwrap
// to the chain.Err* sentinels (see RemoteError); contexts bound every call.
type Client struct {
	base       string
	key        *suikey.KeyPair // nil: reads and sync reports only
	adminToken string
	hc         *http.Client
	chain      *chainIDCache // shared by the clients As and With* derive
}

// chainIDCache holds the server's chain ID, which signed requests name,
// once a request has fetched it.
type chainIDCache struct {
	mu sync.Mutex
	id string
}

var _ chain.Chain = (*Client)(nil)

// Dial returns a client of the ledger served at baseURL (such as
// "http://127.0.0.1:7070") sending as the account of key, which signs its
// transactions. With a nil key the client reads, and sends only what
// carries its own signature (ReportEpochSync); its other transactions fail
// with ErrUnauthenticated. It does no I/O.
func Dial(baseURL string, key *suikey.KeyPair) *Client {
	return &Client{base: strings.TrimRight(baseURL, "/"), key: key, hc: &http.Client{}, chain: &chainIDCache{}}
}

// As returns a client of the same ledger for another account.
func (c *Client) As(key *suikey.KeyPair) *Client {
	out := *c
	out.key = key
	return &out
}

// Sender returns the account that sends the transactions: the address of
// the client's key, or the zero address without one.
func (c *Client) Sender() chain.Address {
	if c.key == nil {
		return chain.Address{}
	}
	return chain.Address(c.key.Address())
}

// WithAdminToken returns a client that sends token with admin requests
// (AdvanceEpoch, SetStake): the server's HandlerOptions.AdminToken, as
// ReadAdminToken reads it.
func (c *Client) WithAdminToken(token string) *Client {
	out := *c
	out.adminToken = token
	return &out
}

// WithHTTPClient returns a client that makes its requests with hc (for TLS
// or a custom transport). Timeouts belong in contexts, not in hc.
func (c *Client) WithHTTPClient(hc *http.Client) *Client {
	out := *c
	out.hc = hc
	return &out
}

// How a request proves who sends it.
type auth int

const (
	authOpen   auth = iota // reads, and requests that carry their own signature
	authSigned             // transactions: signed by the sender's key
	authAdmin              // admin requests: the operator's token
)

// do sends one request and decodes its JSON answer into out.
func (c *Client) do(ctx context.Context, a auth, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("ledger %s: encode request: %w", path, err)
		}
		body = b
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("ledger %s: %w", path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch a {
	case authSigned:
		if c.key == nil {
			return fmt.Errorf("ledger %s: %w: this client has no key to sign transactions with", path, ErrUnauthenticated)
		}
		id, err := c.chainID(ctx)
		if err != nil {
			return err
		}
		if err := signRequest(req, c.key, id, body, time.Now()); err != nil {
			return fmt.Errorf("ledger %s: sign: %w", path, err)
		}
	case authAdmin:
		if c.adminToken == "" {
			return fmt.Errorf("ledger %s: %w: this client has no admin token", path, ErrUnauthenticated)
		}
		req.Header.Set("Authorization", "Bearer "+c.adminToken)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("ledger %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return remoteError(resp)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxRespBytes)).Decode(out); err != nil {
		return fmt.Errorf("ledger %s: decode response: %w", path, err)
	}
	return nil
}

// chainID returns the server's chain ID, fetching it the first time.
func (c *Client) chainID(ctx context.Context) (string, error) {
	c.chain.mu.Lock()
	defer c.chain.mu.Unlock()
	if c.chain.id != "" {
		return c.chain.id, nil
	}
	var out chainBody
	if err := c.do(ctx, authOpen, http.MethodGet, "/v1/chain", nil, &out); err != nil {
		return "", err
	}
	if out.ChainID == "" {
		return "", fmt.Errorf("ledger /v1/chain: no chain ID in the answer")
	}
	c.chain.id = out.ChainID
	return out.ChainID, nil
}

// remoteError turns an error response into a RemoteError.
func remoteError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err != nil || eb.Error.Code == "" {
		return &RemoteError{StatusCode: resp.StatusCode, Code: "Internal", Message: fmt.Sprintf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(b))}
	}
	return &RemoteError{StatusCode: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message, sentinel: errorForCode(eb.Error.Code)}
}

// Committee returns the committee of the current epoch.
func (c *Client) Committee(ctx context.Context) (*chain.Committee, error) {
	var out chain.Committee
	if err := c.do(ctx, authOpen, http.MethodGet, "/v1/committee", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ReserveStorage buys size bytes of encoded length for epochs epochs.
func (c *Client) ReserveStorage(ctx context.Context, size uint64, epochs uint32) (chain.Storage, error) {
	var out chain.Storage
	err := c.do(ctx, authSigned, http.MethodPost, "/v1/tx/reserve-storage", reserveTx{Size: size, Epochs: epochs}, &out)
	return out, err
}

// RegisterBlob registers a blob against a storage resource of the sender's.
func (c *Client) RegisterBlob(ctx context.Context, storage chain.ObjectID, blobID encoding.BlobID, root encoding.Hash, size uint64, encodingType byte, deletable bool) (chain.Blob, error) {
	var out chain.Blob
	in := registerTx{Storage: id32(storage), BlobID: blobID, Root: root, Size: size, EncodingType: encodingType, Deletable: deletable}
	err := c.do(ctx, authSigned, http.MethodPost, "/v1/tx/register-blob", in, &out)
	return out, err
}

// CertifyBlob certifies a blob of the sender's.
func (c *Client) CertifyBlob(ctx context.Context, blob chain.ObjectID, cert messages.Certificate) (chain.Blob, error) {
	var out chain.Blob
	err := c.do(ctx, authSigned, http.MethodPost, "/v1/tx/certify-blob", certifyTx{Blob: id32(blob), Cert: toWireCert(cert)}, &out)
	return out, err
}

// InvalidateBlobID marks a blob ID invalid.
func (c *Client) InvalidateBlobID(ctx context.Context, cert messages.Certificate) error {
	var out struct{}
	return c.do(ctx, authSigned, http.MethodPost, "/v1/tx/invalidate-blob-id", invalidateTx{Cert: toWireCert(cert)}, &out)
}

// DeleteBlob deletes a deletable blob of the sender's and returns its storage.
func (c *Client) DeleteBlob(ctx context.Context, blob chain.ObjectID) (chain.Storage, error) {
	var out chain.Storage
	err := c.do(ctx, authSigned, http.MethodPost, "/v1/tx/delete-blob", deleteTx{Blob: id32(blob)}, &out)
	return out, err
}

// ExtendBlob extends a certified blob of the sender's by epochs epochs.
func (c *Client) ExtendBlob(ctx context.Context, blob chain.ObjectID, epochs uint32) (chain.Blob, error) {
	var out chain.Blob
	err := c.do(ctx, authSigned, http.MethodPost, "/v1/tx/extend-blob", extendTx{Blob: id32(blob), Epochs: epochs}, &out)
	return out, err
}

// Blob returns a blob object.
func (c *Client) Blob(ctx context.Context, id chain.ObjectID) (chain.Blob, error) {
	var out chain.Blob
	err := c.do(ctx, authOpen, http.MethodGet, "/v1/blobs/"+FormatObjectID(id), nil, &out)
	return out, err
}

// BlobStatus returns what the ledger knows of a blob ID.
func (c *Client) BlobStatus(ctx context.Context, blobID encoding.BlobID) (chain.BlobStatus, error) {
	var out chain.BlobStatus
	err := c.do(ctx, authOpen, http.MethodGet, "/v1/blob-status/"+blobID.String(), nil, &out)
	return out, err
}

// PublishManifest creates (prevVersion 0) or updates the sender's
// filesystem record name if its version is still prevVersion.
func (c *Client) PublishManifest(ctx context.Context, name string, manifest encoding.BlobID, prevVersion uint64) (chain.FsRecord, error) {
	// Checked here too: JSON would turn invalid UTF-8 into U+FFFD, and the
	// server would then accept a name other than the one asked for.
	if err := checkFsName(name); err != nil {
		return chain.FsRecord{}, fmt.Errorf("publish manifest: %w", err)
	}
	var out chain.FsRecord
	err := c.do(ctx, authSigned, http.MethodPost, "/v1/tx/publish-manifest", publishTx{Name: name, Manifest: manifest, PrevVersion: prevVersion}, &out)
	return out, err
}

// FsRecord returns owner's filesystem record name.
func (c *Client) FsRecord(ctx context.Context, owner chain.Address, name string) (chain.FsRecord, error) {
	var out chain.FsRecord
	// The name goes in the query: in the path, names such as ".." or ones
	// holding "/" would be cleaned or split by the server's router.
	q := url.Values{"name": {name}}
	err := c.do(ctx, authOpen, http.MethodGet, "/v1/fs-records/"+FormatAddress(owner)+"?"+q.Encode(), nil, &out)
	return out, err
}

// AdvanceEpoch calls the admin endpoint: see Ledger.AdvanceEpoch.
func (c *Client) AdvanceEpoch(ctx context.Context, next []NodeRegistration) (chain.Committee, error) {
	var out chain.Committee
	err := c.do(ctx, authAdmin, http.MethodPost, "/v1/admin/advance-epoch", epochTx{Nodes: toNodeRecords(next)}, &out)
	return out, err
}

// SetStake calls the admin endpoint: see Ledger.SetStake.
func (c *Client) SetStake(ctx context.Context, node chain.ObjectID, stake uint64, reg *NodeRegistration) error {
	tx := stakeTx{Node: id32(node), Stake: stake}
	if reg != nil {
		tx.Register = &toNodeRecords([]NodeRegistration{*reg})[0]
	}
	return c.do(ctx, authAdmin, http.MethodPost, "/v1/admin/stake", tx, &struct{}{})
}

// ReportEpochSync sends a member's signed sync report: see
// Ledger.ReportEpochSync.
func (c *Client) ReportEpochSync(ctx context.Context, epoch chain.Epoch, node chain.ObjectID, sig bls.Signature) error {
	return c.do(ctx, authOpen, http.MethodPost, "/v1/tx/epoch-sync-done", syncDoneTx{Node: id32(node), Epoch: epoch, Signature: sig[:]}, &struct{}{})
}

// Poll lengths of Events: a request without a context deadline is held up to
// pollWait; one with a deadline asks the server to answer a little before
// it, so that the answer arrives in time.
const (
	pollWait      = 25 * time.Second
	pollMinMargin = 10 * time.Millisecond
	pollMaxMargin = 500 * time.Millisecond
)

// Events long-polls the server, as Account.Events does in process: it
// returns as soon as events exist, and no events and no error when the
// context's deadline passes first.
func (c *Client) Events(ctx context.Context, from chain.Cursor, limit int) ([]chain.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ledger events: %w", err)
	}
	for {
		wait := pollWait
		if dl, ok := ctx.Deadline(); ok {
			left := time.Until(dl)
			margin := min(max(left/10, pollMinMargin), pollMaxMargin)
			if left <= margin {
				// Too little time for another request: wait out the
				// deadline, as a poll in process would.
				<-ctx.Done()
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					return nil, nil
				}
				return nil, fmt.Errorf("ledger events: %w", ctx.Err())
			}
			wait = min(wait, left-margin)
		}
		var out eventsBody
		q := url.Values{
			"from":  {strconv.FormatUint(uint64(from), 10)},
			"limit": {strconv.Itoa(max(limit, 0))},
			"wait":  {strconv.FormatInt(max(wait.Milliseconds(), 1), 10)},
		}
		err := c.do(ctx, authOpen, http.MethodGet, "/v1/events?"+q.Encode(), nil, &out)
		switch {
		case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
			return nil, nil
		case err != nil:
			return nil, err
		case len(out.Events) > 0:
			return out.Events, nil
		}
	}
}
