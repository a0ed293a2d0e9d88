package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync/atomic"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/human"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/connect"
)

func newStoreCmd(g *globals) *cobra.Command {
	var (
		netFlags  networkFlags
		httpNet   httpFlags
		epochsArg string
		deletable bool
		permanent bool
		asJSON    bool
		encryptTo []string
		asQuilt   bool
	)
	cmd := &cobra.Command{
		Use:   "store [--config FILE | --network FILE | --publisher URL] [--epochs N|max] [--deletable|--permanent] [--encrypt-to RECIPIENT]... [--quilt] [--json] FILE...",
		Short: "Store files as Walrus blobs",
		Long: `Store each file as a blob: encode it (Red Stuff), register it on the chain for
--epochs epochs from the current one, upload its slivers to the storage
nodes and certify it once nodes holding n − f shards confirmed.

Print one line per file, its blob ID, two spaces and the file name, as
"walrusfs blob-id --n-shards N" does; or, with --json, one JSON object per
line: {"file", "blobId", "objectId", "size", "registeredEpoch",
"certifiedEpoch", "endEpoch" (exclusive), "deletable", "confirmedShards",
"nShards", "reused", and on Sui "costWal" (FROST) and "costGas" (MIST)}, or
{"file", "error"} for a file that failed.

A file whose blob the wallet already holds certified, with the same
deletability, until at least the epochs asked for, is not stored again: the
existing blob object is reported ("reused"). On Walrus on Sui what the stores
cost, in WAL (storage and writes) and SUI (gas), is printed on standard
error at the end.

With --encrypt-to (an age recipient, age1… or age1pq…, or a file of them,
as age's -r and -R take them; repeatable) each file is encrypted first: the
blob is exactly a file "age -e -r RECIPIENT" would write, which "age -d -i
IDENTITY" and "walrusfs read --identity IDENTITY" decrypt. Without it the
blob is the file as it is, readable by anyone who learns its ID.

With --quilt the files are stored together as one Walrus quilt (QuiltV1, as
Walrus's store-quilt and the official SDKs write it; at most 666 files over
1000 shards), each named by its base name: one blob, one registration, and
each file still readable on its own, by its quilt patch ID ("walrusfs read
PATCH_ID", an aggregator's /v1/blobs/by-quilt-patch-id/). The quilt's blob ID
is printed first, then each file's patch ID and name; with --json one object
with "patches": [{"file", "identifier", "quiltPatchId"}]. With --encrypt-to
each file is encrypted inside its own patch.

With --publisher URL the files are stored through that Walrus publisher (as
Walrus Testnet's public ones), with no wallet and no chain: the publisher
pays and owns the blob objects. Each blob ID is computed here and checked
against the publisher's answer (--n-shards, 1000 by default as on Testnet
and Mainnet, must be the network's). A file larger than
--publisher-max-body fails. With --quilt the quilt is encoded here and stored
as one blob, so that any publisher takes it.

FILE "-" reads standard input. A file that fails is reported and the others
are still stored; the exit status is then 1. Progress is shown on standard
error when it is a terminal.`,
		DisableFlagsInUseLine: true,
		Args:                  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if deletable && permanent {
				return usageError{errors.New("--deletable and --permanent exclude each other")}
			}
			if _, err := epochsSyntax(epochsArg); err != nil {
				return err
			}
			if err := checkStdinOnce(args); err != nil {
				return err
			}
			if err := httpNet.check(netFlags); err != nil {
				return err
			}
			var recipients []age.Recipient
			if len(encryptTo) > 0 {
				var err error
				if recipients, err = crypt.ParseRecipients(encryptTo); err != nil {
					return usageError{fmt.Errorf("--encrypt-to: %w", err)}
				}
			}
			if httpNet.chosen() {
				return storeViaPublisher(cmd, g, httpNet, args, epochsArg, deletable, asJSON, asQuilt, recipients)
			}
			log, nw, err := clientCommand(cmd, g, netFlags)
			if err != nil {
				return err
			}
			defer nw.Close()
			ctx := cmd.Context()
			epochs, err := parseEpochs(ctx, epochsArg, nw)
			if err != nil {
				return err
			}
			before := spent(nw)
			enc, err := encoding.NewEncoder(nw.Committee.NShards)
			if err != nil {
				return err
			}
			var bar atomic.Pointer[progressBar]
			cl := client.New(nw.Chain, client.Options{
				Logger: log.With("component", "client"),
				Progress: func(done, total int64) {
					if b := bar.Load(); b != nil {
						b.update(done, total)
						if done == total {
							b.status("certifying")
						}
					}
				},
			})
			showProgress := isTerminal(os.Stderr)
			out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
			if asQuilt {
				b := newProgressBar(errOut, showProgress, fmt.Sprintf("quilt of %d files", len(args)), "uploading slivers")
				bar.Store(b)
				if err := storeQuilt(ctx, cmd, cl, enc, args, epochs, deletable, recipients, asJSON, b); err != nil {
					return err
				}
				printCost(errOut, nw, before)
				return nil
			}
			failed := false
			for _, name := range args {
				if ctx.Err() != nil {
					return fmt.Errorf("interrupted before %s: %w", name, ctx.Err())
				}
				b := newProgressBar(errOut, showProgress, name, "uploading slivers")
				bar.Store(b)
				spentBefore := spent(nw)
				res, size, err := storeFile(ctx, cl, enc, name, epochs, deletable, recipients, b)
				b.clear()
				bar.Store(nil)
				if err != nil {
					reportStoreFailure(out, errOut, name, err, asJSON)
					failed = true
					continue
				}
				if asJSON {
					o := newStoreOutput(name, size, res, nw.Committee.NShards)
					o.Encrypted = recipients != nil
					if nw.Sui != nil {
						now := nw.Sui.Spent()
						wal, gas := now.WAL-spentBefore.WAL, now.SUI-spentBefore.SUI
						o.CostWAL, o.CostGas = &wal, &gas
					}
					writeJSONLine(out, o)
				} else {
					fmt.Fprintf(out, "%s  %s\n", res.BlobID, name)
				}
				if res.Reused && !asJSON {
					fmt.Fprintf(errOut, "walrusfs: %s: already certified until epoch %d (blob object %s); not stored again\n",
						name, res.Object.Storage.EndEpoch, ledger.FormatObjectID(res.Object.ID))
				}
			}
			printCost(errOut, nw, before)
			if failed {
				return errPartial
			}
			return nil
		},
	}
	addNetworkFlags(cmd, &netFlags)
	addHTTPFlags(cmd, &httpNet, true, false)
	cmd.Flags().StringVar(&epochsArg, "epochs", "1", `number of epochs to store the blobs for, from the current one, or "max"`)
	cmd.Flags().BoolVar(&deletable, "deletable", false, "register the blobs as deletable by their owner")
	cmd.Flags().BoolVar(&permanent, "permanent", false, "register the blobs as permanent (the default): not deletable before they expire")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per file")
	cmd.Flags().BoolVar(&asQuilt, "quilt", false, "store the files together as one Walrus quilt, printing each one's quilt patch ID")
	cmd.Flags().StringArrayVar(&encryptTo, "encrypt-to", nil, "encrypt each file to this age recipient (age1…, age1pq…) or the recipients listed in this file, first (repeatable)")
	return cmd
}

