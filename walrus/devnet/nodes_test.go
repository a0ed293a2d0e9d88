package devnet

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/wallet"
	"github.com/walrusfs/walrusfs/protocol/bls"
)

// makeNode creates dir/name with a key, and an address file when addr is
// set.
func makeNode(t *testing.T, dir, name, addr string) *bls.PrivateKey {
	t.Helper()
	d := filepath.Join(dir, name)
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	key, err := bls.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeKey(d, key); err != nil {
		t.Fatal(err)
	}
	if addr != "" {
		if err := os.WriteFile(filepath.Join(d, CandidateAddressFile), []byte(addr+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return key
}

func TestListNodesFindsMembersByKeyThenCandidates(t *testing.T) {
	dir := t.TempDir()
	k0 := makeNode(t, dir, "node-0", "")
	k1 := makeNode(t, dir, "node-1", "")
	k2 := makeNode(t, dir, "node-2", "127.0.0.1:9002")
	// A directory with an address but no key is not a node yet.
	if err := os.MkdirAll(filepath.Join(dir, "node-3"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "node-3", CandidateAddressFile), []byte("127.0.0.1:9003\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Member 0 is node-1: node-0 left and joined again later.
	com := &chain.Committee{NShards: 10, Members: []chain.Node{
		{Name: "node-1", Address: "127.0.0.1:9001", PublicKey: k1.PublicKey(), Shards: []uint16{0, 1, 2}},
		{Name: "node-0", Address: "127.0.0.1:9000", PublicKey: k0.PublicKey(), Shards: []uint16{3}},
	}}
	nodes, err := listNodes(dir, com)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, nd := range nodes {
		got = append(got, fmt.Sprintf("%d %s %s %d", nd.index, nd.name, nd.addr, nd.shards))
	}
	want := []string{"0 node-1 127.0.0.1:9001 3", "1 node-0 127.0.0.1:9000 1", "-1 node-2 127.0.0.1:9002 0"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("nodes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if c := nodes[2].member; c.PublicKey != k2.PublicKey() || c.Address != "127.0.0.1:9002" || c.Name != "node-2" {
		t.Errorf("candidate's member = %+v", c)
	}

	// Known candidates are not listed again.
	if c := candidates(dir, map[string]bool{filepath.Join(dir, "node-2"): true}); len(c) != 0 {
		t.Errorf("candidates listed a known node: %s", c[0].name)
	}
}

func TestListNodesWithoutAMembersKey(t *testing.T) {
	dir := t.TempDir()
	makeNode(t, dir, "node-0", "")
	other, err := bls.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	com := &chain.Committee{NShards: 1, Members: []chain.Node{{Name: "node-9", PublicKey: other.PublicKey()}}}
	if _, err := listNodes(dir, com); err == nil || !strings.Contains(err.Error(), "member 0 (node-9)") {
		t.Errorf("err = %v, want one naming member 0", err)
	}
}

func TestAssignMetricsPorts(t *testing.T) {
	nodes := []*storageNode{{}, {}, {}}
	if err := assignMetricsPorts(nodes, 7000); err != nil {
		t.Fatal(err)
	}
	for i, nd := range nodes {
		if want := fmt.Sprintf("127.0.0.1:%d", 7000+1+3+i); nd.metrics != want {
			t.Errorf("node %d metrics at %s, want %s", i, nd.metrics, want)
		}
	}
	if err := assignMetricsPorts(nodes[:1], 0); err != nil {
		t.Fatal(err)
	}
	if m := nodes[0].metrics; !strings.HasPrefix(m, "127.0.0.1:") || m == "127.0.0.1:7004" {
		t.Errorf("free metrics port = %s", m)
	}
}

func TestPrintSummary(t *testing.T) {
	var b bytes.Buffer
	printSummary(&b, summary{dir: "/d", networkFile: "/d/network.yaml", ledgerURL: "http://l", faceURL: "http://f",
		files: wallet.DevnetFiles{ClientConfig: "/d/client_config.yaml", Wallet: "/d/sui/client.yaml"}, context: "devnet",
		metrics: "127.0.0.1:9", com: &chain.Committee{NShards: 10, Epoch: 2},
		nodes:   []*storageNode{{name: "node-0", addr: "127.0.0.1:1", shards: 10, metrics: "127.0.0.1:2", proc: &nodeProcess{pid: 42}}},
		created: true})
	want := `walrusfs devnet: 1 nodes, 10 shards (f = 3), epoch 2, created in /d
  ledger   http://l
  metrics  http://127.0.0.1:9/metrics
  network  /d/network.yaml
  sui      http://f (Sui gRPC v2 and gRPC-Web)
  config   /d/client_config.yaml (context "devnet"; wallet /d/sui/client.yaml)
  node-0   http://127.0.0.1:1   10 shards  pid 42      metrics http://127.0.0.1:2/metrics
Try: walrusfs store --config /d/client_config.yaml FILE
Stop with Ctrl-C (SIGINT) or SIGTERM.
`
	if b.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", b.String(), want)
	}
}
