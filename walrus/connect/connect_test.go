package connect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
	"github.com/walrusfs/walrusfs/chain/sui/wallet"
	"github.com/walrusfs/walrusfs/walrus/netconfig"
)

var discard = slog.New(slog.DiscardHandler)

// noConfigurations hides any Walrus or Sui configuration of the machine.
func noConfigurations(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("SUI_CONFIG_DIR", filepath.Join(home, ".sui"))
	t.Setenv(NetworkEnv, "")
}

// TestOptionsErrors: options that exclude each other, or none with no
// configuration to find, are OptionsErrors; a network file that is
// missing is not.
func TestOptionsErrors(t *testing.T) {
	noConfigurations(t)
	ctx := context.Background()
	_, err := Dial(ctx, Options{Network: "n.yaml", Config: "c.yaml"}, discard)
	if !errors.As(err, new(*OptionsError)) || !strings.Contains(err.Error(), "exclude each other") {
		t.Fatalf("--network with --config: %v", err)
	}
	_, err = Dial(ctx, Options{}, discard)
	if !errors.As(err, new(*OptionsError)) || !errors.Is(err, wallet.ErrNotFound) || !strings.Contains(err.Error(), "$"+NetworkEnv) {
		t.Fatalf("no options: %v", err)
	}
	_, err = Dial(ctx, Options{Network: filepath.Join(t.TempDir(), "missing.yaml")}, discard)
	if err == nil || errors.As(err, new(*OptionsError)) || !strings.HasPrefix(err.Error(), "network configuration: ") {
		t.Fatalf("missing network file: %v", err)
	}

	// $WALRUSFS_NETWORK chooses a devnet, but gives way to Sui options.
	t.Setenv(NetworkEnv, "n.yaml")
	if o := (Options{}); !o.DevnetChosen() || o.SuiChosen() {
		t.Fatal("$WALRUSFS_NETWORK does not choose a devnet")
	}
	if _, err := Dial(ctx, Options{Wallet: filepath.Join(t.TempDir(), "client.yaml")}, discard); errors.As(err, new(*OptionsError)) {
		t.Fatalf("--wallet with $%s set: %v", NetworkEnv, err)
	}
}

// TestDevnet: a devnet's network.yaml dials its ledger, names the network
// by the ledger's URL, and must agree with its committee's shards.
func TestDevnet(t *testing.T) {
	noConfigurations(t)
	com := ledgertest.NewCommittee(t, 4, 8)
	l, _ := ledgertest.Open(t, com.Genesis(), ledger.Options{})
	url := ledgertest.Serve(t, l)
	dir := t.TempDir()
	path := filepath.Join(dir, "network.yaml")
	cfg := &netconfig.Network{Ledger: url, NShards: 8, Account: ledgertest.Address(1)}
	if err := cfg.Write(path); err != nil {
		t.Fatal(err)
	}
	t.Setenv(NetworkEnv, path) // no option: the environment's network
	nw, err := Dial(context.Background(), Options{}, discard)
	if err != nil {
		t.Fatal(err)
	}
	defer nw.Close()
	sum := sha256.Sum256([]byte(url))
	if nw.ID != "net-"+hex.EncodeToString(sum[:6]) || nw.What != path || nw.Owner != cfg.Account || nw.Committee.NShards != 8 || nw.Sui != nil {
		t.Fatalf("network: id %q, what %q, owner %v, %d shards, sui %v", nw.ID, nw.What, nw.Owner, nw.Committee.NShards, nw.Sui)
	}

	cfg.NShards = 10
	if err := cfg.Write(path); err != nil {
		t.Fatal(err)
	}
	if _, err := Dial(context.Background(), Options{Network: path}, discard); err == nil || !strings.Contains(err.Error(), "n_shards 10") {
		t.Fatalf("shards that disagree: %v", err)
	}
}
