package node_test

// Tests that every route of the storage-node API answers malformed or wrong
// requests with the spec's 4xx status and error reason
// (/work/shared/walrus-protocol.md §2), and that no rejected write changes
// what the node's store holds. They run against an embedded network: a real ledger and
// nodes with Badger stores, over HTTP on loopback.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/messages"
	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/embedded"
)

const (
	rejectNodes  = 4
	rejectShards = 10 // f = 3, k_p = 4, k_s = 7
	// rejectBlobSize gives 36-byte symbols: primary slivers of 252 bytes,
	// secondary slivers of 144, so that a sliver of one axis sent for the
	// other still fits the body limit and reaches the index check.
	rejectBlobSize = 1000
)

// rejectNet is an embedded network whose node 0 is under test, with four blobs of
// the same size (so any one's slivers have the sizes the others' expect):
//   - stored: stored by the client as a permanent blob and certified;
//   - deletable: stored by the client as a deletable blob and certified;
//   - registered: registered on the chain as permanent, nothing uploaded;
//   - unregistered: never registered.
type rejectNet struct {
	net     *embedded.Network
	nd      *embedded.Node
	base    string
	account chain.Address
	http    *http.Client
	shards  map[uint16]bool

	stored, deletable, registered, unregistered *encodedTestBlob
	storedObj, deletableObj, registeredObj      chain.Blob
	ids                                         []encoding.BlobID
}

func startRejectNet(t *testing.T) *rejectNet {
	t.Helper()
	ctx := context.Background()
	n, err := embedded.Start(ctx, embedded.Config{Dir: t.TempDir(), Nodes: rejectNodes, NShards: rejectShards})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	f := &rejectNet{
		net: n, nd: n.Nodes[0], base: "http://" + n.Nodes[0].Addr, account: chain.Address{0x42},
		http: &http.Client{Timeout: 20 * time.Second}, shards: map[uint16]bool{},
	}
	for _, s := range f.nd.Node.Shards() {
		f.shards[s] = true
	}
	if len(f.shards) < 2 || len(f.shards) == rejectShards {
		t.Fatalf("node 0 holds %d of %d shards; the tests need some but not all", len(f.shards), rejectShards)
	}
	c := n.Client(f.account, client.Options{RequestTimeout: 10 * time.Second, Retries: 1})
	f.stored = encodeTestBlob(t, rejectShards, patternBytes(1, rejectBlobSize))
	f.deletable = encodeTestBlob(t, rejectShards, patternBytes(2, rejectBlobSize))
	f.registered = encodeTestBlob(t, rejectShards, patternBytes(3, rejectBlobSize))
	f.unregistered = encodeTestBlob(t, rejectShards, patternBytes(4, rejectBlobSize))
	for _, b := range []struct {
		blob      *encodedTestBlob
		deletable bool
		obj       *chain.Blob
	}{{f.stored, false, &f.storedObj}, {f.deletable, true, &f.deletableObj}} {
		res, err := c.Store(ctx, b.blob.data, 5, b.deletable)
		if err != nil {
			t.Fatal(err)
		}
		if res.BlobID != b.blob.id {
			t.Fatalf("client stored blob %s, the encoder says %s", res.BlobID, b.blob.id)
		}
		*b.obj = res.Object
	}
	f.registeredObj = f.register(t, f.registered, false, 5)
	f.ids = []encoding.BlobID{f.stored.id, f.deletable.id, f.registered.id, f.unregistered.id}
	f.settle(t)
	return f
}

