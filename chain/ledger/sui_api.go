package ledger

import (
	"context"
	"errors"
	"fmt"

	ptb "github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/sui/suitx"
)

// ExecuteSui executes a signed Sui transaction (TransactionData BCS bytes
// and serialized signatures). A transaction refused before execution returns
// an error wrapping ErrTxRejected and changes nothing; one that executes
// returns its effects, which say whether it succeeded. A transaction already
// executed returns its effects again, as Sui does, if signed by its sender.
func (l *Ledger) ExecuteSui(ctx context.Context, txBytes []byte, sigs [][]byte) (*SuiExecution, error) {
	if exec, ok := l.SuiTransaction(suikey.TransactionDigest(txBytes)); ok {
		td, err := suitx.Decode(txBytes) // it decoded when it was executed
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrTxRejected, err)
		}
		if err := verifySender(txBytes, chain.Address(*td.V1.Sender), sigs); err != nil {
			return nil, err
		}
		return exec, nil
	}
	res, err := l.submit(ctx, &record{Sui: &suiTx{Tx: txBytes, Sigs: sigs}}, nil)
	if err != nil {
		// The same transaction sent twice at once: the second finds it
		// executed, and gets its effects as the first did.
		if exec, ok := l.SuiTransaction(suikey.TransactionDigest(txBytes)); ok && errors.Is(err, ErrTxRejected) {
			return exec, nil
		}
		return nil, err
	}
	if f := res.sui.Failure; f != nil {
		l.log.Debug("sui transaction failed", "digest", base58(res.sui.Digest[:]), "kind", f.Kind, "command", f.Command, "err", f.Message)
	}
	return res.sui, nil
}

// DryRunSui executes an unsigned transaction without changing anything and
// returns what it would do, gas included; its gas budget is not enforced.
func (l *Ledger) DryRunSui(ctx context.Context, td *ptb.TransactionData) (*SuiExecution, error) {
	var exec *SuiExecution
	err := l.read(ctx, func(s *state) error {
		var err error
		exec, err = s.dryRunSui(td)
		return err
	})
	return exec, err
}

// SuiTransaction returns an executed transaction's effects by digest.
func (l *Ledger) SuiTransaction(digest [32]byte) (*SuiExecution, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	exec, ok := l.st.sui.txs[digest]
	return exec, ok
}

// Mint gives owner coins: sui MIST in a new Coin<SUI> and wal FROST in a new
// Coin<WAL>. It is the administrator's faucet and has no sender.
func (l *Ledger) Mint(ctx context.Context, owner chain.Address, sui, wal uint64) error {
	_, err := l.submit(ctx, &record{Mint: &mintTx{Owner: id32(owner), SUI: sui, WAL: wal}}, nil)
	if err != nil {
		return fmt.Errorf("mint: %w", err)
	}
	return nil
}
