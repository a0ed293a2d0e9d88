package sui

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/chain"

	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
)

// Spending is what a client's transactions cost since it was made: WAL in
// FROST (storage and writes) and SUI in MIST (gas).
type Spending struct {
	WAL, SUI uint64
}

// spent counts a client's spending, in all and per epoch; transactions
// add to it.
type spent struct {
	mu      sync.Mutex
	total   Spending
	byEpoch map[uint32]Spending
}

func (s *spent) add(epoch uint32, wal, sui uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byEpoch == nil {
		s.byEpoch = make(map[uint32]Spending)
	}
	e := s.byEpoch[epoch]
	e.WAL, e.SUI = e.WAL+wal, e.SUI+sui
	s.byEpoch[epoch] = e
	s.total.WAL, s.total.SUI = s.total.WAL+wal, s.total.SUI+sui
}

// Spent returns what this client's transactions cost so far.
func (c *Client) Spent() Spending {
	c.spent.mu.Lock()
	defer c.spent.mu.Unlock()
	return c.spent.total
}

// SpentByEpoch returns what this client's transactions cost in each epoch
// it sent some.
func (c *Client) SpentByEpoch() map[uint32]Spending {
	c.spent.mu.Lock()
	defer c.spent.mu.Unlock()
	return maps.Clone(c.spent.byEpoch)
}

// Balances returns the signer's SUI (MIST) and WAL (FROST).
func (c *Client) Balances(ctx context.Context) (suiMist, walFrost uint64, err error) {
	d, err := c.deploymentState(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, cur := range []struct {
		typ string
		out *uint64
	}{{moveobj.SUIType().String(), &suiMist}, {d.contract.WAL.String(), &walFrost}} {
		coins, err := c.coins(ctx, cur.typ)
		if err != nil {
			return 0, 0, err
		}
		for _, coin := range coins {
			*cur.out += coin.Balance
		}
	}
	return suiMist, walFrost, nil
}

// Info is what `walrus info` shows of a deployment: epoch and its state,
// prices per MiB unit (FROST), how far ahead storage can be bought, the
// committee, and the gas price (MIST).
type Info struct {
	Epoch          uint32
	EpochState     string
	EpochDuration  time.Duration
	NShards        int
	StoragePrice   uint64 // per MiB of encoded length per epoch
	WritePrice     uint64 // per MiB of encoded length, once
	MaxEpochsAhead uint32
	GasPrice       uint64
	WALType        string
	Package        chain.ObjectID
	Committee      *chain.Committee
}

// Info reads the deployment's current state.
func (c *Client) Info(ctx context.Context) (*Info, error) {
	c.forget()
	d, err := c.deploymentState(ctx)
	if err != nil {
		return nil, err
	}
	state := "epoch change done"
	switch d.staking.EpochState.Kind {
	case moveobj.EpochChangeSync:
		state = "epoch change in progress (syncing shards)"
	case moveobj.NextParamsSelected:
		state = "next epoch's parameters selected"
	}
	com := *d.committee
	return &Info{
		Epoch: d.committee.Epoch, EpochState: state, EpochDuration: time.Duration(d.staking.EpochDuration) * time.Millisecond,
		NShards: d.committee.NShards, StoragePrice: d.system.StoragePricePerUnitSize, WritePrice: d.system.WritePricePerUnitSize,
		MaxEpochsAhead: d.maxEpochsAhead, GasPrice: d.gasPrice, WALType: d.contract.WAL.String(), Package: d.contract.Package,
		Committee: &com,
	}, nil
}

// Prices returns what storage costs, in FROST per MiB of encoded length:
// per epoch, and once for the write.
func (c *Client) Prices(ctx context.Context) (storage, write uint64, err error) {
	d, err := c.deploymentState(ctx)
	if err != nil {
		return 0, 0, err
	}
	return d.system.StoragePricePerUnitSize, d.system.WritePricePerUnitSize, nil
}

// MaxEpochsAhead is how many epochs ahead storage can be bought.
func (c *Client) MaxEpochsAhead(ctx context.Context) (uint32, error) {
	d, err := c.deploymentState(ctx)
	if err != nil {
		return 0, err
	}
	return d.maxEpochsAhead, nil
}
