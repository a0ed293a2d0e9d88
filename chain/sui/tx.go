package sui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"github.com/mr-tron/base58"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/sui/walrusptb"
)

// Gas: at most this many coins pay for one transaction, and a budget never
// goes above Sui's maximum.
const (
	maxGasCoins   = 64
	maxGasBudget  = 50_000_000_000
	minGasUnits   = 1000 // the slack Sui's own estimate adds, in gas units
	coinPageLimit = 10_000
	awaitTimeout  = 30 * time.Second // for a transaction's results to show
)

func parseDigest(s string) ([32]byte, error) {
	var d [32]byte
	b, err := base58.Decode(s)
	if err != nil || len(b) != 32 {
		return d, fmt.Errorf("digest %q is not 32 bytes of base58", s)
	}
	copy(d[:], b)
	return d, nil
}

// coins lists the signer's coins of one currency, largest first.
func (c *Client) coins(ctx context.Context, currency string) ([]walrusptb.Coin, error) {
	owner := hexID(c.Address())
	typ := "0x2::coin::Coin<" + currency + ">"
	mask := &fieldmaskpb.FieldMask{Paths: []string{"object_id", "version", "digest", "balance", "object_type", "owner"}}
	var out []walrusptb.Coin
	var token []byte
	for len(out) < coinPageLimit {
		resp, err := c.state.ListOwnedObjects(ctx, &v2.ListOwnedObjectsRequest{Owner: &owner, ObjectType: &typ, PageToken: token, ReadMask: mask})
		if err != nil {
			return nil, rpcError("list coins", err)
		}
		for _, p := range resp.Objects {
			o, err := parseObject(p)
			if err != nil {
				return nil, fmt.Errorf("sui: coin: %w", err)
			}
			if p.Balance == nil {
				return nil, fmt.Errorf("sui: coin %s: the full node gave no balance", hexID(o.ref.ID))
			}
			out = append(out, walrusptb.Coin{Ref: o.ref, Balance: o.balance})
		}
		if len(resp.NextPageToken) == 0 {
			break
		}
		token = resp.NextPageToken
	}
	slices.SortStableFunc(out, func(a, b walrusptb.Coin) int {
		switch {
		case a.Balance > b.Balance:
			return -1
		case a.Balance < b.Balance:
			return 1
		}
		return 0
	})
	return out, nil
}

// walCoins picks WAL coins covering amount, largest first; too little WAL is
// ErrInsufficientWAL before anything is sent.
func (c *Client) walCoins(ctx context.Context, d *deployment, amount uint64) ([]walrusptb.Coin, error) {
	coins, err := c.coins(ctx, d.contract.WAL.String())
	if err != nil {
		return nil, err
	}
	var picked []walrusptb.Coin
	var total uint64
	for _, coin := range coins {
		if total >= amount && len(picked) > 0 {
			break
		}
		picked = append(picked, coin)
		total += coin.Balance
	}
	if total < amount {
		return nil, fmt.Errorf("sui: %w: %s needs %s, the wallet %s holds %s", chain.ErrInsufficientWAL,
			"this transaction", FormatWAL(amount), hexID(c.Address()), FormatWAL(total))
	}
	return picked, nil
}

// FormatWAL prints FROST as WAL.
func FormatWAL(frost uint64) string { return formatCoin(frost, "WAL") }

// FormatSUI prints MIST as SUI.
func FormatSUI(mist uint64) string { return formatCoin(mist, "SUI") }

func formatCoin(v uint64, unit string) string {
	s := fmt.Sprintf("%d.%09d", v/1e9, v%1e9)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + " " + unit
}

// Receipt is what a transaction did, for callers that report costs.
type Receipt struct {
	Digest  string
	GasUsed uint64 // MIST
	WALPaid uint64 // FROST, as the transaction's payments say
	Effects *v2.TransactionEffects
}

