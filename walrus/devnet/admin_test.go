package devnet

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/walrus/netconfig"
	"github.com/walrusfs/walrusfs/walrus/nodekeys"
)

// runningLedger creates a network of nodes nodes and 8 shards in a new
// directory and serves its ledger as a running devnet would, without the
// node processes: what Admin needs.
func runningLedger(t *testing.T, nodes int) string {
	t.Helper()
	dir := t.TempDir()
	lopts := ledger.Options{Logger: slog.New(slog.DiscardHandler)}
	l, held, err := create(dir, Options{Nodes: nodes, Shards: 8, Log: slog.New(slog.DiscardHandler)}, lopts)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(held)
	t.Cleanup(func() { l.Close() })
	token, err := ledger.NewAdminToken(filepath.Join(dir, "ledger", ledger.AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ledger.NewHandler(l, ledger.HandlerOptions{AdminToken: token}))
	t.Cleanup(srv.Close)
	cfg := &netconfig.Network{Ledger: srv.URL, NShards: 8, Account: nodekeys.DevnetClientAccount(l.ChainID()), ChainID: l.ChainID()}
	if err := cfg.Write(filepath.Join(dir, NetworkFile)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestOpenAdminWithoutARunningDevnet(t *testing.T) {
	_, err := OpenAdmin(testContext(t), t.TempDir())
	if err == nil || !strings.HasPrefix(err.Error(), "is the devnet running? ") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want one asking whether the devnet runs", err)
	}
}

func TestAdminLeaveAndStake(t *testing.T) {
	dir := runningLedger(t, 2)
	ctx := testContext(t)
	a, err := OpenAdmin(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}

	var ne *NodeError
	if err := a.Leave(ctx, 7); !errors.As(err, &ne) || ne.Node != 7 || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Leave(7) = %v, want a NodeError for a missing key", err)
	}
	if err := a.SetStake(ctx, 7, 1); !errors.As(err, &ne) || ne.Node != 7 {
		t.Errorf("SetStake(7) = %v, want a NodeError", err)
	}

	if err := a.Leave(ctx, 0); err != nil {
		t.Fatalf("Leave(0): %v", err)
	}
	com, err := a.AdvanceEpoch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(com.Members) != 1 || com.Members[0].Name != "node-1" || len(com.Members[0].Shards) != 8 {
		t.Fatalf("committee after node-0 left: %+v", com.Members)
	}

	// A new Admin sees the committee of one, which cannot lose its member.
	a, err = OpenAdmin(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Leave(ctx, 1); !errors.Is(err, ErrLastMember) {
		t.Errorf("Leave(1) = %v, want ErrLastMember", err)
	}
	if err := a.Leave(ctx, 0); !errors.As(err, &ne) || ne.Node != 0 {
		t.Errorf("Leave(0) of a non-member = %v, want a NodeError", err)
	}

	// Staking node-0 again brings it back.
	if err := a.SetStake(ctx, 0, 4*ledger.DefaultStakePerShard); err != nil {
		t.Fatalf("SetStake(0): %v", err)
	}
	if com, err = a.AdvanceEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	if len(com.Members) != 2 {
		t.Errorf("committee after node-0 staked again: %+v", com.Members)
	}
}

func TestAdminJoin(t *testing.T) {
	dir := runningLedger(t, 2)
	ctx := testContext(t)
	a, err := OpenAdmin(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	j, err := a.Join(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if j.Node.Name != "node-2" || j.Stake != 4*ledger.DefaultStakePerShard {
		t.Errorf("joined %s with stake %d, want node-2 with the average member's", j.Node.Name, j.Stake)
	}
	key, err := a.NodeKey(2)
	if err != nil {
		t.Fatal(err)
	}
	if key.PublicKey() != j.Node.PublicKey || j.Node.ID != ledger.NodeID(key.PublicKey()) {
		t.Error("the joined node's key is not the one in node-2")
	}
	addr, err := os.ReadFile(filepath.Join(dir, "node-2", CandidateAddressFile))
	if err != nil || string(addr) != j.Node.Address+"\n" {
		t.Errorf("candidate address file = %q, %v; want %q", addr, err, j.Node.Address)
	}
	com, err := a.AdvanceEpoch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(com.Members) != 3 {
		t.Errorf("committee after node-2 joined: %+v", com.Members)
	}
}
