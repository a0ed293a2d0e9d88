package sui

import (
	"context"
	"sync/atomic"

	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
)

// Spending is what a client's transactions cost since it was made: WAL in
// FROST (storage and writes) and SUI in MIST (gas).
type Spending struct {
	WAL, SUI uint64
}

// spent counts a client's spending; transactions add to it.
type spent struct {
	wal, sui atomic.Uint64
}

// Spent returns what this client's transactions cost so far.
func (c *Client) Spent() Spending {
	return Spending{WAL: c.spent.wal.Load(), SUI: c.spent.sui.Load()}
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
