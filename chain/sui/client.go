// Package sui is walrusfs's client of Walrus on Sui: chain.Chain over Sui's
// gRPC v2 API (through sui-go-sdk's generated clients), for Walrus Mainnet,
// Testnet, or a walrusfs devnet's Sui face.
//
// It reads what @mysten/walrus reads — the System and Staking objects and
// their inner states, the committee's staking pools, prices, the WAL type
// and the package to call, all derived as the SDK derives them and checked
// for consistency — and sends the transactions the SDK sends, byte for byte
// (chain/sui/walrusptb), signed with the wallet's Ed25519 key. Every
// transaction is first simulated: one that would abort, or that the wallet
// cannot pay for, fails with an error that says why and sends nothing.
//
// Stores buy storage and register in one transaction (ReserveAndRegister);
// ReserveStorage and RegisterBlob do the two apart, for storage kept to be
// reused.
//
// What Sui does not hold is not here: blob status by blob ID and the event
// stream come from storage nodes, not from this client (ErrUnsupported).
// A walrusfs tree's manifest record is kept as attributes of the manifest's
// own Blob object (see PublishManifest), so it needs no Move package of its
// own.
package sui

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// Config says which Sui and which Walrus deployment to use, and who signs.
type Config struct {
	// RPCURL is the full node's gRPC URL: https://host[:port] (TLS with the
	// system's roots) or http://host:port (plain, for local faces).
	RPCURL string
	// System and Staking are the Walrus deployment's shared objects.
	System, Staking chain.ObjectID
	// Signer sends transactions; nil makes a read-only client.
	Signer *suikey.KeyPair
	// CacheTTL is how long the System and Staking state are reused; 0 means
	// 10 s, the walrus CLI's default.
	CacheTTL time.Duration
	// Logger receives debug logs of transactions; nil discards them.
	Logger *slog.Logger
}

// Client is a Walrus client of Sui. It is safe for concurrent use; the
// transactions of one client are sent one at a time, since they spend the
// same coins.
type Client struct {
	cfg    Config
	conn   *grpc.ClientConn
	ledger v2.LedgerServiceClient
	state  v2.StateServiceClient
	exec   v2.TransactionExecutionServiceClient
	move   v2.MovePackageServiceClient
	log    *slog.Logger

	mu      sync.Mutex // guards the cache below
	cached  *deployment
	fetched time.Time

	txMu  sync.Mutex // one transaction at a time
	spent spent
}

var (
	_ chain.Chain         = (*Client)(nil)
	_ chain.BlobRegistrar = (*Client)(nil)
	_ chain.BlobFinder    = (*Client)(nil)
	_ chain.BlobLister    = (*Client)(nil)
	_ chain.BlobsExtender = (*Client)(nil)
	_ chain.Refresher     = (*Client)(nil)

	_ chain.BlobAttributeReader = (*Client)(nil)
	_ chain.BlobTransferrer     = (*Client)(nil)
)

// Dial connects to a full node. It does no I/O: the first call does.
func Dial(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.RPCURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("sui: RPC URL %q: want http://host:port or https://host[:port]", cfg.RPCURL)
	}
	var creds credentials.TransportCredentials
	target := u.Host
	switch u.Scheme {
	case "https":
		creds = credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
		if u.Port() == "" {
			target += ":443"
		}
	case "http":
		creds = insecure.NewCredentials()
		if u.Port() == "" {
			target += ":80"
		}
	default:
		return nil, fmt.Errorf("sui: RPC URL %q: scheme must be http or https", cfg.RPCURL)
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, fmt.Errorf("sui: connect to %s: %w", cfg.RPCURL, err)
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = 10 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{
		cfg:    cfg,
		conn:   conn,
		ledger: v2.NewLedgerServiceClient(conn),
		state:  v2.NewStateServiceClient(conn),
		exec:   v2.NewTransactionExecutionServiceClient(conn),
		move:   v2.NewMovePackageServiceClient(conn),
		log:    log,
	}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Address returns the signer's address, or the zero address for a
// read-only client.
func (c *Client) Address() chain.Address {
	if c.cfg.Signer == nil {
		return chain.Address{}
	}
	return c.cfg.Signer.Address()
}

// signer returns the key that signs, or an error for a read-only client.
func (c *Client) signer() (*suikey.KeyPair, error) {
	if c.cfg.Signer == nil {
		return nil, fmt.Errorf("%w: no wallet key: this client is read-only", chain.ErrUnsupported)
	}
	return c.cfg.Signer, nil
}

// Events is not served by Sui's API in the form storage nodes follow.
func (c *Client) Events(ctx context.Context, from chain.Cursor, limit int) ([]chain.Event, error) {
	return nil, fmt.Errorf("sui: events: %w: storage nodes follow Walrus events from their own full node", chain.ErrUnsupported)
}

// BlobStatus is not kept on Sui by blob ID; storage nodes answer it.
func (c *Client) BlobStatus(ctx context.Context, blobID encoding.BlobID) (chain.BlobStatus, error) {
	return chain.BlobStatus{}, fmt.Errorf("sui: blob status of %s: %w: ask the storage nodes", blobID, chain.ErrUnsupported)
}

// InvalidateBlobID is a storage node's transaction, not a client's.
func (c *Client) InvalidateBlobID(ctx context.Context, cert messages.Certificate) error {
	return fmt.Errorf("sui: invalidate blob ID: %w: storage nodes send it", chain.ErrUnsupported)
}