func checkStdinOnce(args []string) error {
	n := 0
	for _, a := range args {
		if a == "-" {
			n++
		}
	}
	if n > 1 {
		return usageError{errors.New(`standard input ("-") can be given only once`)}
	}
	return nil
}

// storeOutput is the JSON form of a stored file.
type storeOutput struct {
	File            string  `json:"file"`
	BlobID          string  `json:"blobId"`
	ObjectID        string  `json:"objectId"`
	Size            uint64  `json:"size"`
	RegisteredEpoch uint32  `json:"registeredEpoch"`
	CertifiedEpoch  uint32  `json:"certifiedEpoch"`
	EndEpoch        uint32  `json:"endEpoch"`
	Deletable       bool    `json:"deletable"`
	ConfirmedShards int     `json:"confirmedShards"`
	NShards         int     `json:"nShards"`
	Reused          bool    `json:"reused"`
	Encrypted       bool    `json:"encrypted,omitempty"` // the blob is an age file of the file
	CostWAL         *uint64 `json:"costWal,omitempty"`
	CostGas         *uint64 `json:"costGas,omitempty"`
}

func newStoreOutput(name string, size uint64, res *client.StoreResult, nShards int) storeOutput {
	o := storeOutput{
		File: name, BlobID: res.BlobID.String(), ObjectID: ledger.FormatObjectID(res.Object.ID), Size: size,
		RegisteredEpoch: res.Object.RegisteredEpoch, EndEpoch: res.Object.Storage.EndEpoch,
		Deletable: res.Object.Deletable, ConfirmedShards: res.ConfirmedShards, NShards: nShards, Reused: res.Reused,
	}
	if res.Object.CertifiedEpoch != nil {
		o.CertifiedEpoch = *res.Object.CertifiedEpoch
	}
	return o
}

