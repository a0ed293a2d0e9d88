package node_test

// Tests of what unauthenticated uploads can make a node hold (R6 of the
// 2026-12 review): a sliver body is bounded by the blob's registration on
// the chain, not by pending metadata anyone may upload, and bodies that
// trickle in hold neither memory nor the node.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/embedded"
	"github.com/walrusfs/walrusfs/walrus/node"
)

// hugeBlob is metadata for the largest blob the committee can encode, made
// up: its pair hashes are arbitrary, which is all an attacker needs to
// have its ID.
type hugeBlob struct {
	id     encoding.BlobID
	meta   *encoding.Metadata
	params encoding.Params
	pair   int // a pair whose shard node 0 holds
}

func newHugeBlob(t *testing.T, shards []uint16) hugeBlob {
	t.Helper()
	size, err := encoding.MaxBlobSize(rejectShards)
	if err != nil {
		t.Fatal(err)
	}
	m := &encoding.Metadata{EncodingType: encoding.EncodingRS2, UnencodedLength: size}
	for i := range rejectShards {
		var h encoding.PairHashes
		h.Primary[0], h.Secondary[0] = byte(i), byte(i)+0x80
		m.Pairs = append(m.Pairs, h)
	}
	b := hugeBlob{id: m.BlobID(), meta: m, pair: -1}
	if err := m.Verify(b.id, rejectShards); err != nil {
		t.Fatal(err)
	}
	if b.params, err = m.Params(); err != nil {
		t.Fatal(err)
	}
	held := map[uint16]bool{}
	for _, s := range shards {
		held[s] = true
	}
	for pair := range rejectShards {
		if held[uint16(b.id.ShardForPair(pair, rejectShards))] {
			b.pair = pair
			break
		}
	}
	if b.pair < 0 {
		t.Fatal("node 0 holds no shard")
	}
	return b
}

// register registers the blob on the chain (storage is free on an embedded network).
func (b hugeBlob) register(t *testing.T, n *embedded.Network) {
	t.Helper()
	ctx := context.Background()
	ch := n.Chain(chain.Address{0x42})
	st, err := ch.ReserveStorage(ctx, b.params.EncodedLength(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.RegisterBlob(ctx, st.ID, b.id, b.meta.RootHash(), b.meta.UnencodedLength, encoding.EncodingRS2, false); err != nil {
		t.Fatal(err)
	}
}

func put(t *testing.T, url string, body io.Reader, length int64) apiResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", api.ContentTypeBCS)
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("PUT %s: %v", url, err)
	}
	return readAPIResponse(t, resp)
}

// TestSliverBodyBoundedByTheChain: pending metadata claiming the largest
// blob does not make the node read a sliver body larger than its bound for
// unregistered blobs; once the chain registers the blob, the sliver size it
// implies is the bound.
func TestSliverBodyBoundedByTheChain(t *testing.T) {
	const pendingMax = 64 << 10
	n := startFollowNet(t)
	tn := startTestNode(t, n, testNodeOptions{limits: node.Limits{MaxPendingSliver: pendingMax}})
	b := newHugeBlob(t, tn.node.Shards())
	if b.params.PrimarySliverSize() < 4*pendingMax {
		t.Fatalf("primary sliver of %d bytes: too small for the test", b.params.PrimarySliverSize())
	}
	expectAPISuccess[string](t, "PUT pending metadata", put(t, tn.base+api.MetadataPath(b.id)+"?pending=true", bytes.NewReader(b.meta.MarshalBCS()), -1), http.StatusAccepted)

	sliverURL := tn.base + api.SliverPath(b.id, b.pair, encoding.Primary)
	body := make([]byte, 2*pendingMax)
	expectAPIError(t, "pending sliver announcing more than the bound", put(t, sliverURL+"?pending=true", bytes.NewReader(body), int64(len(body))), http.StatusBadRequest, api.ReasonSliverTooLarge)
	expectAPIError(t, "pending sliver sent chunked past the bound", put(t, sliverURL+"?pending=true", io.MultiReader(bytes.NewReader(body)), -1), http.StatusBadRequest, api.ReasonSliverTooLarge)

	b.register(t, n)
	// Now the node reads the body in full and finds it is no sliver.
	expectAPIError(t, "sliver of a registered blob", put(t, sliverURL, bytes.NewReader(body), int64(len(body))), http.StatusBadRequest, api.ReasonInvalidSliver)
	big := make([]byte, b.params.PrimarySliverSize()+129)
	expectAPIError(t, "sliver past the registered size", put(t, sliverURL, bytes.NewReader(big), int64(len(big))), http.StatusBadRequest, api.ReasonSliverTooLarge)
}

// TestTricklingBodiesHoldNoMemory: 200 connections announce a sliver of the
// largest blob and send one byte a second. The node's heap does not grow
// by what they announce, and every one of them is answered, 408 (too slow)
// or 429 (no room in the body budget), within seconds; the node keeps
// answering others.
func TestTricklingBodiesHoldNoMemory(t *testing.T) {
	const conns = 200
	n := startFollowNet(t)
	tn := startTestNode(t, n, testNodeOptions{
		limits:   node.Limits{BodyBudget: 8 << 20, BodyGrace: 2 * time.Second},
		maxConns: 100, // half of them wait to be accepted
	})
	b := newHugeBlob(t, tn.node.Shards())
	b.register(t, n)
	expectAPISuccess[string](t, "PUT metadata", put(t, tn.base+api.MetadataPath(b.id), bytes.NewReader(b.meta.MarshalBCS()), -1), http.StatusCreated)
	announced := b.params.PrimarySliverSize() + 100
	addr := strings.TrimPrefix(tn.base, "http://")
	head := fmt.Sprintf("PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		api.SliverPath(b.id, b.pair, encoding.Primary), addr, api.ContentTypeBCS, announced)

	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := heap()
	codes := make(chan int, conns)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var open []net.Conn
	defer func() {
		close(stop)
		for _, c := range open {
			c.Close() // ends the reads of those never answered
		}
		wg.Wait()
	}()
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
		wg.Add(2)
		go func() { // one byte a second until the answer
			defer wg.Done()
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				if _, err := c.Write([]byte{0}); err != nil {
					return
				}
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
		}()
		go func() {
			defer wg.Done()
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				codes <- -1
				return
			}
			resp.Body.Close()
			c.Close()
			codes <- resp.StatusCode
		}()
	}

	time.Sleep(1500 * time.Millisecond) // every accepted body is being read
	grown := int64(heap()) - int64(base)
	t.Logf("heap grew by %d KiB", grown>>10)
	if grown > 24<<20 {
		t.Errorf("heap grew by %d MiB with %d bodies of %d KiB announced", grown>>20, conns, announced>>10)
	}
	// The node still answers someone else.
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(tn.base + "/v1/health")
	if err != nil {
		t.Errorf("health during the trickle: %v", err)
	} else {
		resp.Body.Close()
	}

	got := map[int]int{}
	timeout := time.After(40 * time.Second)
	for range conns {
		select {
		case code := <-codes:
			got[code]++
		case <-timeout:
			t.Fatalf("after 40 s, answers %v of %d connections", got, conns)
		}
	}
	t.Logf("answers %v", got)
	if got[http.StatusRequestTimeout]+got[http.StatusTooManyRequests] != conns || got[http.StatusTooManyRequests] == 0 || got[http.StatusRequestTimeout] == 0 {
		t.Errorf("answers %v, want only 408 and 429, both", got)
	}
}