// register registers a blob on the chain without uploading anything.
func (f *rejectNet) register(t *testing.T, b *encodedTestBlob, deletable bool, epochs uint32) chain.Blob {
	t.Helper()
	ctx := context.Background()
	ch := f.net.Chain(f.account)
	st, err := ch.ReserveStorage(ctx, b.params.EncodedLength(), epochs)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := ch.RegisterBlob(ctx, st.ID, b.id, b.meta.RootHash(), uint64(len(b.data)), encoding.EncodingRS2, deletable)
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// settle waits until every node has applied every chain event and has no
// recovery queued, so that nothing but requests changes the stores.
func (f *rejectNet) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		next := f.net.Ledger.NextCursor()
		com, err := f.net.Ledger.As(chain.Address{}).Committee(context.Background())
		done := err == nil && !com.Syncing // an epoch change completes with the nodes' reports
		for _, nd := range f.net.Nodes {
			cur, err := nd.Store.Cursor()
			q, err2 := nd.Store.PendingRecoveries()
			if err != nil || err2 != nil || cur < next || len(q) > 0 {
				done = false
			}
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("nodes did not catch up with the chain")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pairs returns the sliver pairs of a blob whose shards node 0 holds,
// and one whose shard it does not hold.
func (f *rejectNet) pairs(b *encodedTestBlob) (owned []int, unowned int) {
	unowned = -1
	for pair := range rejectShards {
		if f.shards[uint16(b.id.ShardForPair(pair, rejectShards))] {
			owned = append(owned, pair)
		} else if unowned < 0 {
			unowned = pair
		}
	}
	return owned, unowned
}

func (f *rejectNet) snapshot(t *testing.T) storeSnapshot {
	t.Helper()
	return takeStoreSnapshot(t, f.nd.Store, rejectShards, f.ids)
}

// apiRequest is one request to the node under test.
type apiRequest struct {
	method, path string
	contentType  string // "" sends none
	body         []byte
	chunked      bool // send the body without Content-Length
}

func (r apiRequest) String() string { return r.method + " " + r.path }

func (f *rejectNet) do(t *testing.T, r apiRequest) apiResponse {
	t.Helper()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
		if r.chunked {
			body = io.MultiReader(body) // hides the length
		}
	}
	req, err := http.NewRequest(r.method, f.base+r.path, body)
	if err != nil {
		t.Fatalf("%s: %v", r, err)
	}
	if r.chunked {
		req.ContentLength = -1
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	resp, err := f.http.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", r, err)
	}
	return readAPIResponse(t, resp)
}

func bcsPut(path string, body []byte) apiRequest {
	return apiRequest{method: http.MethodPut, path: path, contentType: api.ContentTypeBCS, body: body}
}

func get(path string) apiRequest { return apiRequest{method: http.MethodGet, path: path} }

// rejectCase is a request the node must refuse.
type rejectCase struct {
	name   string
	req    apiRequest
	code   int
	reason string
}

// expectRejected sends each case and checks its error and that the store is
// unchanged after it.
func (f *rejectNet) expectRejected(t *testing.T, cases []rejectCase) {
	t.Helper()
	before := f.snapshot(t)
	for _, c := range cases {
		r := f.do(t, c.req)
		expectAPIError(t, c.name+" ("+c.req.String()+")", r, c.code, c.reason)
		if d := before.diff(f.snapshot(t)); d != "" {
			t.Fatalf("%s (%s) changed the store: %s", c.name, c.req, d)
		}
	}
}

// withSuffix returns b with extra bytes.
func withSuffix(b []byte, extra ...byte) []byte { return append(bytes.Clone(b), extra...) }

// flipped returns b with byte i inverted.
func flipped(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0xff
	return c
}

func TestAPIRejectsBadBlobIDs(t *testing.T) {
	f := startRejectNet(t)
	good := f.stored.id.String()
	short := base64.RawURLEncoding.EncodeToString(f.stored.id[:31])
	long := base64.RawURLEncoding.EncodeToString(append(f.stored.id[:], 0))
	badIDs := map[string]string{
		"not base64url":           "not-base64url!",
		"standard alphabet":       "+" + good[1:],
		"31 bytes":                short,
		"33 bytes":                long,
		"3 chars":                 "abc",
		"padding inside":          good[:20] + "=" + good[21:],
		"escaped slash":           good[:20] + "%2F" + good[21:],
		"hex instead of base64":   f.stored.id.Hex(),
		"decimal u256":            f.stored.id.U256(),
		"1000 chars":              strings.Repeat("A", 1000),
		"escaped NUL":             good[:42] + "%00",
		"one character too short": good[:42],
	}
	sliver := f.stored.sliverBCS(encoding.Primary, 0)
	routes := []apiRequest{
		get("/v1/blobs/{id}/metadata"),
		bcsPut("/v1/blobs/{id}/metadata", f.registered.metaBCS),
		bcsPut("/v1/blobs/{id}/metadata?pending=true", f.registered.metaBCS),
		get("/v1/blobs/{id}/metadata/status"),
		get("/v1/blobs/{id}/slivers/0/primary"),
		bcsPut("/v1/blobs/{id}/slivers/0/primary", sliver),
		bcsPut("/v1/blobs/{id}/slivers/0/primary?pending=true", sliver),
		get("/v1/blobs/{id}/slivers/0/secondary/status"),
		get("/v1/blobs/{id}/confirmation/permanent"),
		get(fmt.Sprintf("/v1/blobs/{id}/confirmation/deletable/0x%x", f.deletableObj.ID[:])),
		get("/v1/blobs/{id}/recoverySymbols?targetSliver=0&targetType=primary"),
		{method: http.MethodPost, path: "/v1/blobs/{id}/inconsistencyProof/primary", contentType: api.ContentTypeBCS, body: []byte{0, 0, 0}},
		get("/v1/blobs/{id}/status"),
	}
	var cases []rejectCase
	for name, id := range badIDs {
		for _, r := range routes {
			r.path = strings.Replace(r.path, "{id}", id, 1)
			cases = append(cases, rejectCase{name, r, http.StatusBadRequest, api.ReasonInvalidBlobID})
		}
	}
	f.expectRejected(t, cases)

	// An empty ID is not routed as one: whatever the answer, it is no
	// server fault and changes nothing.
	before := f.snapshot(t)
	for _, r := range routes {
		r.path = strings.Replace(r.path, "{id}", "", 1)
		if got := f.do(t, r); got.code >= 500 || got.code < 300 {
			t.Errorf("%s with an empty blob ID: HTTP %d", r, got.code)
		}
	}
	if d := before.diff(f.snapshot(t)); d != "" {
		t.Fatalf("requests with an empty blob ID changed the store: %s", d)
	}
}

func TestAPIRejectsBadSliverRequests(t *testing.T) {
	f := startRejectNet(t)
	reg := f.registered
	owned, unowned := f.pairs(reg)
	p, q := owned[0], owned[1]
	path := func(pair any, axis any) string {
		return fmt.Sprintf("/v1/blobs/%s/slivers/%v/%v", reg.id, pair, axis)
	}
	primary := reg.sliverBCS(encoding.Primary, p)
	up := mustPairs(f, f.unregistered)[0]

	// Before the metadata: nothing to verify a sliver against.
	f.expectRejected(t, []rejectCase{
		{"registered blob, no metadata yet", bcsPut(path(p, "primary"), primary), 400, api.ReasonMetadataNotFound},
		{"registered blob, no metadata yet, pending", bcsPut(path(p, "secondary")+"?pending=true", reg.sliverBCS(encoding.Secondary, p)), 400, api.ReasonMetadataNotFound},
		{"unregistered blob, no metadata", bcsPut(api.SliverPath(f.unregistered.id, up, encoding.Primary), f.unregistered.sliverBCS(encoding.Primary, up)), 400, api.ReasonMetadataNotFound},
		{"GET before upload", get(path(p, "primary")), 404, api.ReasonSliverNotFound},
	})
	if r := f.do(t, bcsPut(api.MetadataPath(reg.id), reg.metaBCS)); r.code != http.StatusCreated {
		t.Fatalf("PUT metadata of a registered blob: HTTP %d %q", r.code, r.body)
	}

	var cases []rejectCase
	// Pair index out of range or not a number, on every sliver route.
	for _, pair := range []string{"10", "-1", "abc", "1e3", "0x1", "99999999999999999999", "%20" + fmt.Sprint(p), "1.0"} {
		cases = append(cases,
			rejectCase{"GET pair " + pair, get(path(pair, "primary")), 400, api.ReasonIndexOutOfRange},
			rejectCase{"PUT pair " + pair, bcsPut(path(pair, "primary"), primary), 400, api.ReasonIndexOutOfRange},
			rejectCase{"status pair " + pair, get(path(pair, "primary") + "/status"), 400, api.ReasonIndexOutOfRange},
		)
	}
	// Axis neither primary nor secondary.
	for _, axis := range []string{"tertiary", "Primary", "SECONDARY", "0", "1", "primary%20"} {
		cases = append(cases,
			rejectCase{"GET axis " + axis, get(path(p, axis)), 400, api.ReasonInvalidRequest},
			rejectCase{"PUT axis " + axis, bcsPut(path(p, axis), primary), 400, api.ReasonInvalidRequest},
			rejectCase{"status axis " + axis, get(path(p, axis) + "/status"), 400, api.ReasonInvalidRequest},
		)
	}
	// A shard this node does not hold.
	for _, axis := range []encoding.Axis{encoding.Primary, encoding.Secondary} {
		cases = append(cases,
			rejectCase{"GET unassigned shard", get(path(unowned, axis)), 400, api.ReasonShardNotAssigned},
			rejectCase{"PUT unassigned shard", bcsPut(path(unowned, axis), reg.sliverBCS(axis, unowned)), 400, api.ReasonShardNotAssigned},
			rejectCase{"PUT unassigned shard, pending", bcsPut(path(unowned, axis)+"?pending=true", reg.sliverBCS(axis, unowned)), 400, api.ReasonShardNotAssigned},
			rejectCase{"status unassigned shard", get(path(unowned, axis) + "/status"), 400, api.ReasonShardNotAssigned},
		)
	}
	// A sliver whose own index is not the pair's.
	cases = append(cases,
		rejectCase{"primary sliver of another pair", bcsPut(path(p, "primary"), reg.sliverBCS(encoding.Primary, q)), 400, api.ReasonSliverIndexMismatch},
		rejectCase{"primary sliver of an unassigned pair", bcsPut(path(p, "primary"), reg.sliverBCS(encoding.Primary, unowned)), 400, api.ReasonSliverIndexMismatch},
		rejectCase{"secondary sliver of another pair", bcsPut(path(p, "secondary"), reg.sliverBCS(encoding.Secondary, q)), 400, api.ReasonSliverIndexMismatch},
		rejectCase{"secondary sliver sent as primary", bcsPut(path(p, "primary"), reg.sliverBCS(encoding.Secondary, p)), 400, api.ReasonSliverIndexMismatch},
		rejectCase{"primary sliver sent as secondary", bcsPut(path(p, "secondary"), reg.sliverBCS(encoding.Primary, p)), 400, api.ReasonSliverIndexMismatch},
		rejectCase{"sliver index past n", bcsPut(path(p, "primary"), withIndex(t, primary, 500)), 400, api.ReasonSliverIndexMismatch},
	)
	// Malformed BCS.
	for _, axis := range []encoding.Axis{encoding.Primary, encoding.Secondary} {
		valid := reg.sliverBCS(axis, p)
		for name, body := range map[string][]byte{
			"empty body":               {},
			"one byte":                 valid[:1],
			"truncated by one byte":    valid[:len(valid)-1],
			"truncated in the data":    valid[:len(valid)/2],
			"truncated index":          valid[:len(valid)-2],
			"one trailing byte":        withSuffix(valid, 0),
			"trailing bytes":           withSuffix(valid, valid...),
			"length prefix too long":   append([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, valid[2:]...),
			"non-canonical ULEB128":    append([]byte{0x80 | valid[0], 0x80 | valid[1], 0x00}, valid[2:]...),
			"symbol size zero":         withSymbolSize(t, valid, 0),
			"odd symbol size":          withSymbolSize(t, valid, 35),
			"symbols do not fit data":  withSymbolSize(t, valid, 40),
			"text instead of BCS":      []byte("primary sliver, trust me"),
			"JSON instead of BCS":      []byte(`{"data":[1,2,3],"index":0}`),
			"sliver with no data":      (&encoding.Sliver{Index: uint16(encoding.SliverIndex(axis, p, rejectShards)), SymbolSize: 36}).MarshalBCS(),
			"ULEB128 length of 2^63":   append([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, valid[2:]...),
			"ULEB128 length overflows": append(bytes.Repeat([]byte{0xff}, 11), valid[2:]...),
		} {
			reason := api.ReasonInvalidSliver
			if name == "trailing bytes" {
				reason = api.ReasonSliverTooLarge // twice the sliver is over the limit
			}
			cases = append(cases, rejectCase{axis.String() + ": " + name, bcsPut(path(p, axis), body), 400, reason})
		}
	}
	// Too large, with and without Content-Length, even when buffered. The
	// bodies stay under the 256 KiB a Go server drains after an early
	// answer, so the connection is not reset under the client.
	limit := reg.params.PrimarySliverSize() + 128
	big := make([]byte, limit+1)
	bigSliver := (&encoding.Sliver{Index: uint16(p), SymbolSize: 36, Data: make([]byte, 2*reg.params.PrimarySliverSize())}).MarshalBCS()
	for _, r := range []apiRequest{
		bcsPut(path(p, "primary"), big),
		{method: http.MethodPut, path: path(p, "primary"), contentType: api.ContentTypeBCS, body: big, chunked: true},
		{method: http.MethodPut, path: path(p, "primary"), body: bytes.Repeat([]byte{1}, 64<<10), chunked: true},
		bcsPut(path(p, "primary")+"?pending=true", bigSliver),
		bcsPut(path(p, "secondary"), make([]byte, reg.params.SecondarySliverSize()+129)),
	} {
		cases = append(cases, rejectCase{"too large", r, 400, api.ReasonSliverTooLarge})
	}
	// Content types other than BCS.
	for _, ct := range []string{"application/json", "text/plain; charset=utf-8", "multipart/form-data; boundary=x", "application/octet-stream/x", "%%%", "application/x-www-form-urlencoded"} {
		r := bcsPut(path(p, "primary"), primary)
		r.contentType = ct
		cases = append(cases, rejectCase{"content type " + ct, r, 400, api.ReasonInvalidContentType})
	}
	// Well-formed slivers that fail verification against the metadata.
	for _, axis := range []encoding.Axis{encoding.Primary, encoding.Secondary} {
		valid := reg.sliverBCS(axis, p)
		s := reg.sliver(t, axis, p)
		cases = append(cases,
			rejectCase{axis.String() + ": first data byte flipped", bcsPut(path(p, axis), flipped(valid, 2)), 400, api.ReasonInvalidSliver},
			rejectCase{axis.String() + ": last data byte flipped", bcsPut(path(p, axis), flipped(valid, len(valid)-5)), 400, api.ReasonInvalidSliver},
			rejectCase{axis.String() + ": same pair of another blob", bcsPut(path(p, axis), f.unregistered.sliverBCS(axis, p)), 400, api.ReasonInvalidSliver},
			rejectCase{axis.String() + ": same pair of a stored blob", bcsPut(path(p, axis), f.stored.sliverBCS(axis, p)), 400, api.ReasonInvalidSliver},
			rejectCase{axis.String() + ": other blob, pending", bcsPut(path(p, axis)+"?pending=true", f.deletable.sliverBCS(axis, p)), 400, api.ReasonInvalidSliver},
			rejectCase{axis.String() + ": wrong symbol size", bcsPut(path(p, axis), withSymbolSize(t, valid, 18)), 400, api.ReasonInvalidSliver},
			rejectCase{axis.String() + ": one symbol short", bcsPut(path(p, axis), (&encoding.Sliver{Index: s.Index, SymbolSize: s.SymbolSize, Data: s.Data[36:]}).MarshalBCS()), 400, api.ReasonInvalidSliver},
			rejectCase{axis.String() + ": one symbol more", bcsPut(path(p, axis), (&encoding.Sliver{Index: s.Index, SymbolSize: s.SymbolSize, Data: append(bytes.Clone(s.Data), s.Data[:36]...)}).MarshalBCS()), 400, api.ReasonInvalidSliver},
			rejectCase{axis.String() + ": zeroed data", bcsPut(path(p, axis), (&encoding.Sliver{Index: s.Index, SymbolSize: s.SymbolSize, Data: make([]byte, len(s.Data))}).MarshalBCS()), 400, api.ReasonInvalidSliver},
		)
	}
	f.expectRejected(t, cases)

	// The valid slivers are stored; GET returns them and re-sending is a
	// no-op.
	before := f.snapshot(t)
	for _, pair := range owned {
		for _, axis := range []encoding.Axis{encoding.Primary, encoding.Secondary} {
			body := reg.sliverBCS(axis, pair)
			expectAPISuccess[string](t, "PUT valid sliver", f.do(t, apiRequest{method: http.MethodPut, path: path(pair, axis), body: body}), http.StatusCreated)
			expectAPISuccess[string](t, "PUT valid sliver again", f.do(t, bcsPut(path(pair, axis), body)), http.StatusOK)
			r := f.do(t, get(path(pair, axis)))
			if r.code != 200 || !bytes.Equal(r.body, body) || r.header.Get("Content-Type") != api.ContentTypeBCS {
				t.Errorf("GET stored %s sliver of pair %d: HTTP %d, %d bytes, type %q", axis, pair, r.code, len(r.body), r.header.Get("Content-Type"))
			}
			if st := expectAPISuccess[string](t, "sliver status", f.do(t, get(path(pair, axis)+"/status")), 200); st != api.StatusStored {
				t.Errorf("status of a stored sliver: %q", st)
			}
		}
	}
	after := f.snapshot(t)
	if got, want := after.stats.Slivers-before.stats.Slivers, int64(2*len(owned)); got != want {
		t.Errorf("storing %d slivers added %d to the store", want, got)
	}
	// Once stored, a corrupt or foreign copy changes nothing.
	for _, axis := range []encoding.Axis{encoding.Primary, encoding.Secondary} {
		for _, body := range [][]byte{flipped(reg.sliverBCS(axis, p), 3), f.unregistered.sliverBCS(axis, p)} {
			r := f.do(t, bcsPut(path(p, axis), body))
			if r.code != http.StatusOK && r.code != http.StatusBadRequest {
				t.Errorf("PUT of a bad copy of a stored sliver: HTTP %d %q", r.code, r.body)
			}
		}
	}
	if d := after.diff(f.snapshot(t)); d != "" {
		t.Fatalf("a bad copy of a stored sliver changed the store: %s", d)
	}
}

// withIndex re-encodes a BCS sliver with another index.
func withIndex(t *testing.T, b []byte, index uint16) []byte {
	t.Helper()
	s, err := encoding.UnmarshalSliver(encoding.Primary, b)
	if err != nil {
		t.Fatal(err)
	}
	s.Index = index
	return s.MarshalBCS()
}

// withSymbolSize returns a BCS sliver with its symbol size field replaced,
// whatever it then means.
func withSymbolSize(t *testing.T, b []byte, size uint16) []byte {
	t.Helper()
	c := bytes.Clone(b)
	c[len(c)-4], c[len(c)-3] = byte(size), byte(size>>8)
	return c
}

// metadataVariant re-encodes metadata after changing it.
func metadataVariant(m *encoding.Metadata, change func(*encoding.Metadata)) []byte {
	c := &encoding.Metadata{EncodingType: m.EncodingType, UnencodedLength: m.UnencodedLength, Pairs: append([]encoding.PairHashes(nil), m.Pairs...)}
	change(c)
	return c.MarshalBCS()
}

func TestAPIRejectsBadMetadata(t *testing.T) {
	f := startRejectNet(t)
	reg, unreg := f.registered, f.unregistered
	path := api.MetadataPath(reg.id)
	valid := reg.metaBCS
	maxBlob, err := encoding.MaxBlobSize(rejectShards)
	if err != nil {
		t.Fatal(err)
	}
	var cases []rejectCase
	for _, pending := range []string{"", "?pending=true"} {
		add := func(name string, body []byte, reason string) {
			cases = append(cases, rejectCase{name + pending, bcsPut(path+pending, body), 400, reason})
		}
		// Malformed BCS.
		add("empty body", []byte{}, api.ReasonInvalidMetadata)
		add("garbage", []byte("this is not metadata"), api.ReasonInvalidMetadata)
		add("truncated by one byte", valid[:len(valid)-1], api.ReasonInvalidMetadata)
		add("truncated header", valid[:10], api.ReasonInvalidMetadata)
		add("trailing byte", withSuffix(valid, 0), api.ReasonInvalidMetadata)
		add("version 1", append([]byte{1}, valid[1:]...), api.ReasonInvalidMetadata)
		add("Merkle node tag 7", func() []byte { c := bytes.Clone(valid); c[11] = 7; return c }(), api.ReasonInvalidMetadata)
		add("pair count 2^35", append(bytes.Clone(valid[:10]), append([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, valid[11:]...)...), api.ReasonInvalidMetadata)
		add("BlobMetadataWithId instead of BlobMetadata", reg.meta.MarshalBCSWithID(reg.id), api.ReasonInvalidMetadata)
		// Well-formed, but not this blob's.
		add("metadata of an unregistered blob", unreg.metaBCS, api.ReasonInvalidMetadata)
		add("metadata of a stored blob", f.stored.metaBCS, api.ReasonInvalidMetadata)
		add("one pair hash changed", metadataVariant(reg.meta, func(m *encoding.Metadata) { m.Pairs[3].Secondary[0] ^= 1 }), api.ReasonInvalidMetadata)
		add("length plus one", metadataVariant(reg.meta, func(m *encoding.Metadata) { m.UnencodedLength++ }), api.ReasonInvalidMetadata)
		add("length over the maximum", metadataVariant(reg.meta, func(m *encoding.Metadata) { m.UnencodedLength = maxBlob + 1 }), api.ReasonInvalidMetadata)
		add("n-1 pairs", metadataVariant(reg.meta, func(m *encoding.Metadata) { m.Pairs = m.Pairs[:rejectShards-1] }), api.ReasonInvalidMetadata)
		add("n+1 pairs", metadataVariant(reg.meta, func(m *encoding.Metadata) { m.Pairs = append(m.Pairs, m.Pairs[0]) }), api.ReasonInvalidMetadata)
		add("no pairs", metadataVariant(reg.meta, func(m *encoding.Metadata) { m.Pairs = nil }), api.ReasonInvalidMetadata)
		add("metadata for 4 shards", encodeTestBlob(t, 4, reg.data).metaBCS, api.ReasonInvalidMetadata)
		// Unsupported encodings.
		for _, et := range []byte{0, 2, 255} {
			add(fmt.Sprintf("encoding type %d", et), metadataVariant(reg.meta, func(m *encoding.Metadata) { m.EncodingType = et }), api.ReasonUnsupportedEncoding)
		}
		// Wrong content type, oversized body.
		for _, ct := range []string{"application/json", "text/plain", "image/png"} {
			r := bcsPut(path+pending, valid)
			r.contentType = ct
			cases = append(cases, rejectCase{"content type " + ct + pending, r, 400, api.ReasonInvalidContentType})
		}
		huge := withSuffix(valid, make([]byte, 64+66*rejectShards)...)
		add("oversized", huge, api.ReasonInvalidMetadata)
		cases = append(cases, rejectCase{"oversized, chunked" + pending, apiRequest{method: http.MethodPut, path: path + pending, body: huge, chunked: true}, 400, api.ReasonInvalidMetadata})
	}
	// Valid metadata of an unregistered blob, not marked pending.
	for _, q := range []string{"", "?pending=false", "?pending=1", "?pending=TRUE", "?pending"} {
		cases = append(cases, rejectCase{"unregistered blob " + q, bcsPut(api.MetadataPath(unreg.id)+q, unreg.metaBCS), 400, api.ReasonNotRegistered})
	}
	f.expectRejected(t, cases)
	for _, id := range []encoding.BlobID{reg.id, unreg.id} {
		if st := expectAPISuccess[string](t, "metadata status", f.do(t, get(api.MetadataStatusPath(id))), 200); st != api.StatusNonexistent {
			t.Errorf("metadata status of %s after rejected PUTs: %q", id, st)
		}
	}

	// With pending=true it is buffered: 202, status "buffered", not served,
	// and only the pending counters move.
	before := f.snapshot(t)
	expectAPISuccess[string](t, "PUT pending metadata", f.do(t, bcsPut(api.MetadataPath(unreg.id)+"?pending=true", unreg.metaBCS)), http.StatusAccepted)
	after := f.snapshot(t)
	if st := expectAPISuccess[string](t, "metadata status", f.do(t, get(api.MetadataStatusPath(unreg.id))), 200); st != api.StatusBuffered {
		t.Errorf("metadata status after a pending PUT: %q, want %q", st, api.StatusBuffered)
	}
	expectAPIError(t, "GET buffered metadata", f.do(t, get(api.MetadataPath(unreg.id))), 404, api.ReasonMetadataNotFound)
	if after.stats.PendingEntries != before.stats.PendingEntries+1 || after.stats.Blobs != before.stats.Blobs || after.stats.Slivers != before.stats.Slivers {
		t.Errorf("a pending metadata PUT moved the counters from %+v to %+v", before.stats, after.stats)
	}
	// Pending metadata does not open the door to bad slivers, nor to
	// slivers not marked pending.
	owned, _ := f.pairs(unreg)
	sliverPath := api.SliverPath(unreg.id, owned[0], encoding.Primary)
	f.expectRejected(t, []rejectCase{
		{"pending blob, sliver not pending", bcsPut(sliverPath, unreg.sliverBCS(encoding.Primary, owned[0])), 400, api.ReasonNotRegistered},
		{"pending blob, other blob's sliver", bcsPut(sliverPath+"?pending=true", reg.sliverBCS(encoding.Primary, owned[0])), 400, api.ReasonInvalidSliver},
		{"pending blob, flipped sliver", bcsPut(sliverPath+"?pending=true", flipped(unreg.sliverBCS(encoding.Primary, owned[0]), 9)), 400, api.ReasonInvalidSliver},
		{"pending blob, mismatched index", bcsPut(sliverPath+"?pending=true", unreg.sliverBCS(encoding.Primary, owned[1])), 400, api.ReasonSliverIndexMismatch},
		{"pending blob, other metadata", bcsPut(api.MetadataPath(unreg.id)+"?pending=true", reg.metaBCS), 400, api.ReasonInvalidMetadata},
		{"pending blob, confirmation", get(api.PermanentConfirmationPath(unreg.id)), 400, api.ReasonNotRegistered},
	})
	expectAPISuccess[string](t, "PUT pending sliver", f.do(t, bcsPut(sliverPath+"?pending=true", unreg.sliverBCS(encoding.Primary, owned[0]))), http.StatusAccepted)
	if st := expectAPISuccess[string](t, "sliver status", f.do(t, get(sliverPath+"/status")), 200); st == api.StatusStored {
		t.Errorf("a buffered sliver reports %q", st)
	}
	expectAPIError(t, "GET buffered sliver", f.do(t, get(sliverPath)), 404, api.ReasonSliverNotFound)

	// The registered blob's valid metadata is stored: 201, then 200; GET
	// returns BlobMetadataWithId; wrong metadata is still refused.
	expectAPISuccess[string](t, "PUT metadata", f.do(t, apiRequest{method: http.MethodPut, path: path, body: valid}), http.StatusCreated)
	expectAPISuccess[string](t, "PUT metadata again", f.do(t, bcsPut(path, valid)), http.StatusOK)
	if st := expectAPISuccess[string](t, "metadata status", f.do(t, get(api.MetadataStatusPath(reg.id))), 200); st != api.StatusStored {
		t.Errorf("metadata status after PUT: %q", st)
	}
	r := f.do(t, get(path))
	if r.code != 200 || !bytes.Equal(r.body, reg.meta.MarshalBCSWithID(reg.id)) {
		t.Errorf("GET metadata: HTTP %d, %d bytes", r.code, len(r.body))
	}
	f.expectRejected(t, []rejectCase{
		{"other blob's metadata after storing", bcsPut(path, unreg.metaBCS), 400, api.ReasonInvalidMetadata},
		{"unsupported encoding after storing", bcsPut(path, metadataVariant(reg.meta, func(m *encoding.Metadata) { m.EncodingType = 0 })), 400, api.ReasonUnsupportedEncoding},
		{"garbage after storing", bcsPut(path, []byte{0}), 400, api.ReasonInvalidMetadata},
	})
}

type signedConfirmation struct {
	Signed messages.SignedMessage `json:"signed"`
}

// checkConfirmation checks a confirmation response: a success envelope
// whose message the node signed and which confirms want.
func (f *rejectNet) checkConfirmation(t *testing.T, what string, r apiResponse, want messages.StorageConfirmation) {
	t.Helper()
	// The wire form: base64 strings under data.signed.
	var raw struct {
		Success struct {
			Data struct {
				Signed map[string]string `json:"signed"`
			} `json:"data"`
		} `json:"success"`
	}
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatalf("%s: %v: %q", what, err, r.body)
	}
	for _, k := range []string{"serializedMessage", "signature"} {
		if _, err := base64.StdEncoding.DecodeString(raw.Success.Data.Signed[k]); err != nil || raw.Success.Data.Signed[k] == "" {
			t.Errorf("%s: signed.%s is not base64: %q", what, k, raw.Success.Data.Signed[k])
		}
	}
	data := expectAPISuccess[signedConfirmation](t, what, r, http.StatusOK)
	if err := data.Signed.Verify(f.nd.Key.PublicKey()); err != nil {
		t.Errorf("%s: signature does not verify with the node's key: %v", what, err)
	}
	com, err := f.net.Chain(chain.Address{}).Committee(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := data.Signed.Verify(com.Members[f.nd.Index].PublicKey); err != nil {
		t.Errorf("%s: signature does not verify with the committee's key of the node: %v", what, err)
	}
	got, err := messages.ParseStorageConfirmation(data.Signed.Serialized)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	want.Epoch = com.Epoch
	if got != want {
		t.Errorf("%s: confirms %+v, want %+v", what, got, want)
	}
	if !bytes.Equal(data.Signed.Serialized, want.Marshal()) {
		t.Errorf("%s: message %x, want %x", what, data.Signed.Serialized, want.Marshal())
	}
}

func deletablePath(id encoding.BlobID, object string) string {
	return "/v1/blobs/" + id.String() + "/confirmation/deletable/" + object
}

func TestAPIConfirmations(t *testing.T) {
	f := startRejectNet(t)
	reg := f.registered
	hexID := func(o chain.ObjectID) string { return fmt.Sprintf("0x%x", o[:]) }
	randomObj := chain.ObjectID{1, 2, 3}
	f.expectRejected(t, []rejectCase{
		{"unregistered blob", get(api.PermanentConfirmationPath(f.unregistered.id)), 400, api.ReasonNotRegistered},
		{"unregistered blob, waiting", get(api.PermanentConfirmationPath(f.unregistered.id) + "?wait_for_registration=true&wait_millis=10"), 400, api.ReasonNotRegistered},
		{"unregistered blob, deletable", get(api.DeletableConfirmationPath(f.unregistered.id, randomObj)), 400, api.ReasonNotRegistered},
		{"registered blob, nothing stored", get(api.PermanentConfirmationPath(reg.id)), 400, api.ReasonMissingSlivers},
		{"registered permanent blob as deletable", get(api.DeletableConfirmationPath(reg.id, f.registeredObj.ID)), 400, api.ReasonNotRegistered},
		{"stored permanent blob as deletable", get(api.DeletableConfirmationPath(f.stored.id, f.storedObj.ID)), 400, api.ReasonNotRegistered},
		{"deletable blob as permanent", get(api.PermanentConfirmationPath(f.deletable.id)), 400, api.ReasonNotRegistered},
		{"deletable blob, unknown object", get(api.DeletableConfirmationPath(f.deletable.id, randomObj)), 400, api.ReasonNotRegistered},
		{"deletable blob, object of another blob", get(api.DeletableConfirmationPath(f.deletable.id, f.storedObj.ID)), 400, api.ReasonNotRegistered},
		{"deletable object, another blob ID", get(api.DeletableConfirmationPath(f.stored.id, f.deletableObj.ID)), 400, api.ReasonNotRegistered},
		{"deletable object of a blob ID not stored here", get(api.DeletableConfirmationPath(f.unregistered.id, f.deletableObj.ID)), 400, api.ReasonNotRegistered},
		{"object ID too short", get(deletablePath(f.deletable.id, "0x1234")), 400, api.ReasonInvalidRequest},
		{"object ID too long", get(deletablePath(f.deletable.id, hexID(f.deletableObj.ID)+"00")), 400, api.ReasonInvalidRequest},
		{"object ID not hex", get(deletablePath(f.deletable.id, "0x"+strings.Repeat("g", 64))), 400, api.ReasonInvalidRequest},
		{"object ID in base64", get(deletablePath(f.deletable.id, base64.RawURLEncoding.EncodeToString(f.deletableObj.ID[:]))), 400, api.ReasonInvalidRequest},
		{"object ID of odd length", get(deletablePath(f.deletable.id, hexID(f.deletableObj.ID)[:65])), 400, api.ReasonInvalidRequest},
	})

	// Metadata and some slivers are not enough.
	owned, _ := f.pairs(reg)
	expectAPISuccess[string](t, "PUT metadata", f.do(t, bcsPut(api.MetadataPath(reg.id), reg.metaBCS)), http.StatusCreated)
	expectAPIError(t, "metadata only", f.do(t, get(api.PermanentConfirmationPath(reg.id))), 400, api.ReasonMissingSlivers)
	for i, pair := range owned {
		for _, axis := range []encoding.Axis{encoding.Primary, encoding.Secondary} {
			if i == len(owned)-1 && axis == encoding.Secondary {
				break // the very last sliver is still missing
			}
			expectAPISuccess[string](t, "PUT sliver", f.do(t, bcsPut(api.SliverPath(reg.id, pair, axis), reg.sliverBCS(axis, pair))), http.StatusCreated)
		}
	}
	f.expectRejected(t, []rejectCase{{"one sliver missing", get(api.PermanentConfirmationPath(reg.id)), 400, api.ReasonMissingSlivers}})
	last := owned[len(owned)-1]
	expectAPISuccess[string](t, "PUT last sliver", f.do(t, bcsPut(api.SliverPath(reg.id, last, encoding.Secondary), reg.sliverBCS(encoding.Secondary, last))), http.StatusCreated)

	// Happy paths: permanent and deletable, for blobs the client stored and
	// for the one uploaded here.
	before := f.snapshot(t)
	f.checkConfirmation(t, "uploaded permanent blob", f.do(t, get(api.PermanentConfirmationPath(reg.id))), messages.StorageConfirmation{BlobID: reg.id})
	f.checkConfirmation(t, "stored permanent blob", f.do(t, get(api.PermanentConfirmationPath(f.stored.id))), messages.StorageConfirmation{BlobID: f.stored.id})
	f.checkConfirmation(t, "stored deletable blob", f.do(t, get(api.DeletableConfirmationPath(f.deletable.id, f.deletableObj.ID))),
		messages.StorageConfirmation{BlobID: f.deletable.id, Deletable: true, ObjectID: f.deletableObj.ID})
	if d := before.diff(f.snapshot(t)); d != "" {
		t.Errorf("confirmations changed the store: %s", d)
	}
}

// TestAPIConfirmationOfExpiredBlob: once a blob's storage has ended, the node
// no longer confirms it, permanent or deletable ("the specific object ID must
// be registered and alive", §2).
func TestAPIConfirmationOfExpiredBlob(t *testing.T) {
	f := startRejectNet(t)
	ctx := context.Background()
	c := f.net.Client(f.account, client.Options{RequestTimeout: 10 * time.Second, Retries: 1})
	perm, err := c.Store(ctx, patternBytes(10, 300), 1, false)
	if err != nil {
		t.Fatal(err)
	}
	del, err := c.Store(ctx, patternBytes(11, 300), 1, true)
	if err != nil {
		t.Fatal(err)
	}
	f.checkConfirmation(t, "permanent blob in its epoch", f.do(t, get(api.PermanentConfirmationPath(perm.BlobID))), messages.StorageConfirmation{BlobID: perm.BlobID})
	f.checkConfirmation(t, "deletable blob in its epoch", f.do(t, get(api.DeletableConfirmationPath(del.BlobID, del.Object.ID))),
		messages.StorageConfirmation{BlobID: del.BlobID, Deletable: true, ObjectID: del.Object.ID})

	if _, err := f.net.Ledger.AdvanceEpoch(ctx, nil); err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		h := expectAPISuccess[api.ServiceHealth](t, "health", f.do(t, get(api.HealthPath)), 200)
		if h.Epoch == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node still in epoch %d", h.Epoch)
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.ids = append(f.ids, perm.BlobID, del.BlobID)
	f.expectRejected(t, []rejectCase{
		{"expired permanent blob", get(api.PermanentConfirmationPath(perm.BlobID)), 400, api.ReasonNotRegistered},
		{"expired deletable blob", get(api.DeletableConfirmationPath(del.BlobID, del.Object.ID)), 400, api.ReasonNotRegistered},
	})
	// Blobs stored for 5 epochs are still confirmed, in the new epoch.
	f.checkConfirmation(t, "live permanent blob", f.do(t, get(api.PermanentConfirmationPath(f.stored.id))), messages.StorageConfirmation{BlobID: f.stored.id})
	f.checkConfirmation(t, "live deletable blob", f.do(t, get(api.DeletableConfirmationPath(f.deletable.id, f.deletableObj.ID))),
		messages.StorageConfirmation{BlobID: f.deletable.id, Deletable: true, ObjectID: f.deletableObj.ID})
}

func TestAPIRecoveryAndInconsistencyRequests(t *testing.T) {
	f := startRejectNet(t)
	st := f.stored
	rs := func(q string) apiRequest { return get(api.RecoverySymbolsPath(st.id) + q) }
	proofPath := api.InconsistencyProofPath(st.id, encoding.Primary)
	post := func(path string, body []byte) apiRequest {
		return apiRequest{method: http.MethodPost, path: path, contentType: api.ContentTypeBCS, body: body}
	}

	// Genuine recovery symbols for primary sliver 0, from every node: a
	// proof made of them is well-formed but shows no inconsistency.
	var syms []encoding.RecoverySymbol
	seen := map[uint16]bool{}
	for _, nd := range f.net.Nodes {
		resp, err := f.http.Get("http://" + nd.Addr + api.RecoverySymbolsPath(st.id) + "?targetSliver=0&targetType=primary")
		if err != nil {
			t.Fatal(err)
		}
		r := readAPIResponse(t, resp)
		if r.code != 200 {
			t.Fatalf("recovery symbols from %s: HTTP %d %q", nd.Name, r.code, r.body)
		}
		got, err := encoding.UnmarshalRecoverySymbols(r.body)
		if err != nil {
			t.Fatal(err)
		}
		if nd == f.nd && len(got) != len(f.shards) {
			t.Errorf("node under test sent %d recovery symbols, holds %d shards", len(got), len(f.shards))
		}
		for i := range got {
			if err := encoding.VerifyRecoverySymbol(st.meta, encoding.Primary, 0, &got[i]); err != nil {
				t.Errorf("recovery symbol from %s: %v", nd.Name, err)
			}
			if !seen[got[i].Symbol.Index] {
				seen[got[i].Symbol.Index] = true
				syms = append(syms, got[i])
			}
		}
	}
	p := st.params
	if len(syms) < p.SecondarySymbols {
		t.Fatalf("%d distinct recovery symbols, need %d", len(syms), p.SecondarySymbols)
	}
	consistent := (&encoding.InconsistencyProof{Target: encoding.Primary, TargetIndex: 0, Symbols: syms[:p.SecondarySymbols]}).MarshalBCS()
	tooFew := (&encoding.InconsistencyProof{Target: encoding.Primary, TargetIndex: 0, Symbols: syms[:p.SecondarySymbols-1]}).MarshalBCS()
	dup := append(append([]encoding.RecoverySymbol(nil), syms[:p.SecondarySymbols-1]...), syms[0])
	duplicated := (&encoding.InconsistencyProof{Target: encoding.Primary, TargetIndex: 0, Symbols: dup}).MarshalBCS()
	forged := append([]encoding.RecoverySymbol(nil), syms[:p.SecondarySymbols]...)
	forged[0].Symbol.Data = bytes.Clone(forged[0].Symbol.Data)
	forged[0].Symbol.Data[0] ^= 1
	forgedProof := (&encoding.InconsistencyProof{Target: encoding.Primary, TargetIndex: 0, Symbols: forged}).MarshalBCS()
	wrongTarget := (&encoding.InconsistencyProof{Target: encoding.Primary, TargetIndex: 1, Symbols: syms[:p.SecondarySymbols]}).MarshalBCS()

	cases := []rejectCase{
		{"no query", rs(""), 400, api.ReasonInvalidRequest},
		{"no target type", rs("?targetSliver=0"), 400, api.ReasonInvalidRequest},
		{"no target sliver", rs("?targetType=primary"), 400, api.ReasonIndexOutOfRange},
		{"empty target sliver", rs("?targetType=primary&targetSliver="), 400, api.ReasonIndexOutOfRange},
		{"target type tertiary", rs("?targetSliver=0&targetType=tertiary"), 400, api.ReasonInvalidRequest},
		{"target type capitalised", rs("?targetSliver=0&targetType=Primary"), 400, api.ReasonInvalidRequest},
		{"target sliver not a number", rs("?targetSliver=abc&targetType=primary"), 400, api.ReasonIndexOutOfRange},
		{"target sliver negative", rs("?targetSliver=-1&targetType=primary"), 400, api.ReasonIndexOutOfRange},
		{"target sliver n", rs("?targetSliver=10&targetType=secondary"), 400, api.ReasonIndexOutOfRange},
		{"target sliver 2^16", rs("?targetSliver=65536&targetType=secondary"), 400, api.ReasonIndexOutOfRange},
		{"target sliver huge", rs("?targetSliver=99999999999999999999999&targetType=secondary"), 400, api.ReasonIndexOutOfRange},
		{"symbol IDs only", rs("?id=0-1&id=2-3"), 400, api.ReasonInvalidRequest},
		{"unknown blob", get(api.RecoverySymbolsPath(f.unregistered.id) + "?targetSliver=0&targetType=primary"), 404, api.ReasonMetadataNotFound},
		{"registered blob without metadata", get(api.RecoverySymbolsPath(f.registered.id) + "?targetSliver=0&targetType=primary"), 404, api.ReasonMetadataNotFound},

		{"proof: garbage", post(proofPath, []byte("garbage garbage garbage")), 400, api.ReasonInvalidProof},
		{"proof: empty", post(proofPath, []byte{}), 400, api.ReasonInvalidProof},
		{"proof: no symbols", post(proofPath, []byte{0, 0, 0}), 400, api.ReasonInvalidProof},
		{"proof: huge symbol count", post(proofPath, []byte{0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}), 400, api.ReasonInvalidProof},
		{"proof: truncated", post(proofPath, consistent[:len(consistent)-1]), 400, api.ReasonInvalidProof},
		{"proof: trailing byte", post(proofPath, withSuffix(consistent, 0)), 400, api.ReasonInvalidProof},
		{"proof: too few symbols", post(proofPath, tooFew), 400, api.ReasonInvalidProof},
		{"proof: duplicated symbol", post(proofPath, duplicated), 400, api.ReasonInvalidProof},
		{"proof: forged symbol", post(proofPath, forgedProof), 400, api.ReasonInvalidProof},
		{"proof: symbols of another target", post(proofPath, wrongTarget), 400, api.ReasonInvalidProof},
		{"proof: consistent blob", post(proofPath, consistent), 400, api.ReasonInvalidProof},
		{"proof: symbols for the other axis", post(api.InconsistencyProofPath(st.id, encoding.Secondary), consistent), 400, api.ReasonInvalidProof},
		{"proof: oversized", post(proofPath, make([]byte, 64<<10)), 400, api.ReasonInvalidProof},
		{"proof: oversized, chunked", apiRequest{method: http.MethodPost, path: proofPath, body: make([]byte, 64<<10), chunked: true}, 400, api.ReasonInvalidProof},
		{"proof: JSON", apiRequest{method: http.MethodPost, path: proofPath, contentType: "application/json", body: consistent}, 400, api.ReasonInvalidContentType},
		{"proof: bad axis", post("/v1/blobs/"+st.id.String()+"/inconsistencyProof/tertiary", consistent), 400, api.ReasonInvalidRequest},
		{"proof: unknown blob", post(api.InconsistencyProofPath(f.unregistered.id, encoding.Primary), consistent), 400, api.ReasonMetadataNotFound},
	}
	f.expectRejected(t, cases)

	// A valid request: one symbol per shard held, each verifying.
	r := f.do(t, rs("?targetSliver=3&targetType=secondary"))
	if r.code != 200 || r.header.Get("Content-Type") != api.ContentTypeBCS {
		t.Fatalf("recovery symbols: HTTP %d %q", r.code, r.body)
	}
	got, err := encoding.UnmarshalRecoverySymbols(r.body)
	if err != nil || len(got) != len(f.shards) {
		t.Fatalf("recovery symbols: %d, %v", len(got), err)
	}
	for i := range got {
		if err := encoding.VerifyRecoverySymbol(st.meta, encoding.Secondary, 3, &got[i]); err != nil {
			t.Error(err)
		}
	}
}

func TestAPIReadsOfUnknownBlobsHealthAndStatus(t *testing.T) {
	f := startRejectNet(t)
	owned, unowned := f.pairs(f.unregistered)
	regOwned, _ := f.pairs(f.registered)
	f.expectRejected(t, []rejectCase{
		{"metadata of an unknown blob", get(api.MetadataPath(f.unregistered.id)), 404, api.ReasonMetadataNotFound},
		{"metadata of a registered blob not uploaded", get(api.MetadataPath(f.registered.id)), 404, api.ReasonMetadataNotFound},
		{"primary sliver of an unknown blob", get(api.SliverPath(f.unregistered.id, owned[0], encoding.Primary)), 404, api.ReasonSliverNotFound},
		{"secondary sliver of an unknown blob", get(api.SliverPath(f.unregistered.id, owned[0], encoding.Secondary)), 404, api.ReasonSliverNotFound},
		{"sliver of a registered blob not uploaded", get(api.SliverPath(f.registered.id, regOwned[0], encoding.Secondary)), 404, api.ReasonSliverNotFound},
		{"unassigned sliver of an unknown blob", get(api.SliverPath(f.unregistered.id, unowned, encoding.Primary)), 400, api.ReasonShardNotAssigned},
	})

	// Methods and routes the API does not have: refused, no server fault,
	// nothing changes.
	before := f.snapshot(t)
	for _, r := range []apiRequest{
		{method: http.MethodDelete, path: api.MetadataPath(f.stored.id)},
		{method: http.MethodPost, path: api.MetadataPath(f.stored.id), contentType: api.ContentTypeBCS, body: f.stored.metaBCS},
		{method: http.MethodPatch, path: api.SliverPath(f.stored.id, 0, encoding.Primary), body: []byte{1}},
		{method: http.MethodDelete, path: api.SliverPath(f.stored.id, owned[0], encoding.Primary)},
		{method: http.MethodPut, path: api.PermanentConfirmationPath(f.stored.id), body: []byte{1}},
		{method: http.MethodGet, path: api.InconsistencyProofPath(f.stored.id, encoding.Primary)},
		{method: http.MethodGet, path: "/v1/blobs"},
		{method: http.MethodGet, path: "/v1/blobs/" + f.stored.id.String()},
		{method: http.MethodGet, path: "/v2/health"},
		{method: http.MethodGet, path: "/v1/blobs/" + f.stored.id.String() + "/slivers/0"},
		{method: http.MethodGet, path: "/v1/blobs/" + f.stored.id.String() + "/slivers/0/primary/status/x"},
		{method: http.MethodHead, path: api.MetadataPath(f.unregistered.id)},
	} {
		got := f.do(t, r)
		if got.code < 400 || got.code >= 500 {
			t.Errorf("%s: HTTP %d, want a 4xx", r, got.code)
		}
	}
	if d := before.diff(f.snapshot(t)); d != "" {
		t.Fatalf("requests outside the API changed the store: %s", d)
	}

	// Health: a JSON envelope with the node's epoch, key, shards (all
	// ready once the node settled) and event cursor.
	h := expectAPISuccess[api.ServiceHealth](t, "health", f.do(t, get(api.HealthPath)), 200)
	cursor, err := f.nd.Store.Cursor()
	if err != nil {
		t.Fatal(err)
	}
	wantShards := api.ShardSummary{Owned: len(f.shards), OwnedShardStatus: api.OwnedShardStatus{Ready: len(f.shards)}}
	if h.Epoch != 0 || h.PublicKey != f.nd.Key.PublicKey().String() || h.NodeStatus != api.NodeStatusActive || h.Uptime.Duration() <= 0 ||
		h.ShardSummary != wantShards || h.ShardDetail != nil || h.EventProgress.Persisted != uint64(cursor) || cursor == 0 ||
		h.EventProgress.HighestFinishedEventIndex == nil || *h.EventProgress.HighestFinishedEventIndex != uint64(cursor)-1 {
		t.Errorf("health: %+v", h)
	}
	h = expectAPISuccess[api.ServiceHealth](t, "detailed health", f.do(t, get(api.HealthPath+"?detailed=true")), 200)
	if h.ShardDetail == nil || len(h.ShardDetail.Owned) != len(f.shards) || len(h.ShardDetail.Other) != 0 {
		t.Errorf("detailed health: %+v", h.ShardDetail)
	} else {
		for _, sh := range h.ShardDetail.Owned {
			if !f.shards[sh.Shard] || sh.Status != api.ShardReady {
				t.Errorf("detailed health: shard %d %s", sh.Shard, sh.Status)
			}
		}
	}

	// Blob status: JSON envelopes in Walrus's enum form.
	status := func(id encoding.BlobID) (api.BlobStatus, string) {
		r := f.do(t, get(api.BlobStatusPath(id)))
		st := expectAPISuccess[api.BlobStatus](t, "blob status", r, 200)
		raw := expectAPISuccess[json.RawMessage](t, "blob status", r, 200)
		return st, string(raw)
	}
	if st, raw := status(f.unregistered.id); st.Exists || raw != `"nonexistent"` {
		t.Errorf("status of an unknown blob: %+v %s", st, raw)
	}
	if st, raw := status(f.stored.id); st.Permanent == nil || !st.Permanent.IsCertified || st.Permanent.EndEpoch != 5 || !strings.HasPrefix(raw, `{"permanent":`) {
		t.Errorf("status of a stored permanent blob: %+v %s", st, raw)
	}
	if st, raw := status(f.registered.id); st.Permanent == nil || st.Permanent.IsCertified || !strings.HasPrefix(raw, `{"permanent":`) {
		t.Errorf("status of a registered blob: %+v %s", st, raw)
	}
	if st, raw := status(f.deletable.id); st.Permanent != nil || st.DeletableTotal != 1 || st.DeletableCertified != 1 || !strings.HasPrefix(raw, `{"deletable":`) {
		t.Errorf("status of a deletable blob: %+v %s", st, raw)
	}
	// Stored-on-node statuses.
	for _, c := range []struct {
		path, want string
	}{
		{api.MetadataStatusPath(f.stored.id), api.StatusStored},
		{api.MetadataStatusPath(f.unregistered.id), api.StatusNonexistent},
		{api.SliverStatusPath(f.stored.id, mustPairs(f, f.stored)[0], encoding.Secondary), api.StatusStored},
		{api.SliverStatusPath(f.unregistered.id, owned[0], encoding.Primary), api.StatusNonexistent},
	} {
		if got := expectAPISuccess[string](t, c.path, f.do(t, get(c.path)), 200); got != c.want {
			t.Errorf("%s: %q, want %q", c.path, got, c.want)
		}
	}
}

func mustPairs(f *rejectNet, b *encodedTestBlob) []int {
	owned, _ := f.pairs(b)
	return owned
}