// reportStoreFailure tells that a file was not stored: on standard error,
// and as its JSON line with --json.
func reportStoreFailure(out, errOut io.Writer, name string, err error, asJSON bool) {
	fmt.Fprintf(errOut, "walrusfs: %s: %v\n", name, err)
	if asJSON {
		writeJSONLine(out, struct {
			File  string `json:"file"`
			Error string `json:"error"`
		}{name, err.Error()})
	}
}

func writeJSONLine(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own plain structs are written
	}
	w.Write(append(b, '\n'))
}

// storeFile reads a file whole (the encoder needs it in memory) and stores it.
func storeFile(ctx context.Context, cl *client.Client, enc *encoding.Encoder, name string, epochs uint32, deletable bool, recipients []age.Recipient, bar *progressBar) (*client.StoreResult, uint64, error) {
	bar.status("reading")
	data, err := readInput(enc, name)
	if err != nil {
		return nil, 0, err
	}
	size := uint64(len(data))
	if recipients != nil {
		bar.status("encrypting")
		if data, err = crypt.Encrypt(data, recipients); err != nil {
			return nil, 0, err
		}
	}
	bar.status(fmt.Sprintf("encoding %s and registering", human.Bytes(int64(len(data)))))
	res, err := cl.Store(ctx, data, epochs, deletable)
	if err != nil {
		return nil, 0, err
	}
	return res, size, nil
}

// readInput reads a file, or standard input for "-", refusing early a file
// too large for a blob.
func readInput(enc *encoding.Encoder, name string) ([]byte, error) {
	if name == "-" {
		data, err := readAtMost(os.Stdin, enc)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return data, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, errors.New("is a directory")
	}
	if info.Mode().IsRegular() {
		if _, err := enc.Params(uint64(info.Size())); err != nil {
			return nil, err
		}
		data := make([]byte, info.Size())
		if _, err := io.ReadFull(f, data); err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		if n, _ := f.Read(make([]byte, 1)); n > 0 {
			return nil, errors.New("file changed while it was read")
		}
		return data, nil
	}
	return readAtMost(f, enc)
}

// readAtMost reads a stream whole, refusing it once it outgrows the
// largest blob rather than filling memory.
func readAtMost(r io.Reader, enc *encoding.Encoder) ([]byte, error) {
	limit, err := encoding.MaxBlobSize(enc.NShards())
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if uint64(len(data)) > limit {
		return nil, fmt.Errorf("more than %s, the largest blob with %d shards", human.Bytes(int64(limit)), enc.NShards())
	}
	return data, nil
}

// parseEpochs reads --epochs: a number of epochs from 1, or "max", the most
// the network sells ahead.
func parseEpochs(ctx context.Context, arg string, nw *connect.Network) (uint32, error) {
	max := uint32(ledger.DefaultMaxEpochsAhead)
	if nw.Sui != nil {
		m, err := nw.Sui.MaxEpochsAhead(ctx)
		if err != nil {
			return 0, err
		}
		max = m
	}
	n, err := epochsSyntax(arg)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return max, nil
	}
	if n > max {
		return 0, usageError{fmt.Errorf("--epochs %d: the network sells storage at most %d epochs ahead (--epochs max)", n, max)}
	}
	return n, nil
}

// epochsSyntax checks --epochs before anything is dialed: a number from 1,
// or "max" (returned as 0).
func epochsSyntax(arg string) (uint32, error) {
	if arg == "max" {
		return 0, nil
	}
	n, err := strconv.ParseUint(arg, 10, 32)
	if err != nil || n == 0 {
		return 0, usageError{fmt.Errorf("--epochs %q: want a number of epochs from 1, or max", arg)}
	}
	return uint32(n), nil
}
