package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

func newBlobStatusCmd(g *globals) *cobra.Command {
	var (
		netFlags networkFlags
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "blob-status --network FILE BLOB_ID [--json]",
		Short: "Print what the chain knows of a blob",
		Long: `Print the chain's status of a blob ID: whether a live object registers it,
whether it is certified and until which epoch (end epochs are exclusive),
its deletable objects, and whether it was marked invalid.

The status is one of "certified", "registered" (not certified yet),
"nonexistent" (no live object: never stored, deleted or expired) and
"invalid". With --json the output is one object: {"blobId", "currentEpoch",
"status"} and the chain's BlobStatus fields ("exists", "permanent",
"deletableTotal", "deletableCertified", "initialCertifiedEpoch", "invalid").
The exit status is 0 whatever the blob's status.`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := encoding.ParseBlobID(args[0])
			if err != nil {
				return usageError{err}
			}
			_, nw, err := clientCommand(cmd, g, netFlags)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			st, err := nw.chain.BlobStatus(cctx, id)
			if err != nil {
				return fmt.Errorf("blob status of %s: %w", id, err)
			}
			out := blobStatusOutput{BlobID: id.String(), CurrentEpoch: nw.committee.Epoch, Status: statusWord(st), BlobStatus: st}
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

type blobStatusOutput struct {
	BlobID       string      `json:"blobId"`
	CurrentEpoch chain.Epoch `json:"currentEpoch"`
	Status       string      `json:"status"`
	chain.BlobStatus
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
