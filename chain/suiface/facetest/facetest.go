// Package facetest starts, for tests, a local Walrus network whose ledger is
// served as Sui by chain/suiface, with a funded wallet key.
package facetest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/suiface"
	"github.com/walrusfs/walrusfs/internal/grpcweb"
	"github.com/walrusfs/walrusfs/walrus/embedded"
)

// What the funded key gets at genesis.
const (
	GrantSUI = 100_000_000_000 // 100 SUI, in MIST
	GrantWAL = 500_000_000_000 // 500 WAL, in FROST
)

// Net is a running network and its Sui face.
type Net struct {
	*embedded.Network
	URL string          // the face's base URL, http://127.0.0.1:port
	Key *suikey.KeyPair // holds GrantSUI and GrantWAL
}

// Start starts a network of nodes storage nodes and shards shards, its face,
// and funds a fresh key; everything stops when the test ends.
func Start(t testing.TB, nodes, shards int) *Net {
	t.Helper()
	key, err := suikey.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := embedded.Start(ctx, embedded.Config{
		Dir: t.TempDir(), Nodes: nodes, NShards: shards,
		Sui: &ledger.SuiGenesis{Grants: []ledger.Grant{{Owner: key.Address(), SUI: GrantSUI, WAL: GrantWAL}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	srv, err := grpcweb.New(grpcweb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	suiface.New(n.Ledger, nil).Register(srv)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve the Sui face: %v", err)
		}
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return &Net{Network: n, URL: "http://" + lis.Addr().String(), Key: key}
}

// Dial connects to the face as Walrus on Sui, signing with the funded key;
// the connection closes when the test ends.
func (n *Net) Dial(t testing.TB) *sui.Client {
	t.Helper()
	d := n.Ledger.SuiDeployment()
	c, err := sui.Dial(sui.Config{RPCURL: n.URL, System: d.System, Staking: d.Staking, Signer: n.Key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
