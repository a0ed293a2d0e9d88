package node_test

// Helpers shared by the API rejection tests and FuzzNodeHandlers: blobs
// encoded for tests, snapshots of a node's store, and checks of the node's
// JSON envelopes.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/store"
)

// encodedTestBlob is a blob encoded for tests: its ID, metadata (parsed and
// BCS) and the BCS SliverData of both slivers of every pair.
type encodedTestBlob struct {
	data      []byte
	id        encoding.BlobID
	meta      *encoding.Metadata
	metaBCS   []byte
	params    encoding.Params
	primary   [][]byte // by pair index
	secondary [][]byte // by pair index
}

// patternBytes returns size deterministic bytes that depend on seed.
func patternBytes(seed byte, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*7+int(seed)*31) ^ seed
	}
	return b
}

func encodeTestBlob(tb testing.TB, nShards int, data []byte) *encodedTestBlob {
	tb.Helper()
	enc, err := encoding.NewEncoder(nShards)
	if err != nil {
		tb.Fatal(err)
	}
	eb, err := enc.Encode(data)
	if err != nil {
		tb.Fatal(err)
	}
	defer eb.Release()
	b := &encodedTestBlob{data: data, id: eb.ID, metaBCS: eb.Metadata.MarshalBCS(), params: eb.Params}
	// An independent copy: nothing of it aliases the encoder's buffers.
	if b.meta, err = encoding.UnmarshalMetadata(b.metaBCS); err != nil {
		tb.Fatal(err)
	}
	for pair := range nShards {
		b.primary = append(b.primary, eb.Sliver(encoding.Primary, pair).MarshalBCS())
		b.secondary = append(b.secondary, eb.Sliver(encoding.Secondary, pair).MarshalBCS())
	}
	return b
}

// sliverBCS returns a copy of the BCS SliverData of a pair's sliver.
func (b *encodedTestBlob) sliverBCS(axis encoding.Axis, pair int) []byte {
	if axis == encoding.Primary {
		return bytes.Clone(b.primary[pair])
	}
	return bytes.Clone(b.secondary[pair])
}

// sliver returns the parsed sliver of a pair.
func (b *encodedTestBlob) sliver(tb testing.TB, axis encoding.Axis, pair int) *encoding.Sliver {
	tb.Helper()
	s, err := encoding.UnmarshalSliver(axis, b.sliverBCS(axis, pair))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// storeSnapshot is what a store holds of some blobs, plus its counters
// (which also cover blobs the snapshot does not name, and pending slivers,
// which the store does not return).
type storeSnapshot struct {
	stats   store.Stats
	blobs   []encoding.BlobID          // blobs with stored metadata
	entries map[string]string          // entry name → SHA-256 of its value
	meta    map[encoding.BlobID][]byte // stored metadata (BCS) by blob
}

// takeStoreSnapshot reads, for every blob of ids, its stored and pending
// metadata and the stored slivers of every shard on both axes.
func takeStoreSnapshot(tb testing.TB, st *store.Store, nShards int, ids []encoding.BlobID) storeSnapshot {
	tb.Helper()
	s := storeSnapshot{stats: st.Stats(), entries: map[string]string{}, meta: map[encoding.BlobID][]byte{}}
	if err := st.ForEachBlob(encoding.BlobID{}, func(id encoding.BlobID) error {
		s.blobs = append(s.blobs, id)
		return nil
	}); err != nil {
		tb.Fatalf("snapshot: list blobs: %v", err)
	}
	sum := func(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:8]) }
	for _, id := range ids {
		if m, err := st.Metadata(id, false); err == nil {
			s.entries["metadata "+id.String()] = sum(m.MarshalBCS())
			s.meta[id] = m.MarshalBCS()
		} else if !isNotFound(err) {
			tb.Fatalf("snapshot: metadata of %s: %v", id, err)
		}
		if m, err := st.Metadata(id, true); err == nil {
			s.entries["metadata or pending "+id.String()] = sum(m.MarshalBCS())
		} else if !isNotFound(err) {
			tb.Fatalf("snapshot: pending metadata of %s: %v", id, err)
		}
		for shard := range nShards {
			for _, axis := range []encoding.Axis{encoding.Primary, encoding.Secondary} {
				sl, err := st.Sliver(id, uint16(shard), axis)
				if isNotFound(err) {
					continue
				}
				if err != nil {
					tb.Fatalf("snapshot: sliver %s/%d/%s: %v", id, shard, axis, err)
				}
				s.entries[fmt.Sprintf("sliver %s shard %d %s", id, shard, axis)] = sum(sl.MarshalBCS())
			}
		}
	}
	return s
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// diff describes how o differs from s; "" when they are equal.
func (s storeSnapshot) diff(o storeSnapshot) string {
	var out []string
	if s.stats != o.stats {
		out = append(out, fmt.Sprintf("stats %+v → %+v", s.stats, o.stats))
	}
	if !slices.Equal(s.blobs, o.blobs) {
		out = append(out, fmt.Sprintf("stored blobs %v → %v", s.blobs, o.blobs))
	}
	keys := map[string]bool{}
	for k := range s.entries {
		keys[k] = true
	}
	for k := range o.entries {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		if s.entries[k] != o.entries[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		out = append(out, fmt.Sprintf("%s: %q → %q", k, s.entries[k], o.entries[k]))
	}
	return strings.Join(out, "; ")
}

// apiResponse is a node's answer.
type apiResponse struct {
	code   int
	header http.Header
	body   []byte
}

func readAPIResponse(tb testing.TB, resp *http.Response) apiResponse {
	tb.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read response: %v", err)
	}
	return apiResponse{code: resp.StatusCode, header: resp.Header, body: body}
}

