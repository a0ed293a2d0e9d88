package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/sui/wallet"
	"github.com/walrusfs/walrusfs/chain/suiface"
	"github.com/walrusfs/walrusfs/internal/grpcweb"
	"github.com/walrusfs/walrusfs/walrus/devnet"
)

// faceServer is the devnet's Sui face being served.
type faceServer struct {
	srv  *grpcweb.Server
	done chan struct{}
}

func serveFace(lis net.Listener, l *ledger.Ledger, reg prometheus.Registerer, log *slog.Logger) (*faceServer, error) {
	face := suiface.New(l, log.With("component", "sui"))
	count, err := face.Interceptor(reg)
	if err != nil {
		lis.Close()
		return nil, fmt.Errorf("devnet: Sui face metrics: %w", err)
	}
	srv, err := grpcweb.New(grpcweb.Options{Logger: log.With("component", "sui"), UnaryInterceptors: []grpc.UnaryServerInterceptor{count}})
	if err != nil {
		lis.Close()
		return nil, fmt.Errorf("devnet: Sui face: %w", err)
	}
	face.Register(srv)
	f := &faceServer{srv: srv, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("Sui face stopped", "err", err)
		}
	}()
	return f, nil
}

func (f *faceServer) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	f.srv.Shutdown(ctx)
	<-f.done
}

// serveEmbeddedFace serves an embedded network's ledger as Sui on addr and
// writes, in netDir, a Walrus client configuration whose wallet key (made
// once, kept in netDir/sui) is funded when it holds no SUI.
func serveEmbeddedFace(ctx context.Context, addr, netDir string, l *ledger.Ledger, log *slog.Logger) (stop func(), config string, err error) {
	key, err := embeddedWalletKey(netDir)
	if err != nil {
		return nil, "", err
	}
	if sui, _, err := l.SuiBalance(ctx, key.Address(), moveobj.SUIType()); err != nil {
		return nil, "", err
	} else if sui == 0 {
		if err := l.Mint(ctx, key.Address(), devnet.GrantSUI, devnet.GrantWAL); err != nil {
			return nil, "", fmt.Errorf("fund the embedded network's wallet: %w", err)
		}
	}
	lis, err := listen(ctx, addr, 5*time.Second)
	if err != nil {
		return nil, "", fmt.Errorf("--sui-listen: %w", err)
	}
	face, err := serveFace(lis, l, prometheus.NewRegistry(), log)
	if err != nil {
		return nil, "", err
	}
	d := l.SuiDeployment()
	files, err := wallet.WriteDevnet(wallet.Devnet{
		Dir: netDir, Context: "embedded", SystemObject: d.System, StakingObject: d.Staking,
		NShards: uint16(d.NShards), MaxEpochsAhead: d.MaxEpochsAhead, RPCURL: "http://" + lis.Addr().String(), Key: key,
	})
	if err != nil {
		face.shutdown()
		return nil, "", err
	}
	return face.shutdown, files.ClientConfig, nil
}

// embeddedWalletKey is the embedded network's wallet key: the one in its
// keystore, or a new one.
func embeddedWalletKey(netDir string) (*suikey.KeyPair, error) {
	ks, err := wallet.ReadKeystore(filepath.Join(netDir, "sui", wallet.KeystoreFile))
	if errors.Is(err, fs.ErrNotExist) {
		return suikey.NewKeyPair()
	}
	if err != nil {
		return nil, fmt.Errorf("the embedded network's wallet: %w", err)
	}
	if len(ks.Keys) == 0 {
		return nil, fmt.Errorf("the embedded network's wallet %s holds no key", ks.Path)
	}
	return ks.Keys[0].Signer()
}
