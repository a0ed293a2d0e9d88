package daemon_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mr-tron/base58"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/testutil"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
	"github.com/walrusfs/walrusfs/walrus/daemon"
)

// relayed is the upload relay's answer, as the SDK reads it.
type relayed struct {
	BlobID      string `json:"blob_id"`
	Certificate struct {
		Signers    []int  `json:"signers"`
		RawMessage []int  `json:"serialized_message"`
		Signature  string `json:"signature"`
	} `json:"confirmation_certificate"`
}

// certificate turns the relay's JSON into a certificate to certify with.
func (r relayed) certificate(t *testing.T) messages.Certificate {
	t.Helper()
	msg := make([]byte, len(r.Certificate.RawMessage))
	for i, v := range r.Certificate.RawMessage {
		if v < 0 || v > 255 {
			t.Fatalf("serialized_message holds %d", v)
		}
		msg[i] = byte(v)
	}
	var sig bls.Signature
	if err := sig.UnmarshalText([]byte(r.Certificate.Signature)); err != nil {
		t.Fatalf("signature %q: %v", r.Certificate.Signature, err)
	}
	return messages.Certificate{Signers: r.Certificate.Signers, Message: msg, Signature: sig}
}

// relayPost posts blob to the relay with query.
func relayPost(t *testing.T, base, query string, blob []byte) (*http.Response, []byte) {
	t.Helper()
	return call(t, http.MethodPost, base+"/v1/blob-upload-relay?"+query, bytes.NewReader(blob), "Content-Type", "application/octet-stream")
}

// relayOK posts and decodes a success.
func relayOK(t *testing.T, base, query string, blob []byte) relayed {
	t.Helper()
	resp, body := relayPost(t, base, query, blob)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("relay %s: %d %s", query, resp.StatusCode, body)
	}
	var r relayed
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("relay %s: %v: %s", query, err, body)
	}
	return r
}

