package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/human"
	"github.com/walrusfs/walrusfs/walrus/connect"
)

// The wallet's blob objects, as the walrus CLI's list-blobs, extend and
// delete show and change them.

// blobOutput is one blob object as list-blobs prints it.
type blobOutput struct {
	BlobID         string  `json:"blobId"`
	ObjectID       string  `json:"objectId"`
	Size           uint64  `json:"size"`
	Certified      bool    `json:"certified"`
	CertifiedEpoch *uint32 `json:"certifiedEpoch,omitempty"`
	Deletable      bool    `json:"deletable"`
	EndEpoch       uint32  `json:"endEpoch"`
	Expired        bool    `json:"expired"`
	// Storage is the resource the blob is stored on.
	Storage storageOutput `json:"storage"`
}

// storageOutput is a Storage resource as list-blobs prints it.
type storageOutput struct {
	ID         string `json:"id"`
	StartEpoch uint32 `json:"startEpoch"`
	EndEpoch   uint32 `json:"endEpoch"`
	Size       uint64 `json:"storageSize"`
}

func newBlobOutput(b chain.Blob, epoch chain.Epoch) blobOutput {
	return blobOutput{
		BlobID: b.BlobID.String(), ObjectID: ledger.FormatObjectID(b.ID), Size: b.Size,
		Certified: b.CertifiedEpoch != nil, CertifiedEpoch: b.CertifiedEpoch, Deletable: b.Deletable,
		EndEpoch: b.Storage.EndEpoch, Expired: b.Storage.EndEpoch <= epoch,
		Storage: storageOutput{ID: ledger.FormatObjectID(b.Storage.ID), StartEpoch: b.Storage.StartEpoch, EndEpoch: b.Storage.EndEpoch, Size: b.Storage.Size},
	}
}

// ownedBlobs lists the wallet's blob objects, if the chain can.
func ownedBlobs(ctx context.Context, nw *connect.Network) ([]chain.Blob, error) {
	l, ok := nw.Chain.(chain.BlobLister)
	if !ok {
		return nil, fmt.Errorf("%s cannot list the account's blob objects; use --config (Walrus on Sui, or a devnet's client_config.yaml)", nw.What)
	}
	return l.OwnedBlobs(ctx)
}

func newListBlobsCmd(g *globals) *cobra.Command {
	var (
		netFlags       networkFlags
		includeExpired bool
		asJSON         bool
	)
	cmd := &cobra.Command{
		Use:   "list-blobs [--include-expired] [--json]",
		Short: "List the wallet's blob objects",
		Long: `List the blob objects the wallet owns, as "walrus list-blobs" does: blob ID,
size, whether it is certified and deletable, the epoch its storage ends
(exclusive) and the object ID. Expired objects are left out unless
--include-expired is given. With --json, one JSON object per line.`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return onNetwork(cmd, g, netFlags, time.Minute, func(ctx context.Context, nw *connect.Network) error {
				blobs, err := ownedBlobs(ctx, nw)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if !asJSON {
					fmt.Fprintf(out, "%-44s %10s  %-9s %-9s %-9s %s\n", "BLOB ID", "SIZE", "CERTIFIED", "DELETABLE", "END EPOCH", "OBJECT ID")
				}
				for _, b := range blobs {
					o := newBlobOutput(b, nw.Committee.Epoch)
					if o.Expired && !includeExpired {
						continue
					}
					if asJSON {
						writeJSONLine(out, o)
						continue
					}
					fmt.Fprintf(out, "%-44s %10s  %-9s %-9s %-9d %s\n", o.BlobID, human.Bytes(int64(o.Size)), yesNo(o.Certified), yesNo(o.Deletable), o.EndEpoch, o.ObjectID)
				}
				return nil
			})
		},
	}
	addNetworkFlags(cmd, &netFlags)
	cmd.Flags().BoolVar(&includeExpired, "include-expired", false, "list expired blob objects too")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per blob object")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// targetBlobs resolves a command's argument: a blob object ID (0x…) names
