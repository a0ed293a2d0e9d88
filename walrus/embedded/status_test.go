package embedded

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/testutil"
	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// isBlobStatusRoute reports whether r is GET /v1/blobs/{id}/status (not a
// metadata or sliver status).
func isBlobStatusRoute(r *http.Request) bool {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return r.Method == http.MethodGet && len(parts) == 4 && parts[0] == "v1" && parts[1] == "blobs" && parts[3] == "status"
}

// wireStatus is what a status looks like after a trip through the node API.
func wireStatus(t *testing.T, st chain.BlobStatus) chain.BlobStatus {
	t.Helper()
	b, err := api.NewBlobStatus(st).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var out api.BlobStatus
	if err := out.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	return out.BlobStatus
}

// TestNodeBlobStatus asks the nodes for the status of permanent, deletable,
// unknown and deleted blobs: the client's answer is the chain's, backed by
// nodes holding more than f shards, also with f shards' nodes down and with
// nodes holding up to f shards lying; liars holding more than f shards do
// win, which shows where the line is.
func TestNodeBlobStatus(t *testing.T) {
	lie := chain.BlobStatus{Exists: true, Invalid: &chain.EventID{TxDigest: "forged", EventSeq: 1}}
	forgedCert := chain.BlobStatus{Exists: true, Permanent: &chain.PermanentStatus{EndEpoch: 1000, IsCertified: true, StatusEvent: chain.EventID{TxDigest: "forged"}}, InitialCertifiedEpoch: new(chain.Epoch)}
	var liars atomic.Value // map[int]chain.BlobStatus
	liars.Store(map[int]chain.BlobStatus{})
	var asked atomic.Int64
	var slowHonest atomic.Bool // honest nodes answer after the liars
	n, c := startNet(t, func(i int, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isBlobStatusRoute(r) {
				asked.Add(1)
				if st, ok := liars.Load().(map[int]chain.BlobStatus)[i]; ok {
					api.WriteSuccess(w, http.StatusOK, api.NewBlobStatus(st))
					return
				}
				if slowHonest.Load() {
					time.Sleep(300 * time.Millisecond)
				}
			}
			h.ServeHTTP(w, r)
		})
	})
	ctx := context.Background()
	ch := n.Chain(chain.Address{})
	com, err := ch.Committee(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := encoding.MaxFaulty(testShards)

	perm, err := c.Store(ctx, testutil.RandomBytes(1, 5000), 3, false)
	if err != nil {
		t.Fatal(err)
	}
	del, err := c.Store(ctx, testutil.RandomBytes(2, 7000), 2, true)
	if err != nil {
		t.Fatal(err)
	}
	gone, err := c.Store(ctx, testutil.RandomBytes(3, 100), 2, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Chain(chain.Address{1}).DeleteBlob(ctx, gone.Object.ID); err != nil {
		t.Fatal(err)
	}
	unknown := blobID(t, []byte("never stored"))

	check := func(label string, want map[encoding.BlobID]string) {
		t.Helper()
		for id, kind := range want {
			got, err := c.NodeBlobStatus(ctx, id)
			if err != nil {
				t.Fatalf("%s: %s: %v", label, id, err)
			}
			onChain, err := ch.BlobStatus(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.BlobStatus, wireStatus(t, onChain)) || api.StatusKind(got.BlobStatus) != kind {
				t.Errorf("%s: %s: nodes say %+v (%s), chain %+v, want %s", label, id, got.BlobStatus, api.StatusKind(got.BlobStatus), onChain, kind)
			}
			if !com.IsValidity(got.Weight) || got.Answered < got.Weight || got.NShards != testShards {
				t.Errorf("%s: %s: backed by %d of %d answering shards", label, id, got.Weight, got.Answered)
			}
		}
	}
	want := map[encoding.BlobID]string{
		perm.BlobID: api.BlobStatusPermanent,
		del.BlobID:  api.BlobStatusDeletable,
		gone.BlobID: api.BlobStatusNonexistent,
		unknown:     api.BlobStatusNonexistent,
	}
	check("all honest", want)
	if st, _ := c.BlobStatus(ctx, perm.BlobID); st.Permanent == nil || !st.Permanent.IsCertified || st.Permanent.EndEpoch != perm.Object.Storage.EndEpoch {
		t.Errorf("permanent blob: %+v", st)
	}
	if st, _ := c.BlobStatus(ctx, del.BlobID); st.DeletableTotal != 1 || st.DeletableCertified != 1 || st.InitialCertifiedEpoch == nil {
		t.Errorf("deletable blob: %+v", st)
	}
	if asked.Load() == 0 {
		t.Fatal("the client did not ask the nodes")
	}

	// Nodes holding at most f shards lie, each in its own way or together:
	// the most advanced lie (invalid) and a forged certificate change
	// nothing.
	coalition := map[int]chain.BlobStatus{}
	weight := 0
	for i := range com.Members {
		if weight+com.Weight(i) > f {
			break
		}
		weight += com.Weight(i)
		coalition[i] = lie
	}
	if len(coalition) < 2 {
		t.Fatalf("want a coalition of two liars within f = %d shards, have %d", f, len(coalition))
	}
	liars.Store(map[int]chain.BlobStatus{0: lie, 1: forgedCert})
	check("two liars", want)
	liars.Store(coalition)
	check("liars holding f shards", want)

	// f shards' nodes down, and one node lying on top (the down ones are
	// the last, the liar the first).
	liars.Store(map[int]chain.BlobStatus{0: forgedCert})
	stopped := stopUpToF(t, n)
	check("f shards down and a liar", want)
	for _, nd := range stopped {
		if err := nd.Restart(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// Liars holding more than f shards can make a status: the rule is no
	// stronger than validity weight. (The honest nodes answer last, so that
	// both statuses are among the first quorum of answers, and the more
	// advanced one wins; had the honest nodes made up a quorum on their own
	// first, the client would have stopped there, as the SDK does.)
	slowHonest.Store(true)
	big := map[int]chain.BlobStatus{}
	weight = 0
	for i := range com.Members {
		big[i] = lie
		if weight += com.Weight(i); weight > f {
			break
		}
	}
	liars.Store(big)
	if got, err := c.BlobStatus(ctx, unknown); err != nil || got.Invalid == nil || got.Invalid.TxDigest != "forged" {
		t.Errorf("liars holding %d > f shards: %+v %v", weight, got, err)
	}

	slowHonest.Store(false)

	// Nodes that disagree with none holding more than f shards: no answer.
	split := map[int]chain.BlobStatus{}
	for i := range com.Members {
		st := forgedCert
		st.Permanent = &chain.PermanentStatus{EndEpoch: chain.Epoch(100 + i), IsCertified: true}
		split[i] = st
	}
	liars.Store(split)
	if got, err := c.BlobStatus(ctx, unknown); !errors.Is(err, client.ErrStatusUnverified) {
		t.Errorf("every node saying something else: %+v %v", got, err)
	}
}

// TestNodeBlobStatusBounded: with a node that never answers, the client
// decides from the others once a quorum has answered, without waiting for it.
func TestNodeBlobStatusBounded(t *testing.T) {
	var hang atomic.Bool
	block := make(chan struct{})
	n, _ := startNet(t, func(i int, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hang.Load() && i == 0 && isBlobStatusRoute(r) {
				select {
				case <-block:
				case <-r.Context().Done():
				}
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	defer close(block)
	ctx := context.Background()
	c := n.Client(chain.Address{1}, client.Options{RequestTimeout: 2 * time.Second, Retries: 1})
	res, err := c.Store(ctx, testutil.RandomBytes(9, 3000), 2, false)
	if err != nil {
		t.Fatal(err)
	}
	hang.Store(true)
	start := time.Now()
	st, err := c.NodeBlobStatus(ctx, res.BlobID)
	if err != nil || st.Permanent == nil || !st.Permanent.IsCertified {
		t.Fatalf("with a hanging node: %+v %v", st, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v: the client waited for the hanging node", d)
	}
}
