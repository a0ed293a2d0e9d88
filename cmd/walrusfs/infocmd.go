package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/human"
	"github.com/walrusfs/walrusfs/mountstatus"
	"github.com/walrusfs/walrusfs/walrus/connect"
)

func newInfoCmd(g *globals) *cobra.Command {
	var (
		netFlags networkFlags
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "info [--config FILE] [--context NAME] [--json]",
		Short: "Show the network: epoch, committee, prices, the largest blob, the wallet",
		Long: `Show what the network is now, as "walrus info" does: the epoch and its state,
the number of shards, the storage nodes of the committee with their shards,
the prices (in WAL per MiB of encoded size: storage per epoch, and writes
once), how many epochs ahead storage can be bought, the largest blob, and,
on Walrus on Sui, the wallet's address and balances.`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return onNetwork(cmd, g, netFlags, 30*time.Second, func(ctx context.Context, nw *connect.Network) error {
				out, err := networkInfo(ctx, nw)
				if err != nil {
					return err
				}
				if asJSON {
					writeJSONLine(cmd.OutOrStdout(), out)
					return nil
				}
				printInfo(cmd.OutOrStdout(), out)
				return nil
			})
		},
	}
	addNetworkFlags(cmd, &netFlags)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the information as a JSON object")
	return cmd
}

type infoOutput struct {
	Network        string              `json:"network"`
	Epoch          uint32              `json:"epoch"`
	EpochState     string              `json:"epochState,omitempty"`
	EpochDuration  string              `json:"epochDuration,omitempty"`
	NShards        int                 `json:"nShards"`
	MaxBlobSize    uint64              `json:"maxBlobSize"`
	StoragePrice   *uint64             `json:"storagePricePerUnit,omitempty"` // FROST per MiB per epoch
	WritePrice     *uint64             `json:"writePricePerUnit,omitempty"`   // FROST per MiB
	MaxEpochsAhead uint32              `json:"maxEpochsAhead,omitempty"`
	GasPrice       uint64              `json:"referenceGasPrice,omitempty"`
	Nodes          []infoNode          `json:"nodes"`
	Wallet         *mountstatus.Wallet `json:"wallet,omitempty"`
}

type infoNode struct {
	Name    string `json:"name"`
	ID      string `json:"id"`
	Address string `json:"networkAddress"`
	Shards  int    `json:"shards"`
}

func networkInfo(ctx context.Context, nw *connect.Network) (*infoOutput, error) {
	com := nw.Committee
	max, err := encoding.MaxBlobSize(com.NShards)
	if err != nil {
		return nil, err
	}
	out := &infoOutput{Network: nw.What, Epoch: com.Epoch, NShards: com.NShards, MaxBlobSize: max}
	if nw.Sui != nil {
		in, err := nw.Sui.Info(ctx)
		if err != nil {
			return nil, err
		}
		com = in.Committee
		out.Epoch, out.EpochState, out.NShards = in.Epoch, in.EpochState, in.NShards
		if in.EpochDuration > 0 {
			out.EpochDuration = in.EpochDuration.String()
		}
		out.StoragePrice, out.WritePrice = &in.StoragePrice, &in.WritePrice
		out.MaxEpochsAhead, out.GasPrice = in.MaxEpochsAhead, in.GasPrice
		out.Wallet = mountstatus.WalletOf(ctx, nw.Sui)
	}
	for _, m := range com.Members {
		out.Nodes = append(out.Nodes, infoNode{Name: m.Name, ID: ledger.FormatObjectID(m.ID), Address: m.Address, Shards: len(m.Shards)})
	}
	return out, nil
}

func printInfo(w io.Writer, o *infoOutput) {
	fmt.Fprintf(w, "network:           %s\n", o.Network)
	fmt.Fprintf(w, "epoch:             %d", o.Epoch)
	if o.EpochState != "" {
		fmt.Fprintf(w, " (%s)", o.EpochState)
	}
	if o.EpochDuration != "" {
		fmt.Fprintf(w, ", epochs last %s", o.EpochDuration)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "shards:            %d (reads need %d, writes %d)\n", o.NShards, o.NShards-2*encoding.MaxFaulty(o.NShards), o.NShards-encoding.MaxFaulty(o.NShards))
	fmt.Fprintf(w, "largest blob:      %s\n", human.Bytes(int64(o.MaxBlobSize)))
	if o.StoragePrice != nil {
		fmt.Fprintf(w, "storage price:     %s per MiB of encoded size per epoch\n", sui.FormatWAL(*o.StoragePrice))
		fmt.Fprintf(w, "write price:       %s per MiB of encoded size\n", sui.FormatWAL(*o.WritePrice))
		fmt.Fprintf(w, "epochs ahead:      up to %d\n", o.MaxEpochsAhead)
		fmt.Fprintf(w, "gas price:         %d MIST per unit\n", o.GasPrice)
	}
	if wl := o.Wallet; wl != nil {
		fmt.Fprintf(w, "wallet:            %s: %s, %s\n", wl.Address, sui.FormatSUI(wl.SUI), sui.FormatWAL(wl.WAL))
		if wl.Error != "" {
			fmt.Fprintf(w, "                   balances unknown: %s\n", wl.Error)
		}
	}
	fmt.Fprintf(w, "committee:         %d storage nodes\n", len(o.Nodes))
	for _, n := range o.Nodes {
		fmt.Fprintf(w, "  %-12s %-22s %4d shards  %s\n", n.Name, n.Address, n.Shards, n.ID)
	}
}
