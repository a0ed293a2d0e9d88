package node_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/node"
	"github.com/walrusfs/walrusfs/walrus/store"
)

const (
	fuzzNodes    = 4
	fuzzShards   = 10
	fuzzBlobSize = 100 // 4-byte symbols: slivers of 28 and 16 bytes
)

// fuzzNode is node 0 of a real ledger's committee, with a Badger store in a
// temporary directory, serving through its handler only. It does not follow
// the chain, so only requests change its store. Its baseline:
//   - full: registered, metadata and every sliver of its shards stored;
//   - half: registered, metadata and the primary slivers stored;
//   - deletable: registered as deletable, nothing stored;
//   - unregistered: never registered.
type fuzzNode struct {
	handler   http.Handler
	store     *store.Store
	enc       *encoding.Encoder
	shards    map[uint16]bool
	blobs     []*encodedTestBlob // full, half, deletable, unregistered
	objects   []chain.Blob       // of the registered ones
	ids       []encoding.BlobID
	baseline  storeSnapshot
	fullEntry map[string]string // the full blob's entries, which nothing may change
}

func newFuzzNode(tb testing.TB) *fuzzNode {
	tb.Helper()
	ctx := context.Background()
	com := ledgertest.NewCommittee(tb, fuzzNodes, fuzzShards)
	l, _ := ledgertest.Open(tb, com.Genesis(), ledger.Options{})
	c, err := l.As(chain.Address{}).Committee(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := store.Open(tb.TempDir(), store.Options{NoSync: true, GCInterval: -1, PendingTTL: -1})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	nd, err := node.New(ctx, node.Config{Key: com.Keys[0], ID: c.Members[0].ID, Chain: l.As(ledgertest.Address(0)), Store: st})
	if err != nil {
		tb.Fatal(err)
	}
	enc, err := encoding.NewEncoder(fuzzShards)
	if err != nil {
		tb.Fatal(err)
	}
	fz := &fuzzNode{handler: nd.Handler(), store: st, enc: enc, shards: map[uint16]bool{}}
	for _, s := range nd.Shards() {
		fz.shards[s] = true
	}
	for i := range 4 {
		b := encodeTestBlob(tb, fuzzShards, patternBytes(byte(20+i), fuzzBlobSize))
		fz.blobs = append(fz.blobs, b)
		fz.ids = append(fz.ids, b.id)
		if i == 3 {
			break
		}
		owner := l.As(ledgertest.Address(1))
		res, err := owner.ReserveStorage(ctx, b.params.EncodedLength(), 10)
		if err != nil {
			tb.Fatal(err)
		}
		obj, err := owner.RegisterBlob(ctx, res.ID, b.id, b.meta.RootHash(), fuzzBlobSize, encoding.EncodingRS2, i == 2)
		if err != nil {
			tb.Fatal(err)
		}
		fz.objects = append(fz.objects, obj)
	}
	// The baseline is uploaded through the API, which checks the happy path
	// on the way.
	for i, b := range fz.blobs[:2] {
		if r := fz.serve(tb, http.MethodPut, api.MetadataPath(b.id), api.ContentTypeBCS, b.metaBCS); r.code != http.StatusCreated {
			tb.Fatalf("PUT metadata: HTTP %d %q", r.code, r.body)
		}
		for _, pair := range fz.ownedPairs(b) {
			for _, axis := range []encoding.Axis{encoding.Primary, encoding.Secondary} {
				if i == 1 && axis == encoding.Secondary {
					continue
				}
				if r := fz.serve(tb, http.MethodPut, api.SliverPath(b.id, pair, axis), "", b.sliverBCS(axis, pair)); r.code != http.StatusCreated {
					tb.Fatalf("PUT sliver: HTTP %d %q", r.code, r.body)
				}
			}
		}
	}
	if r := fz.serve(tb, http.MethodGet, api.PermanentConfirmationPath(fz.blobs[0].id), "", nil); r.code != http.StatusOK {
		tb.Fatalf("confirmation of a stored blob: HTTP %d %q", r.code, r.body)
	}
	fz.baseline = takeStoreSnapshot(tb, st, fuzzShards, fz.ids)
	fz.fullEntry = map[string]string{}
	for k, v := range fz.baseline.entries {
		if strings.Contains(k, fz.blobs[0].id.String()) {
			fz.fullEntry[k] = v
		}
	}
	return fz
}

func (fz *fuzzNode) ownedPairs(b *encodedTestBlob) []int {
	var out []int
	for pair := range fuzzShards {
		if fz.shards[uint16(b.id.ShardForPair(pair, fuzzShards))] {
			out = append(out, pair)
		}
	}
	return out
}

// serve sends a well-formed request to the handler.
func (fz *fuzzNode) serve(tb testing.TB, method, target, contentType string, body []byte) apiResponse {
	tb.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	fz.handler.ServeHTTP(rec, req)
	return apiResponse{code: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

var fuzzMethods = []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodHead, http.MethodDelete, http.MethodPatch, http.MethodOptions}

// fuzzRequest builds the request a server would hand the handler for a
// request line with this method and target, or false if a server would not
// accept that line.
func fuzzRequest(method uint8, target, contentType string, body []byte) (*http.Request, bool) {
	if strings.ContainsAny(target, " \t\r\n") || strings.ContainsAny(contentType, "\r\n\x00") {
		return nil, false
	}
	line := fuzzMethods[int(method)%len(fuzzMethods)] + " " + target + " HTTP/1.1\r\nHost: node.test\r\n\r\n"
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(line)))
	if err != nil {
		return nil, false
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.RemoteAddr = "192.0.2.1:1234"
	return req, true
}

// pathBlobID returns the blob ID a request path names, if any.
func pathBlobID(path string) (encoding.BlobID, bool) {
	rest, ok := strings.CutPrefix(path, "/v1/blobs/")
	if !ok {
		return encoding.BlobID{}, false
	}
	seg, _, _ := strings.Cut(rest, "/")
	id, err := encoding.ParseBlobID(seg)
	return id, err == nil
}

// checkStoredData checks that everything the store holds of ids is valid:
// metadata that verifies against its blob ID, and slivers of this node's
// shards, at their pair, that verify against the metadata.
func (fz *fuzzNode) checkStoredData(t *testing.T, ids []encoding.BlobID) {
	t.Helper()
	for _, id := range ids {
		for _, pending := range []bool{false, true} {
			m, err := fz.store.Metadata(id, pending)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Verify(id, fuzzShards); err != nil {
				t.Fatalf("store holds metadata of %s (pending %v) that does not verify: %v", id, pending, err)
			}
		}
		m, metaErr := fz.store.Metadata(id, false)
		for shard := range fuzzShards {
			for _, axis := range []encoding.Axis{encoding.Primary, encoding.Secondary} {
				s, err := fz.store.Sliver(id, uint16(shard), axis)
				if isNotFound(err) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				pair := id.PairForShard(shard, fuzzShards)
				switch {
				case !fz.shards[uint16(shard)]:
					t.Fatalf("store holds a %s sliver of %s for shard %d, which the node does not hold", axis, id, shard)
				case metaErr != nil:
					t.Fatalf("store holds a %s sliver of %s without its metadata: %v", axis, id, metaErr)
				case s.Axis != axis || int(s.Index) != encoding.SliverIndex(axis, pair, fuzzShards):
					t.Fatalf("store holds %s sliver %d of %s for shard %d (pair %d)", s.Axis, s.Index, id, shard, pair)
				}
				if err := fz.enc.VerifySliver(m, s); err != nil {
					t.Fatalf("store holds a %s sliver of %s for shard %d that does not verify: %v", axis, id, shard, err)
				}
			}
		}
	}
}

// reset brings the store back to the baseline after a request changed it.
func (fz *fuzzNode) reset(t *testing.T, ids []encoding.BlobID) {
	t.Helper()
	for _, id := range ids {
		if id != fz.blobs[0].id {
			if err := fz.store.DeleteBlob(id); err != nil {
				t.Fatal(err)
			}
		}
	}
	half := fz.blobs[1]
	if err := fz.store.PutMetadata(half.id, half.meta, false); err != nil {
		t.Fatal(err)
	}
	for _, pair := range fz.ownedPairs(half) {
		shard := uint16(half.id.ShardForPair(pair, fuzzShards))
		if err := fz.store.PutSliver(half.id, shard, half.sliver(t, encoding.Primary, pair), false); err != nil {
			t.Fatal(err)
		}
	}
	if d := fz.baseline.diff(takeStoreSnapshot(t, fz.store, fuzzShards, fz.ids)); d != "" {
		t.Fatalf("store not back to its baseline: %s", d)
	}
}

// fuzzSeeds are requests of every route, valid and not.
func (fz *fuzzNode) fuzzSeeds() []fuzzSeed {
	full, half, del, unreg := fz.blobs[0], fz.blobs[1], fz.blobs[2], fz.blobs[3]
	fp, hp, up := fz.ownedPairs(full)[0], fz.ownedPairs(half)[0], fz.ownedPairs(unreg)[0]
	bcs := api.ContentTypeBCS
	var seeds []fuzzSeed
	add := func(method, target, ct string, body []byte) {
		for i, m := range fuzzMethods {
			if m == method {
				seeds = append(seeds, fuzzSeed{uint8(i), target, ct, body})
				return
			}
		}
		panic(method)
	}
	// A consistent inconsistency proof for primary sliver 0 of full.
	var syms []encoding.RecoverySymbol
	for pair := range fuzzShards {
		s, err := encoding.UnmarshalSliver(encoding.Secondary, full.secondary[pair])
		if err != nil {
			panic(err)
		}
		got, err := fz.enc.RecoverySymbols(full.meta, s, []int{0})
		if err != nil {
			panic(err)
		}
		syms = append(syms, got...)
	}
	proof := (&encoding.InconsistencyProof{Target: encoding.Primary, TargetIndex: 0, Symbols: syms[:full.params.SecondarySymbols]}).MarshalBCS()

	for _, b := range fz.blobs {
		id := b.id.String()
		add("GET", "/v1/blobs/"+id+"/metadata", "", nil)
		add("GET", "/v1/blobs/"+id+"/metadata/status", "", nil)
		add("GET", "/v1/blobs/"+id+"/status", "", nil)
		add("GET", "/v1/blobs/"+id+"/confirmation/permanent", "", nil)
		add("GET", "/v1/blobs/"+id+"/recoverySymbols?targetSliver=1&targetType=secondary", "", nil)
		add("PUT", "/v1/blobs/"+id+"/metadata", bcs, b.metaBCS)
	}
	add("GET", fmt.Sprintf("/v1/blobs/%s/slivers/%d/primary", full.id, fp), "", nil)
	add("GET", fmt.Sprintf("/v1/blobs/%s/slivers/%d/secondary/status", full.id, fp), "", nil)
	add("PUT", fmt.Sprintf("/v1/blobs/%s/slivers/%d/primary", full.id, fp), bcs, full.sliverBCS(encoding.Primary, fp))
	add("PUT", fmt.Sprintf("/v1/blobs/%s/slivers/%d/secondary", half.id, hp), bcs, half.sliverBCS(encoding.Secondary, hp))
	add("PUT", fmt.Sprintf("/v1/blobs/%s/slivers/%d/secondary", half.id, hp), bcs, flipped(half.sliverBCS(encoding.Secondary, hp), 2))
	add("PUT", fmt.Sprintf("/v1/blobs/%s/slivers/%d/secondary", half.id, hp), bcs, del.sliverBCS(encoding.Secondary, hp))
	add("PUT", fmt.Sprintf("/v1/blobs/%s/slivers/%d/primary", half.id, hp), "text/plain", half.sliverBCS(encoding.Primary, hp))
	add("PUT", fmt.Sprintf("/v1/blobs/%s/slivers/%d/secondary", half.id, hp+1), bcs, half.sliverBCS(encoding.Secondary, hp))
	add("PUT", fmt.Sprintf("/v1/blobs/%s/slivers/%d/secondary", half.id, hp), bcs, withSuffix(half.sliverBCS(encoding.Secondary, hp), 0))
	add("PUT", fmt.Sprintf("/v1/blobs/%s/slivers/%d/primary", del.id, hp), bcs, del.sliverBCS(encoding.Primary, hp))
	add("PUT", "/v1/blobs/"+unreg.id.String()+"/metadata?pending=true", bcs, unreg.metaBCS)
	add("PUT", fmt.Sprintf("/v1/blobs/%s/slivers/%d/primary?pending=true", unreg.id, up), bcs, unreg.sliverBCS(encoding.Primary, up))
	add("PUT", "/v1/blobs/"+half.id.String()+"/metadata", bcs, metadataVariant(half.meta, func(m *encoding.Metadata) { m.EncodingType = 0 }))
	add("PUT", "/v1/blobs/"+del.id.String()+"/metadata", bcs, metadataVariant(del.meta, func(m *encoding.Metadata) { m.Pairs = m.Pairs[1:] }))
	add("PUT", "/v1/blobs/"+del.id.String()+"/metadata", bcs, half.metaBCS)
	add("GET", fmt.Sprintf("/v1/blobs/%s/confirmation/deletable/0x%x", del.id, fz.objects[2].ID[:]), "", nil)
	add("GET", fmt.Sprintf("/v1/blobs/%s/confirmation/deletable/0x%x", full.id, fz.objects[0].ID[:]), "", nil)
	add("GET", "/v1/blobs/"+full.id.String()+"/recoverySymbols?targetSliver=-1&targetType=primary", "", nil)
	add("GET", "/v1/blobs/"+full.id.String()+"/recoverySymbols?id=0-1", "", nil)
	add("POST", "/v1/blobs/"+full.id.String()+"/inconsistencyProof/primary", bcs, proof)
	add("POST", "/v1/blobs/"+full.id.String()+"/inconsistencyProof/secondary", bcs, []byte("garbage"))
	add("POST", "/v1/blobs/"+unreg.id.String()+"/inconsistencyProof/primary", "", proof)
	add("GET", "/v1/health?detailed=true", "", nil)
	add("GET", "/v1/blobs/not-a-blob-id/metadata", "", nil)
	add("PUT", "/v1/blobs/"+full.id.String()[:42]+"/slivers/0/primary", bcs, []byte{0})
	add("DELETE", "/v1/blobs/"+full.id.String()+"/metadata", "", nil)
	add("HEAD", "/v1/blobs/"+full.id.String()+"/metadata", "", nil)
	add("OPTIONS", "/v1/health", "", nil)
	add("GET", "/v1/blobs/"+full.id.String()+"/slivers/99/tertiary/status", "", nil)
	add("GET", "/../v1/health", "", nil)
	add("GET", "*", "", nil)
	return seeds
}

type fuzzSeed struct {
	method     uint8
	target, ct string
	body       []byte
}

// FuzzNodeHandlers sends fuzzer-chosen requests to a node's handler: it
// must never panic or fail with a server error (its store and ledger are
// healthy), errors must be well-formed envelopes, and the store may change
// only through a PUT that the node accepted, and then only to data that
// verifies.
func FuzzNodeHandlers(f *testing.F) {
	fz := newFuzzNode(f)
	for _, s := range fz.fuzzSeeds() {
		f.Add(s.method, s.target, s.ct, s.body)
	}
	f.Fuzz(func(t *testing.T, method uint8, target, contentType string, body []byte) {
		req, ok := fuzzRequest(method, target, contentType, body)
		if !ok {
			return
		}
		ids := fz.ids
		if id, ok := pathBlobID(req.URL.Path); ok && !slices.Contains(ids, id) {
			ids = append(append([]encoding.BlobID(nil), ids...), id)
		}
		before := takeStoreSnapshot(t, fz.store, fuzzShards, ids)
		rec := httptest.NewRecorder()
		fz.handler.ServeHTTP(rec, req)
		r := apiResponse{code: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
		what := fmt.Sprintf("%s %q (%q, %d bytes)", req.Method, target, contentType, len(body))

		if r.code >= 500 {
			t.Fatalf("%s: server error %d: %q", what, r.code, r.body)
		}
		isJSON := strings.HasPrefix(r.header.Get("Content-Type"), "application/json")
		// The node answers every 400 with an envelope; the mux's own 400
		// (for the target "*") and its 404 and 405 are plain text.
		if r.code >= 400 && (isJSON || r.code == http.StatusBadRequest && req.RequestURI != "*") {
			if _, err := checkErrorEnvelope(r); err != nil {
				t.Fatalf("%s: HTTP %d: %v", what, r.code, err)
			}
		}
		if r.code >= 200 && r.code < 300 && isJSON && req.Method != http.MethodHead {
			expectAPISuccess[any](t, what, r, r.code)
		}

		after := takeStoreSnapshot(t, fz.store, fuzzShards, ids)
		d := before.diff(after)
		if d == "" {
			return
		}
		if req.Method != http.MethodPut || (r.code != http.StatusCreated && r.code != http.StatusAccepted) {
			t.Fatalf("%s: HTTP %d changed the store: %s", what, r.code, d)
		}
		for k, v := range fz.fullEntry {
			if after.entries[k] != v {
				t.Fatalf("%s: HTTP %d changed the fully stored blob: %s", what, r.code, d)
			}
		}
		// Pending slivers are readable only once promoted.
		for _, id := range ids {
			if id != fz.blobs[0].id {
				if err := fz.store.Promote(id); err != nil {
					t.Fatal(err)
				}
			}
		}
		fz.checkStoredData(t, ids)
		fz.reset(t, ids)
	})
}
