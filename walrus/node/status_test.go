package node_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/officialsdk"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/node"
	"github.com/walrusfs/walrusfs/walrus/nodeclient"
)

// statusChain is a chain that knows only a committee and, by the first byte
// of the blob ID, a fixed status or error.
type statusChain struct {
	chain.Chain
	statuses map[byte]chain.BlobStatus
	errs     map[byte]error
}

func (c *statusChain) Committee(context.Context) (*chain.Committee, error) {
	return &chain.Committee{Epoch: 3, NShards: 10}, nil
}

func (c *statusChain) BlobStatus(_ context.Context, id encoding.BlobID) (chain.BlobStatus, error) {
	if err := c.errs[id[0]]; err != nil {
		return chain.BlobStatus{}, err
	}
	return c.statuses[id[0]], nil
}

// statusStore is a node store that the status route must never touch.
type statusStore struct{ node.Store }

func epochPtr(e chain.Epoch) *chain.Epoch { return &e }

// statusCase is one kind of status: what the chain says, the exact data the
// node must answer, and what the official SDK's getBlobStatus must make of it.
type statusCase struct {
	name string
	st   chain.BlobStatus
	data string
	sdk  string
}

var statusCases = []statusCase{
	{"unknown", chain.BlobStatus{}, `"nonexistent"`, `{"type":"nonexistent"}`},
	{"no live object", chain.BlobStatus{Exists: true}, `"nonexistent"`, `{"type":"nonexistent"}`},
	{"invalid",
		chain.BlobStatus{Exists: true, Invalid: &chain.EventID{TxDigest: "3XGyjb2mPe8cgUv8Jr4hBxjbdWcWkGbVpGVx6mjZ6eCf", EventSeq: 7}, DeletableTotal: 1},
		`{"invalid":{"event":{"txDigest":"3XGyjb2mPe8cgUv8Jr4hBxjbdWcWkGbVpGVx6mjZ6eCf","eventSeq":"7"}}}`,
		`{"type":"invalid","event":{"txDigest":"3XGyjb2mPe8cgUv8Jr4hBxjbdWcWkGbVpGVx6mjZ6eCf","eventSeq":"7"}}`},
	{"permanent certified",
		chain.BlobStatus{Exists: true, Permanent: &chain.PermanentStatus{EndEpoch: 9, IsCertified: true, StatusEvent: chain.EventID{TxDigest: "D1", EventSeq: 18446744073709551615}}, DeletableTotal: 2, DeletableCertified: 1, InitialCertifiedEpoch: epochPtr(4)},
		`{"permanent":{"endEpoch":9,"isCertified":true,"statusEvent":{"txDigest":"D1","eventSeq":"18446744073709551615"},"deletableCounts":{"count_deletable_total":2,"count_deletable_certified":1},"initialCertifiedEpoch":4}}`,
		`{"type":"permanent","endEpoch":9,"isCertified":true,"statusEvent":{"txDigest":"D1","eventSeq":"18446744073709551615"},"deletableCounts":{"count_deletable_total":2,"count_deletable_certified":1},"initialCertifiedEpoch":4}`},
	{"permanent registered",
		chain.BlobStatus{Exists: true, Permanent: &chain.PermanentStatus{EndEpoch: 5, StatusEvent: chain.EventID{TxDigest: "D2", EventSeq: 0}}},
		`{"permanent":{"endEpoch":5,"isCertified":false,"statusEvent":{"txDigest":"D2","eventSeq":"0"},"deletableCounts":{"count_deletable_total":0,"count_deletable_certified":0},"initialCertifiedEpoch":null}}`,
		`{"type":"permanent","endEpoch":5,"isCertified":false,"statusEvent":{"txDigest":"D2","eventSeq":"0"},"deletableCounts":{"count_deletable_total":0,"count_deletable_certified":0},"initialCertifiedEpoch":null}`},
	{"deletable certified",
		chain.BlobStatus{Exists: true, DeletableTotal: 3, DeletableCertified: 2, InitialCertifiedEpoch: epochPtr(1)},
		`{"deletable":{"initialCertifiedEpoch":1,"deletableCounts":{"count_deletable_total":3,"count_deletable_certified":2}}}`,
		`{"type":"deletable","initialCertifiedEpoch":1,"deletableCounts":{"count_deletable_total":3,"count_deletable_certified":2}}`},
	{"deletable registered",
		chain.BlobStatus{Exists: true, DeletableTotal: 1},
		`{"deletable":{"initialCertifiedEpoch":null,"deletableCounts":{"count_deletable_total":1,"count_deletable_certified":0}}}`,
		`{"type":"deletable","initialCertifiedEpoch":null,"deletableCounts":{"count_deletable_total":1,"count_deletable_certified":0}}`},
}

const (
	unsupportedByte = 0xf0
	brokenByte      = 0xf1
)

