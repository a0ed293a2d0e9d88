package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/connect"
	"github.com/walrusfs/walrusfs/walrus/embedded"
)

// noIndexChain is a chain that, like Sui, cannot look blob IDs up.
type noIndexChain struct{ chain.Chain }

func (noIndexChain) BlobStatus(context.Context, encoding.BlobID) (chain.BlobStatus, error) {
	return chain.BlobStatus{}, fmt.Errorf("sui: blob status: %w", chain.ErrUnsupported)
}

// TestBlobStatusFromNodes: where the chain cannot look a blob ID up,
// blob-status asks the storage nodes and says so; where it can, the output
// is the chain's, as before.
func TestBlobStatusFromNodes(t *testing.T) {
	ctx := context.Background()
	n, err := embedded.Start(ctx, embedded.Config{Dir: t.TempDir(), Nodes: 4, NShards: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	res, err := n.Client(chain.Address{1}, client.Options{}).Store(ctx, []byte("status from the nodes"), 3, false)
	if err != nil {
		t.Fatal(err)
	}
	com, err := n.Chain(chain.Address{}).Committee(ctx)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()

	direct, err := lookupBlobStatus(cctx, log, &connect.Network{Chain: n.Chain(chain.Address{}), Committee: com}, res.BlobID)
	if err != nil || direct.Source != nil || direct.Status != "certified" {
		t.Fatalf("from the chain: %+v %v", direct, err)
	}
	var text bytes.Buffer
	printBlobStatus(&text, direct)
	if strings.Contains(text.String(), "storage nodes") {
		t.Errorf("a chain's status claims to come from the nodes:\n%s", text.String())
	}

	nw := &connect.Network{Chain: noIndexChain{n.Chain(chain.Address{})}, Committee: com}
	out, err := lookupBlobStatus(cctx, log, nw, res.BlobID)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != "certified" || out.Source == nil || out.Source.From != "storageNodes" || out.Source.NShards != 10 || !com.IsValidity(out.Source.AgreeingShards) {
		t.Fatalf("from the nodes: %+v %+v", out, out.Source)
	}
	if out.Permanent == nil || out.Permanent.EndEpoch != res.Object.Storage.EndEpoch || *out.Permanent != *direct.Permanent {
		t.Errorf("the nodes say %+v, the chain %+v", out.Permanent, direct.Permanent)
	}
	text.Reset()
	printBlobStatus(&text, out)
	for _, want := range []string{"status:         certified", "source:         storage nodes", "permanent:      certified"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}
	var js bytes.Buffer
	writeJSONLine(&js, out)
	var m map[string]any
	if err := json.Unmarshal(js.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	src, _ := m["source"].(map[string]any)
	if m["status"] != "certified" || m["exists"] != true || src["from"] != "storageNodes" || m["permanent"] == nil {
		t.Errorf("JSON output: %s", js.String())
	}

	unknown, err := lookupBlobStatus(cctx, log, nw, encoding.BlobID{7})
	if err != nil || unknown.Status != "nonexistent" || unknown.Source == nil {
		t.Errorf("unknown blob from the nodes: %+v %v", unknown, err)
	}
}