// transact builds a transaction with build, simulates it to learn its gas,
// signs it and executes it. Nothing is sent for execution when the
// simulation fails or the wallet cannot pay.
func (c *Client) transact(ctx context.Context, what string, flow walrusptb.Flow, d *deployment) (*Receipt, error) {
	key, err := c.signer()
	if err != nil {
		return nil, err
	}
	sender := key.Address()
	gasCoins, err := c.coins(ctx, moveobj.SUIType().String())
	if err != nil {
		return nil, err
	}
	if len(gasCoins) == 0 {
		return nil, fmt.Errorf("sui: %s: %w: the wallet %s has no SUI coins", what, chain.ErrInsufficientGas, hexID(sender))
	}
	if len(gasCoins) > maxGasCoins {
		gasCoins = gasCoins[:maxGasCoins]
	}
	var refs []walrusptb.ObjectRef
	var gasTotal uint64
	for _, g := range gasCoins {
		refs = append(refs, g.Ref)
		gasTotal += g.Balance
	}
	gas := walrusptb.GasData{Payment: refs, Price: d.gasPrice, Budget: min(gasTotal, maxGasBudget)}
	if gas.Budget < d.gasPrice*minGasUnits {
		return nil, fmt.Errorf("sui: %s: %w: the wallet holds %s, less than the minimum budget", what, chain.ErrInsufficientGas, FormatSUI(gasTotal))
	}
	trial, err := walrusptb.Bytes(sender, gas, flow)
	if err != nil {
		return nil, fmt.Errorf("sui: %s: %w", what, err)
	}
	sim, err := c.exec.SimulateTransaction(ctx, &v2.SimulateTransactionRequest{
		Transaction: &v2.Transaction{Bcs: &v2.Bcs{Value: trial}},
		ReadMask:    &fieldmaskpb.FieldMask{Paths: []string{"transaction.effects"}},
	})
	if err != nil {
		return nil, txRPCError(what, err)
	}
	eff := sim.GetTransaction().GetEffects()
	if err := statusError(what, eff.GetStatus()); err != nil {
		return nil, err
	}
	used := eff.GetGasUsed()
	gas.Budget = used.GetComputationCost() + used.GetStorageCost() + minGasUnits*d.gasPrice
	if gas.Budget > gasTotal {
		return nil, fmt.Errorf("sui: %s: %w: it costs up to %s of gas, the wallet holds %s", what, chain.ErrInsufficientGas, FormatSUI(gas.Budget), FormatSUI(gasTotal))
	}
	txBytes, err := walrusptb.Bytes(sender, gas, flow)
	if err != nil {
		return nil, fmt.Errorf("sui: %s: %w", what, err)
	}
	sig := key.SignTransaction(txBytes)
	resp, err := c.exec.ExecuteTransaction(ctx, &v2.ExecuteTransactionRequest{
		Transaction: &v2.Transaction{Bcs: &v2.Bcs{Value: txBytes}},
		Signatures:  []*v2.UserSignature{{Bcs: &v2.Bcs{Value: sig}}},
		ReadMask:    &fieldmaskpb.FieldMask{Paths: []string{"digest", "effects"}},
	})
	if err != nil {
		return nil, txRPCError(what, err)
	}
	executed := resp.GetTransaction()
	digest := suikey.TransactionDigest(txBytes)
	if got := executed.GetDigest(); got != base58.Encode(digest[:]) {
		return nil, fmt.Errorf("sui: %s: the full node executed %q, not the transaction sent (%s)", what, got, base58.Encode(digest[:]))
	}
	eff = executed.GetEffects()
	used = eff.GetGasUsed()
	r := &Receipt{Digest: executed.GetDigest(), GasUsed: used.GetComputationCost() + used.GetStorageCost() - min(used.GetStorageRebate(), used.GetComputationCost()+used.GetStorageCost()), Effects: eff}
	c.spent.add(d.committee.Epoch, 0, r.GasUsed)
	if err := statusError(what, eff.GetStatus()); err != nil {
		return r, fmt.Errorf("%w (transaction %s; gas was charged)", err, r.Digest)
	}
	c.log.Debug("sui transaction", "what", what, "digest", r.Digest, "gas", r.GasUsed)
	if err := c.awaitEffects(ctx, eff); err != nil {
		return r, fmt.Errorf("sui: %s: executed as %s, but %w", what, r.Digest, err)
	}
	return r, nil
}

