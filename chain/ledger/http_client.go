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
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/bls"
	"github.com/walrusfs/walrusfs/walrus/messages"
)

// Client is a client of a ledger served by NewHandler, for one sender
// account. Errors from the server unwrap to the chain.Err* sentinels (see
// RemoteError); contexts bound every call.
type Client struct {
	base   string
	sender chain.Address
	hc     *http.Client
}

var _ chain.Chain = (*Client)(nil)

// Dial returns a client of the ledger served at baseURL (such as
// "http://127.0.0.1:7070") sending as sender. It does no I/O.
func Dial(baseURL string, sender chain.Address) *Client {
	return &Client{base: strings.TrimRight(baseURL, "/"), sender: sender, hc: &http.Client{}}
}

// As returns a client of the same ledger for another sender.
func (c *Client) As(sender chain.Address) *Client {
	out := *c
	out.sender = sender
	return &out
}

// WithHTTPClient returns a client that makes its requests with hc (for TLS
// or a custom transport). Timeouts belong in contexts, not in hc.
func (c *Client) WithHTTPClient(hc *http.Client) *Client {
	out := *c
	out.hc = hc
	return &out
}

// do sends one request and decodes its JSON answer into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("ledger %s: encode request: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("ledger %s: %w", path, err)
	}
	req.Header.Set(SenderHeader, FormatAddress(c.sender))
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
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
	if err := c.do(ctx, http.MethodGet, "/v1/committee", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ReserveStorage buys size bytes of encoded length for epochs epochs.
func (c *Client) ReserveStorage(ctx context.Context, size uint64, epochs uint32) (chain.Storage, error) {
	var out chain.Storage
	err := c.do(ctx, http.MethodPost, "/v1/tx/reserve-storage", reserveTx{Size: size, Epochs: epochs}, &out)
	return out, err
}

// RegisterBlob registers a blob against a storage resource of the sender's.
func (c *Client) RegisterBlob(ctx context.Context, storage chain.ObjectID, blobID encoding.BlobID, root encoding.Hash, size uint64, encodingType byte, deletable bool) (chain.Blob, error) {
	var out chain.Blob
	in := registerTx{Storage: id32(storage), BlobID: blobID, Root: root, Size: size, EncodingType: encodingType, Deletable: deletable}
	err := c.do(ctx, http.MethodPost, "/v1/tx/register-blob", in, &out)
	return out, err
}

// CertifyBlob certifies a blob of the sender's.
func (c *Client) CertifyBlob(ctx context.Context, blob chain.ObjectID, cert messages.Certificate) (chain.Blob, error) {
	var out chain.Blob
	err := c.do(ctx, http.MethodPost, "/v1/tx/certify-blob", certifyTx{Blob: id32(blob), Cert: toWireCert(cert)}, &out)
	return out, err
}

// InvalidateBlobID marks a blob ID invalid.
func (c *Client) InvalidateBlobID(ctx context.Context, cert messages.Certificate) error {
	var out struct{}
	return c.do(ctx, http.MethodPost, "/v1/tx/invalidate-blob-id", invalidateTx{Cert: toWireCert(cert)}, &out)
}

// DeleteBlob deletes a deletable blob of the sender's and returns its storage.
func (c *Client) DeleteBlob(ctx context.Context, blob chain.ObjectID) (chain.Storage, error) {
	var out chain.Storage
	err := c.do(ctx, http.MethodPost, "/v1/tx/delete-blob", deleteTx{Blob: id32(blob)}, &out)
	return out, err
}

// ExtendBlob extends a certified blob of the sender's by epochs epochs.
func (c *Client) ExtendBlob(ctx context.Context, blob chain.ObjectID, epochs uint32) (chain.Blob, error) {
	var out chain.Blob
	err := c.do(ctx, http.MethodPost, "/v1/tx/extend-blob", extendTx{Blob: id32(blob), Epochs: epochs}, &out)
	return out, err
}

// Blob returns a blob object.
func (c *Client) Blob(ctx context.Context, id chain.ObjectID) (chain.Blob, error) {
	var out chain.Blob
	err := c.do(ctx, http.MethodGet, "/v1/blobs/"+FormatObjectID(id), nil, &out)
	return out, err
}

// BlobStatus returns what the ledger knows of a blob ID.
func (c *Client) BlobStatus(ctx context.Context, blobID encoding.BlobID) (chain.BlobStatus, error) {
	var out chain.BlobStatus
	err := c.do(ctx, http.MethodGet, "/v1/blob-status/"+blobID.String(), nil, &out)
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
	err := c.do(ctx, http.MethodPost, "/v1/tx/publish-manifest", publishTx{Name: name, Manifest: manifest, PrevVersion: prevVersion}, &out)
	return out, err
}

// FsRecord returns owner's filesystem record name.
func (c *Client) FsRecord(ctx context.Context, owner chain.Address, name string) (chain.FsRecord, error) {
	var out chain.FsRecord
	// The name goes in the query: in the path, names such as ".." or ones
	// holding "/" would be cleaned or split by the server's router.
	q := url.Values{"name": {name}}
	err := c.do(ctx, http.MethodGet, "/v1/fs-records/"+FormatAddress(owner)+"?"+q.Encode(), nil, &out)
	return out, err
}

// AdvanceEpoch calls the admin endpoint: see Ledger.AdvanceEpoch.
func (c *Client) AdvanceEpoch(ctx context.Context, next []NodeRegistration) (chain.Committee, error) {
	var out chain.Committee
	err := c.do(ctx, http.MethodPost, "/v1/admin/advance-epoch", epochTx{Nodes: toNodeRecords(next)}, &out)
	return out, err
}

// SetStake calls the admin endpoint: see Ledger.SetStake.
func (c *Client) SetStake(ctx context.Context, node chain.ObjectID, stake uint64, reg *NodeRegistration) error {
	tx := stakeTx{Node: id32(node), Stake: stake}
	if reg != nil {
		tx.Register = &toNodeRecords([]NodeRegistration{*reg})[0]
	}
	return c.do(ctx, http.MethodPost, "/v1/admin/stake", tx, &struct{}{})
}

// ReportEpochSync sends a member's signed sync report: see
// Ledger.ReportEpochSync.
func (c *Client) ReportEpochSync(ctx context.Context, epoch chain.Epoch, node chain.ObjectID, sig bls.Signature) error {
	return c.do(ctx, http.MethodPost, "/v1/tx/epoch-sync-done", syncDoneTx{Node: id32(node), Epoch: epoch, Signature: sig[:]}, &struct{}{})
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
		err := c.do(ctx, http.MethodGet, "/v1/events?"+q.Encode(), nil, &out)
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