// TestUploadRelay: the relay answers "no_tip"; a blob registered by
// another wallet is uploaded through it, checked against its registration
// (the transaction that registered it, or its deletable Blob object), and
// the certificate it answers certifies the blob on chain.
func TestUploadRelay(t *testing.T) {
	n := startNetwork(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := n.serve(t, daemon.Config{Relay: n.cl, MaxBodySize: 1 << 20}, false)

	resp, body := call(t, http.MethodGet, base+"/v1/tip-config", nil)
	if resp.StatusCode != http.StatusOK || string(bytes.TrimSpace(body)) != `"no_tip"` || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("tip-config: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	blob := testutil.RandomBytes(11, 30_000)
	id := blobIDOf(t, blob)
	bid, _ := encoding.ParseBlobID(id)
	user := newRegistrant(t, n)

	t.Run("permanent", func(t *testing.T) {
		obj, tx := user.register(t, ctx, blob, false)
		q := "blob_id=" + id + "&tx_id=" + tx
		resp, body := relayPost(t, base, q, append(bytes.Clone(blob), 0))
		wantError(t, "a byte over", resp, body, http.StatusRequestEntityTooLarge, "BLOB_TOO_LARGE")
		resp, body = relayPost(t, base, q, blob[1:])
		wantError(t, "a byte short", resp, body, http.StatusBadRequest, "BLOB_SIZE_MISMATCH")
		other := bytes.Clone(blob)
		other[0] ^= 1
		resp, body = relayPost(t, base, q, other)
		wantError(t, "other bytes", resp, body, http.StatusBadRequest, "BLOB_ID_MISMATCH")
		unknown := make([]byte, 32)
		unknown[0] = 7
		resp, body = relayPost(t, base, "blob_id="+id+"&tx_id="+base58.Encode(unknown), blob)
		wantError(t, "an unknown transaction", resp, body, http.StatusNotFound, "TRANSACTION_NOT_FOUND")
		resp, body = relayPost(t, base, "blob_id="+blobIDOf(t, other)+"&tx_id="+tx, other)
		wantError(t, "a blob the transaction did not register", resp, body, http.StatusBadRequest, "BLOB_NOT_REGISTERED")
		resp, body = relayPost(t, base, q+"&deletable_blob_object="+hexObject(obj.ID), blob)
		wantError(t, "a permanent blob said deletable", resp, body, http.StatusBadRequest, "INVALID_BLOB_PERSISTENCE")

		r := relayOK(t, base, q+"&nonce="+base64.RawURLEncoding.EncodeToString(make([]byte, 32)), blob)
		if r.BlobID != id {
			t.Errorf("blob_id %q, want %q", r.BlobID, id)
		}
		cert := r.certificate(t)
		if want := (messages.StorageConfirmation{Epoch: obj.RegisteredEpoch, BlobID: bid}).Marshal(); !bytes.Equal(cert.Message, want) {
			t.Errorf("serialized_message %x, want %x", cert.Message, want)
		}
		certified, err := user.ch.CertifyBlob(ctx, obj.ID, cert)
		if err != nil || certified.CertifiedEpoch == nil {
			t.Fatalf("certify with the relay's certificate: %+v, %v", certified, err)
		}
		resp, body = call(t, http.MethodGet, base+"/v1/blobs/"+id, nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, blob) {
			t.Fatalf("read back: %d, %d bytes", resp.StatusCode, len(body))
		}
	})

	t.Run("deletable", func(t *testing.T) {
		obj, _ := user.register(t, ctx, blob, true)
		q := "blob_id=" + id + "&deletable_blob_object=" + hexObject(obj.ID)
		resp, body := relayPost(t, base, "blob_id="+id, blob)
		if resp.StatusCode != http.StatusOK { // unchecked: the nodes check
			t.Fatalf("with neither tx_id nor object: %d %s", resp.StatusCode, body)
		}
		r := relayOK(t, base, q+"&encoding_type=RS2", blob)
		if _, err := user.ch.CertifyBlob(ctx, obj.ID, r.certificate(t)); err != nil {
			t.Fatalf("certify the deletable blob: %v", err)
		}
		var unknown chain.ObjectID
		unknown[5] = 1
		resp, body = relayPost(t, base, "blob_id="+id+"&deletable_blob_object="+hexObject(unknown), blob)
		wantError(t, "an unknown object", resp, body, http.StatusNotFound, "BLOB_OBJECT_NOT_FOUND")
	})

	t.Run("malformed", func(t *testing.T) {
		for q, reason := range map[string]string{
			"":                                     "MALFORMED_REQUEST",
			"blob_id=xyz":                          "INVALID_BLOB_ID",
			"blob_id=" + id + "&epochs=1":          "MALFORMED_REQUEST",
			"blob_id=" + id + "&tx_id=0x12":        "MALFORMED_REQUEST",
			"blob_id=" + id + "&nonce=abc":         "MALFORMED_REQUEST",
			"blob_id=" + id + "&encoding_type=RS1": "MALFORMED_REQUEST",
			"blob_id=" + id + "&blob_id=" + id:     "MALFORMED_REQUEST",
		} {
			resp, body := relayPost(t, base, q, blob)
			wantError(t, q, resp, body, http.StatusBadRequest, reason)
		}
		resp, body := relayPost(t, base, "blob_id="+id, make([]byte, 2<<20))
		wantError(t, "unchecked, over the body limit", resp, body, http.StatusRequestEntityTooLarge, "BLOB_TOO_LARGE")
	})
}

// registrant is a wallet's chain client whose transactions' digests are
// kept: a relay's user sends the digest of the one that registered its blob.
type registrant struct {
	ch *sui.Client
	mu sync.Mutex
	tx map[string]string // the client's log's "what" → digest
}

func newRegistrant(t *testing.T, n *network) *registrant {
	t.Helper()
	r := &registrant{tx: map[string]string{}}
	d := n.f.Ledger.SuiDeployment()
	ch, err := sui.Dial(sui.Config{RPCURL: n.f.URL, System: d.System, Staking: d.Staking, Signer: n.f.Key,
		Logger: slog.New(digestKeeper{r})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	r.ch = ch
	return r
}

// register registers blob and returns its object and the transaction's
// digest.
func (r *registrant) register(t *testing.T, ctx context.Context, blob []byte, deletable bool) (chain.Blob, string) {
	t.Helper()
	enc, err := encoding.NewEncoder(100)
	if err != nil {
		t.Fatal(err)
	}
	meta, id, err := enc.ComputeMetadata(blob)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := r.ch.ReserveAndRegister(ctx, 2, id, meta.RootHash(), uint64(len(blob)), encoding.EncodingRS2, deletable)
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	tx := r.tx["register blob "+id.String()]
	if tx == "" {
		t.Fatalf("no digest logged for the registration of %s: %v", id, r.tx)
	}
	return obj, tx
}

// digestKeeper is a slog handler keeping the digests of the transactions
// the chain client logs.
type digestKeeper struct{ r *registrant }

func (digestKeeper) Enabled(context.Context, slog.Level) bool { return true }
func (h digestKeeper) WithAttrs([]slog.Attr) slog.Handler     { return h }
func (h digestKeeper) WithGroup(string) slog.Handler          { return h }
func (h digestKeeper) Handle(_ context.Context, rec slog.Record) error {
	var what, digest string
	rec.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "what":
			what = a.Value.String()
		case "digest":
			digest = a.Value.String()
		}
		return true
	})
	if what != "" && digest != "" {
		h.r.mu.Lock()
		h.r.tx[what] = digest
		h.r.mu.Unlock()
	}
	return nil
}

func hexObject(id chain.ObjectID) string { return "0x" + hex.EncodeToString(id[:]) }