// awaitEffects waits until the full node serves every object the
// transaction wrote at its new version or later: behind a load balancer the
// node that executed it is not always the one asked next, and the next
// reads (the created Blob, the coins of the next transaction) must see it.
func (c *Client) awaitEffects(ctx context.Context, eff *v2.TransactionEffects) error {
	want := map[chain.ObjectID]uint64{}
	for _, co := range eff.GetChangedObjects() {
		if co.GetOutputState() != v2.ChangedObject_OUTPUT_OBJECT_STATE_OBJECT_WRITE {
			continue
		}
		if id, err := parseID(co.GetObjectId()); err == nil {
			want[id] = co.GetOutputVersion()
		}
	}
	ids := slices.Collect(maps.Keys(want))
	delay := 50 * time.Millisecond
	for deadline := time.Now().Add(awaitTimeout); ; {
		objs, err := c.objects(ctx, ids)
		if err == nil {
			fresh := true
			for i, o := range objs {
				fresh = fresh && o != nil && o.ref.Version >= want[ids[i]]
			}
			if fresh {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the full node does not show its results after %v", awaitTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}

// txRPCError maps a refused simulation or execution. A stale object
// reference means another transaction of the wallet's moved first.
func txRPCError(what string, err error) error {
	st, ok := status.FromError(err)
	if ok && st.Code() == codes.InvalidArgument {
		msg := st.Message()
		if strings.Contains(msg, "version") || strings.Contains(msg, "stale") {
			return fmt.Errorf("sui: %s: %w: %s", what, chain.ErrConflict, msg)
		}
		if strings.Contains(msg, "GasBalanceTooLow") || strings.Contains(msg, "gas") {
			return fmt.Errorf("sui: %s: %w: %s", what, chain.ErrInsufficientGas, msg)
		}
		return fmt.Errorf("sui: %s: %w: %s", what, chain.ErrInvalidArgument, msg)
	}
	return rpcError(what, err)
}

// blobAborts maps the abort codes of Walrus's blob module to chain errors.
var blobAborts = map[uint64]error{
	0:  fmt.Errorf("%w: the blob is not certified", chain.ErrInvalidArgument),
	1:  chain.ErrNotDeletable,
	2:  chain.ErrStorageExpired,
	3:  chain.ErrStorageTooSmall,
	5:  chain.ErrAlreadyCertified,
	6:  chain.ErrInvalidBlobID,
	9:  chain.ErrInvalidCertificate,
	10: chain.ErrInvalidCertificate,
}

// statusError turns a failed execution status into an error that says
// which rule or payment failed.
func statusError(what string, st *v2.ExecutionStatus) error {
	if st.GetSuccess() {
		return nil
	}
	e := st.GetError()
	if e == nil {
		return fmt.Errorf("sui: %s: %w: no reason given", what, chain.ErrAborted)
	}
	desc := e.GetDescription()
	switch e.GetKind() {
	case v2.ExecutionError_INSUFFICIENT_COIN_BALANCE:
		// A command's split: Walrus's transactions split only WAL; past
		// the commands it is the gas coin.
		if e.Command != nil {
			return fmt.Errorf("sui: %s: %w: %s", what, chain.ErrInsufficientWAL, desc)
		}
		return fmt.Errorf("sui: %s: %w: %s", what, chain.ErrInsufficientGas, desc)
	case v2.ExecutionError_INSUFFICIENT_GAS:
		return fmt.Errorf("sui: %s: %w: %s", what, chain.ErrInsufficientGas, desc)
	case v2.ExecutionError_MOVE_ABORT:
		a := e.GetAbort()
		loc := a.GetLocation()
		where := fmt.Sprintf("%s::%s", loc.GetModule(), loc.GetFunctionName())
		code := a.GetAbortCode()
		switch {
		case loc.GetModule() == "balance" && code == 2: // ENotEnough
			return fmt.Errorf("sui: %s: %w: %s (abort %d in %s)", what, chain.ErrInsufficientWAL, desc, code, where)
		case loc.GetModule() == "blob" && blobAborts[code] != nil:
			return fmt.Errorf("sui: %s: %w: %s (abort %d in %s)", what, blobAborts[code], desc, code, where)
		}
		return fmt.Errorf("sui: %s: %w: abort %d in %s: %s", what, chain.ErrAborted, code, where, desc)
	}
	return fmt.Errorf("sui: %s: %w: %s: %s", what, chain.ErrAborted, e.GetKind(), desc)
}

// createdIDs returns the IDs the effects list as created.
func createdIDs(eff *v2.TransactionEffects) []chain.ObjectID {
	var out []chain.ObjectID
	for _, co := range eff.GetChangedObjects() {
		if co.GetIdOperation() != v2.ChangedObject_CREATED {
			continue
		}
		if id, err := parseID(co.GetObjectId()); err == nil {
			out = append(out, id)
		}
	}
	return out
}