// canonicalStatus is the AIP-193 status of the HTTP codes the node uses.
var canonicalStatus = map[int]string{
	http.StatusBadRequest:          "INVALID_ARGUMENT",
	http.StatusNotFound:            "NOT_FOUND",
	http.StatusTooManyRequests:     "RESOURCE_EXHAUSTED",
	http.StatusInternalServerError: "INTERNAL",
}

// rawErrorEnvelope is the error envelope as the spec writes it.
type rawErrorEnvelope struct {
	Error *struct {
		Code    int    `json:"code"`
		Status  string `json:"status"`
		Message string `json:"message"`
		Details []struct {
			Type   string `json:"@type"`
			Reason string `json:"reason"`
			Domain string `json:"domain"`
		} `json:"details"`
	} `json:"error"`
}

// checkErrorEnvelope checks that a response is a well-formed error envelope
// matching its HTTP status, and returns it parsed.
func checkErrorEnvelope(r apiResponse) (*api.Error, error) {
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return nil, fmt.Errorf("error response of type %q, want application/json: %q", ct, r.body)
	}
	var env rawErrorEnvelope
	if err := json.Unmarshal(r.body, &env); err != nil || env.Error == nil {
		return nil, fmt.Errorf("error response is not an error envelope (%v): %q", err, r.body)
	}
	e := env.Error
	switch {
	case e.Code != r.code:
		return nil, fmt.Errorf("envelope code %d in a %d response", e.Code, r.code)
	case canonicalStatus[r.code] != "" && e.Status != canonicalStatus[r.code]:
		return nil, fmt.Errorf("envelope status %q for HTTP %d, want %q", e.Status, r.code, canonicalStatus[r.code])
	case len(e.Details) != 1 || e.Details[0].Type != "ErrorInfo" || e.Details[0].Domain != api.Domain || e.Details[0].Reason == "":
		return nil, fmt.Errorf("envelope details %+v, want one ErrorInfo of domain %s with a reason", e.Details, api.Domain)
	}
	return api.ParseError(r.code, r.body), nil
}

// expectAPIError fails unless the response is an error envelope with the
// code and reason.
func expectAPIError(tb testing.TB, what string, r apiResponse, code int, reason string) {
	tb.Helper()
	if r.code != code {
		tb.Errorf("%s: HTTP %d, want %d %s; body %q", what, r.code, code, reason, r.body)
		return
	}
	e, err := checkErrorEnvelope(r)
	if err != nil {
		tb.Errorf("%s: %v", what, err)
		return
	}
	if e.Reason != reason {
		tb.Errorf("%s: reason %s (%s), want %s", what, e.Reason, e.Message, reason)
	}
}

// expectAPISuccess fails unless the response is a success envelope with the
// code, and returns its data.
func expectAPISuccess[T any](tb testing.TB, what string, r apiResponse, code int) T {
	tb.Helper()
	var zero T
	if r.code != code {
		tb.Errorf("%s: HTTP %d, want %d; body %q", what, r.code, code, r.body)
		return zero
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Errorf("%s: success of type %q, want JSON", what, ct)
	}
	var env struct {
		Success *struct {
			Code int             `json:"code"`
			Data json.RawMessage `json:"data"`
		} `json:"success"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil || env.Success == nil {
		tb.Errorf("%s: not a success envelope (%v): %q", what, err, r.body)
		return zero
	}
	if env.Success.Code != code {
		tb.Errorf("%s: envelope code %d in a %d response", what, env.Success.Code, code)
	}
	data, err := api.ParseSuccess[T](r.body)
	if err != nil {
		tb.Errorf("%s: %v", what, err)
	}
	return data
}