// that object; a blob ID names every live object of it the wallet owns that
// keep selects.
func targetBlobs(ctx context.Context, nw *connect.Network, arg string, keep func(chain.Blob) bool) ([]chain.Blob, error) {
	if strings.HasPrefix(arg, "0x") {
		id, err := ledger.ParseObjectID(arg)
		if err != nil {
			return nil, usageError{fmt.Errorf("%q: %w", arg, err)}
		}
		b, err := nw.Chain.Blob(ctx, id)
		if err != nil {
			return nil, err
		}
		return []chain.Blob{b}, nil
	}
	blobID, err := encoding.ParseBlobID(arg)
	if err != nil {
		return nil, usageError{fmt.Errorf("%q is neither a blob object ID (0x…) nor a blob ID: %w", arg, err)}
	}
	all, err := ownedBlobs(ctx, nw)
	if err != nil {
		return nil, err
	}
	var out []chain.Blob
	for _, b := range all {
		if b.BlobID == blobID && b.Storage.EndEpoch > nw.Committee.Epoch && keep(b) {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the wallet owns no live blob object of %s that this applies to", blobID)
	}
	return out, nil
}

func newExtendCmd(g *globals) *cobra.Command {
	var (
		netFlags networkFlags
		epochs   uint32
	)
	cmd := &cobra.Command{
		Use:   "extend BLOB_OBJECT_ID|BLOB_ID --epochs N",
		Short: "Keep a certified blob stored for more epochs",
		Long: `Extend a certified blob's storage by --epochs epochs, paying with the wallet's
WAL, as "walrus extend" does. A blob ID extends every live certified blob
object of it that the wallet owns. Prints each object's new end epoch.`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if epochs == 0 {
				return usageError{errors.New("--epochs must be at least 1")}
			}
			return onNetwork(cmd, g, netFlags, 2*time.Minute, func(ctx context.Context, nw *connect.Network) error {
				blobs, err := targetBlobs(ctx, nw, args[0], func(b chain.Blob) bool { return b.CertifiedEpoch != nil })
				if err != nil {
					return err
				}
				before := spent(nw)
				for _, b := range blobs {
					ext, err := nw.Chain.ExtendBlob(ctx, b.ID, epochs)
					if err != nil {
						return fmt.Errorf("extend %s: %w", ledger.FormatObjectID(b.ID), err)
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s  %s  end epoch %d → %d\n", ext.BlobID, ledger.FormatObjectID(ext.ID), b.Storage.EndEpoch, ext.Storage.EndEpoch)
				}
				printCost(cmd.ErrOrStderr(), nw, before)
				return nil
			})
		},
	}
	addNetworkFlags(cmd, &netFlags)
	cmd.Flags().Uint32Var(&epochs, "epochs", 0, "epochs to add")
	return cmd
}

func newDeleteCmd(g *globals) *cobra.Command {
	var netFlags networkFlags
	cmd := &cobra.Command{
		Use:   "delete BLOB_OBJECT_ID|BLOB_ID",
		Short: "Delete deletable blobs, giving their storage back to the wallet",
		Long: `Delete a deletable blob object, as "walrus delete" does: its storage resource
comes back to the wallet. A blob ID deletes every live deletable blob object
of it that the wallet owns (the blob stays readable while another object of
it lives, someone else's included).`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return onNetwork(cmd, g, netFlags, 2*time.Minute, func(ctx context.Context, nw *connect.Network) error {
				blobs, err := targetBlobs(ctx, nw, args[0], func(b chain.Blob) bool { return b.Deletable })
				if err != nil {
					return err
				}
				before := spent(nw)
				for _, b := range blobs {
					if _, err := nw.Chain.DeleteBlob(ctx, b.ID); err != nil {
						return fmt.Errorf("delete %s: %w", ledger.FormatObjectID(b.ID), err)
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s  %s  deleted\n", b.BlobID, ledger.FormatObjectID(b.ID))
				}
				printCost(cmd.ErrOrStderr(), nw, before)
				return nil
			})
		},
	}
	addNetworkFlags(cmd, &netFlags)
	return cmd
}

func spent(nw *connect.Network) sui.Spending {
	if nw.Sui == nil {
		return sui.Spending{}
	}
	return nw.Sui.Spent()
}

// printCost prints what a command's transactions cost, on Sui.
func printCost(w io.Writer, nw *connect.Network, before sui.Spending) {
	if nw.Sui == nil {
		return
	}
	now := nw.Sui.Spent()
	fmt.Fprintf(w, "walrusfs: cost %s (storage and writes) and %s (gas)\n", sui.FormatWAL(now.WAL-before.WAL), sui.FormatSUI(now.SUI-before.SUI))
}
