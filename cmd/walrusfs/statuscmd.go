package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/connect"
)

func newBlobStatusCmd(g *globals) *cobra.Command {
	var (
		netFlags networkFlags
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "blob-status --network FILE BLOB_ID [--json]",
		Short: "Print what the chain (or its storage nodes) knows of a blob",
		Long: `Print the chain's status of a blob ID: whether a live object registers it,
whether it is certified and until which epoch (end epochs are exclusive),
its deletable objects, and whether it was marked invalid.

The status is one of "certified", "registered" (not certified yet),
"nonexistent" (no live object: never stored, deleted or expired) and
"invalid". With --json the output is one object: {"blobId", "currentEpoch",
"status"} and the chain's BlobStatus fields ("exists", "permanent",
"deletableTotal", "deletableCertified", "initialCertifiedEpoch", "invalid").
The exit status is 0 whatever the blob's status.

On Walrus on Sui, where the chain cannot be asked by blob ID, the status
comes from the storage nodes of the current committee, as with the walrus
CLI: the most advanced status that nodes holding more than a third of the
shards agree on. The output then says so ("source: storage nodes"; in JSON
"source": {"from": "storageNodes", "agreeingShards", "answeredShards",
"nShards"}); "exists" is false for an invalid blob ID.`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := encoding.ParseBlobID(args[0])
			if err != nil {
				return usageError{err}
			}
			log, nw, err := clientCommand(cmd, g, netFlags)
			if err != nil {
				return err
			}
			defer nw.Close()
			ctx := cmd.Context()
			cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			out, err := lookupBlobStatus(cctx, log, nw, id)
			if err != nil {
				return err
			}
			if asJSON {
				writeJSONLine(cmd.OutOrStdout(), out)
				return nil
			}
			printBlobStatus(cmd.OutOrStdout(), out)
			return nil
		},
	}
	addNetworkFlags(cmd, &netFlags)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as a JSON object")
	return cmd
}

// lookupBlobStatus asks the chain for a blob's status, or, when the chain
// cannot look blob IDs up (Sui), the current committee's storage nodes.
func lookupBlobStatus(ctx context.Context, log *slog.Logger, nw *connect.Network, id encoding.BlobID) (blobStatusOutput, error) {
	st, err := nw.Chain.BlobStatus(ctx, id)
	var source *blobStatusSource
	if errors.Is(err, chain.ErrUnsupported) {
		// Sui keeps no index by blob ID: ask the storage nodes, as the
		// walrus CLI does.
		cl := client.New(nw.Chain, client.Options{Logger: log.With("component", "client"), RequestTimeout: 10 * time.Second, Retries: 1})
		var ns client.NodeStatus
		ns, err = cl.NodeBlobStatus(ctx, id)
		st = ns.BlobStatus
		source = &blobStatusSource{From: "storageNodes", AgreeingShards: ns.Weight, AnsweredShards: ns.Answered, NShards: ns.NShards}
	}
	if err != nil {
		return blobStatusOutput{}, fmt.Errorf("blob status of %s: %w", id, err)
	}
	return blobStatusOutput{BlobID: id.String(), CurrentEpoch: nw.Committee.Epoch, Status: statusWord(st), Source: source, BlobStatus: st}, nil
}

type blobStatusOutput struct {
	BlobID       string      `json:"blobId"`
	CurrentEpoch chain.Epoch `json:"currentEpoch"`
	Status       string      `json:"status"`
	// Source is set when the status comes from the storage nodes rather
	// than from the chain itself.
	Source *blobStatusSource `json:"source,omitempty"`
	chain.BlobStatus
}

// blobStatusSource says which storage nodes a status comes from.
type blobStatusSource struct {
	From           string `json:"from"` // "storageNodes"
	AgreeingShards int    `json:"agreeingShards"`
	AnsweredShards int    `json:"answeredShards"`
	NShards        int    `json:"nShards"`
}

func statusWord(st chain.BlobStatus) string {
	switch {
	case st.Invalid != nil:
		return "invalid"
	case !st.Exists:
		return "nonexistent"
	case (st.Permanent != nil && st.Permanent.IsCertified) || st.DeletableCertified > 0:
		return "certified"
	}
	return "registered"
}

func printBlobStatus(w io.Writer, o blobStatusOutput) {
	st := o.BlobStatus
	fmt.Fprintf(w, "blob ID:        %s\n", o.BlobID)
	fmt.Fprintf(w, "status:         %s\n", o.Status)
	fmt.Fprintf(w, "current epoch:  %d\n", o.CurrentEpoch)
	if src := o.Source; src != nil {
		fmt.Fprintf(w, "source:         storage nodes (nodes holding %d of %d shards agree; %d answered)\n", src.AgreeingShards, src.NShards, src.AnsweredShards)
	}
	if p := st.Permanent; p != nil {
		state := "registered, not certified"
		if p.IsCertified {
			state = "certified"
		}
		fmt.Fprintf(w, "permanent:      %s, until epoch %d (exclusive); event %s:%d\n", state, p.EndEpoch, p.StatusEvent.TxDigest, p.StatusEvent.EventSeq)
	}
	if st.DeletableTotal > 0 {
		fmt.Fprintf(w, "deletable:      %d objects, %d certified\n", st.DeletableTotal, st.DeletableCertified)
	}
	if e := st.InitialCertifiedEpoch; e != nil {
		fmt.Fprintf(w, "certified in:   epoch %d\n", *e)
	}
	if inv := st.Invalid; inv != nil {
		fmt.Fprintf(w, "invalid:        marked by event %s:%d\n", inv.TxDigest, inv.EventSeq)
	}
}