// startStatusNode serves a node whose chain answers statusCases[i] for blob
// IDs starting with byte i, ErrUnsupported for unsupportedByte and another
// error for brokenByte.
func startStatusNode(t *testing.T) *httptest.Server {
	t.Helper()
	ch := &statusChain{statuses: map[byte]chain.BlobStatus{}, errs: map[byte]error{
		unsupportedByte: fmt.Errorf("sui: blob status: %w", chain.ErrUnsupported),
		brokenByte:      errors.New("disk on fire"),
	}}
	for i, c := range statusCases {
		ch.statuses[byte(i)] = c.st
	}
	key, err := bls.KeyFromSeed(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	nd, err := node.New(context.Background(), node.Config{Key: key, Chain: ch, Store: statusStore{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(nd.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func statusBlobID(b byte) encoding.BlobID {
	var id encoding.BlobID
	id[0], id[31] = b, 0x5a
	return id
}

// TestBlobStatusJSON checks the exact JSON of GET /v1/blobs/{id}/status for
// every kind of status, that it reads back into the same status through
// nodeclient, and the errors.
func TestBlobStatusJSON(t *testing.T) {
	srv := startStatusNode(t)
	nc := nodeclient.New(srv.URL, nil)
	ctx := context.Background()
	for i, c := range statusCases {
		id := statusBlobID(byte(i))
		resp, err := http.Get(srv.URL + api.BlobStatusPath(id))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := `{"success":{"code":200,"data":` + c.data + `}}`
		if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != want || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %s %s\nwant %s", c.name, resp.StatusCode, resp.Header.Get("Content-Type"), body, want)
		}
		got, err := nc.BlobStatus(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		// What the wire carries of the chain's status comes back; an
		// invalid ID and an ID with no live object read as not existing.
		wantSt := c.st
		if wantSt.Invalid != nil {
			wantSt = chain.BlobStatus{Invalid: wantSt.Invalid}
		} else if api.StatusKind(wantSt) == api.BlobStatusNonexistent {
			wantSt = chain.BlobStatus{}
		}
		if !reflect.DeepEqual(got, wantSt) {
			t.Errorf("%s: read back %+v, want %+v", c.name, got, wantSt)
		}
	}
	for _, c := range []struct {
		b      byte
		code   int
		reason string
	}{{unsupportedByte, 503, api.ReasonUnavailable}, {brokenByte, 500, api.ReasonInternal}} {
		_, err := nc.BlobStatus(ctx, statusBlobID(c.b))
		var ae *api.Error
		if !errors.As(err, &ae) || ae.Code != c.code || ae.Reason != c.reason {
			t.Errorf("blob %#x: %v, want %d %s", c.b, err, c.code, c.reason)
		}
	}
	resp, err := http.Get(srv.URL + "/v1/blobs/not-a-blob-id/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("bad blob ID: %d", resp.StatusCode)
	}
}

// TestBlobStatusWireVariants reads forms other nodes may write: the
// snake_case names of Walrus's generated OpenAPI, a numeric eventSeq, and
// rejects what is no status.
func TestBlobStatusWireVariants(t *testing.T) {
	var st api.BlobStatus
	in := `{"permanent":{"end_epoch":7,"is_certified":true,"status_event":{"txDigest":"T","eventSeq":12},"deletable_counts":{"count_deletable_total":1,"count_deletable_certified":1},"initial_certified_epoch":2}}`
	if err := json.Unmarshal([]byte(in), &st); err != nil {
		t.Fatal(err)
	}
	want := chain.BlobStatus{Exists: true, Permanent: &chain.PermanentStatus{EndEpoch: 7, IsCertified: true, StatusEvent: chain.EventID{TxDigest: "T", EventSeq: 12}}, DeletableTotal: 1, DeletableCertified: 1, InitialCertifiedEpoch: epochPtr(2)}
	if !reflect.DeepEqual(st.BlobStatus, want) {
		t.Errorf("snake_case: %+v", st.BlobStatus)
	}
	for _, bad := range []string{`"stored"`, `{}`, `{"invalid":{}}`, `{"permanent":{},"deletable":{}}`,
		`{"deletable":{"deletableCounts":{"count_deletable_total":0,"count_deletable_certified":0}}}`,
		`{"deletable":{"deletableCounts":{"count_deletable_total":1,"count_deletable_certified":2}}}`,
		`{"invalid":{"event":{"txDigest":"T","eventSeq":"-1"}}}`, `[]`, `7`} {
		if err := json.Unmarshal([]byte(bad), &st); err == nil {
			t.Errorf("%s read as %+v", bad, st.BlobStatus)
		}
	}
}

// TestBlobStatusOfficialSDK has the official SDK's StorageNodeClient ask
// the node for every kind of status and checks what it parsed.
func TestBlobStatusOfficialSDK(t *testing.T) {
	srv := startStatusNode(t)
	type query struct {
		URL    string `json:"url"`
		BlobID string `json:"blobId"`
	}
	var qs []query
	for i := range statusCases {
		qs = append(qs, query{srv.URL, statusBlobID(byte(i)).String()})
	}
	qs = append(qs, query{srv.URL, statusBlobID(unsupportedByte).String()})
	in, _ := json.Marshal(qs)
	raw := officialsdk.Run(t, 2*time.Minute, "testdata/sdk_blob_status.mjs", string(in))
	var out []struct {
		Status json.RawMessage `json:"status"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out) != len(qs) {
		t.Fatalf("script output %s: %v", raw, err)
	}
	for i, c := range statusCases {
		if out[i].Error != "" {
			t.Errorf("%s: the SDK failed: %s", c.name, out[i].Error)
			continue
		}
		var got, want any
		if err := json.Unmarshal(out[i].Status, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(c.sdk), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the SDK parsed %s\nwant %s", c.name, out[i].Status, c.sdk)
		}
	}
	if last := out[len(out)-1]; last.Error == "" || !strings.Contains(last.Error, "cannot look blob IDs up") {
		t.Errorf("a node whose chain cannot look blob IDs up: the SDK got %s %s", last.Status, last.Error)
	}
}
