package devnet

import (
	"fmt"
	"path/filepath"

	"golang.org/x/crypto/blake2b"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/sui/wallet"
)

// What a new devnet's wallet holds: 1,000 SUI and 10,000 WAL, in MIST and
// FROST.
const (
	GrantSUI = 1_000_000_000_000
	GrantWAL = 10_000_000_000_000
)

// walletContext is the devnet's context in its Walrus client configuration.
const walletContext = "devnet"

// walletKey is the devnet's wallet key, derived from node 0's key so that
// every run of the same network has it without another secret file to keep
// (the keystore written for clients holds it too).
func walletKey(dir string) (*suikey.KeyPair, error) {
	node0, err := readKey(filepath.Join(dir, nodeName(0)))
	if err != nil {
		return nil, fmt.Errorf("devnet wallet key: %w", err)
	}
	seed := blake2b.Sum256(append([]byte("walrusfs devnet wallet\x00"), node0.Bytes()...))
	return suikey.FromSeed(seed[:])
}

// walletGrant is what the genesis of a new network in dir gives its wallet.
func walletGrant(dir string) (ledger.Grant, error) {
	key, err := walletKey(dir)
	if err != nil {
		return ledger.Grant{}, err
	}
	return ledger.Grant{Owner: key.Address(), SUI: GrantSUI, WAL: GrantWAL}, nil
}

// writeWallet writes DIR/client_config.yaml and DIR/sui/ for the devnet's
// face at faceURL.
func writeWallet(dir string, l *ledger.Ledger, faceURL string) (wallet.DevnetFiles, error) {
	key, err := walletKey(dir)
	if err != nil {
		return wallet.DevnetFiles{}, err
	}
	d := l.SuiDeployment()
	return wallet.WriteDevnet(wallet.Devnet{
		Dir: dir, Context: walletContext, SystemObject: d.System, StakingObject: d.Staking,
		NShards: uint16(d.NShards), MaxEpochsAhead: d.MaxEpochsAhead, RPCURL: faceURL, Key: key,
	})
}
