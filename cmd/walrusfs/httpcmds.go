package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/quilt"
	"github.com/walrusfs/walrusfs/walrus/httpblobs"
)

// httpClient is the start of "store --publisher" and "read --aggregator":
// the logger and the client.
func httpClient(cmd *cobra.Command, g *globals, f httpFlags) (*slog.Logger, *httpblobs.Client, error) {
	log, err := g.logger(cmd.ErrOrStderr(), slog.LevelWarn)
	if err != nil {
		return nil, nil, err
	}
	cl, err := f.client(log.With("component", "http"))
	if err != nil {
		return nil, nil, usageError{err}
	}
	return log, cl, nil
}

// storeViaPublisher stores each file through the publisher: the blob
// object is the publisher's, as it reports it.
func storeViaPublisher(cmd *cobra.Command, g *globals, f httpFlags, args []string, epochsArg string, deletable, asJSON, asQuilt bool, recipients []age.Recipient) error {
	epochs, err := epochsSyntax(epochsArg)
	if err != nil {
		return err
	}
	if epochs == 0 {
		return usageError{errors.New(`--epochs max needs the chain, which a publisher does not tell: give a number`)}
	}
	_, cl, err := httpClient(cmd, g, f)
	if err != nil {
		return err
	}
	defer cl.Close()
	enc, err := encoding.NewEncoder(cl.NShards())
	if err != nil {
		return err
	}
	ctx, out, errOut := cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr()
	if asQuilt {
		bar := newProgressBar(errOut, isTerminal(os.Stderr), fmt.Sprintf("quilt of %d files", len(args)), "uploading")
		return storeQuilt(ctx, cmd, cl, enc, args, epochs, deletable, recipients, asJSON, bar)
	}
	failed := false
	for _, name := range args {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted before %s: %w", name, ctx.Err())
		}
		data, err := readInput(enc, name)
		if err == nil && recipients != nil {
			data, err = crypt.Encrypt(data, recipients)
		}
		size := uint64(len(data))
		if err == nil && int64(len(data)) > cl.MaxBody() {
			err = fmt.Errorf("%d bytes: %w, whose body limit is %d bytes (--publisher-max-body; the mount cuts files to fit)", len(data), httpblobs.ErrTooLarge, cl.MaxBody())
		}
		if err != nil {
			reportStoreFailure(out, errOut, name, err, asJSON)
			failed = true
			continue
		}
		res, err := cl.Store(ctx, data, epochs, deletable)
		if err != nil {
			reportStoreFailure(out, errOut, name, err, asJSON)
			failed = true
			continue
		}
		if asJSON {
			o := newStoreOutput(name, size, res, cl.NShards())
			o.Encrypted = recipients != nil
			writeJSONLine(out, o)
		} else {
			fmt.Fprintf(out, "%s  %s\n", res.BlobID, name)
		}
	}
	if failed {
		return errPartial
	}
	return nil
}

// readViaAggregator reads a blob, a part of one (ID:OFF:LEN) or a quilt's
// patch through the aggregator, verified against its ID, to -o or
// standard output.
func readViaAggregator(cmd *cobra.Command, g *globals, f httpFlags, arg, output, rangeFlag string, identities []string) error {
	var off, length uint64
	var err error
	ranged := rangeFlag != ""
	if ranged {
		if off, length, err = parseRange(rangeFlag); err != nil {
			return usageError{err}
		}
	}
	var pid *quilt.PatchID
	var id encoding.BlobID
	var part *[2]uint64
	if quilt.IsPatchID(arg) {
		p, err := quilt.ParsePatchID(arg)
		if err != nil {
			return usageError{err}
		}
		pid = &p
	} else if id, part, err = parseBlobRef(arg); err != nil {
		return usageError{err}
	}
	ids, err := readIdentityFlags(cmd, identities)
	if err != nil {
		return err
	}
	_, cl, err := httpClient(cmd, g, f)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx := cmd.Context()
	// A whole plain blob streams to its file: a large one is never whole
	// in memory.
	if pid == nil && part == nil && !ranged && ids == nil {
		return streamOutput(cmd, output, func(w io.Writer) error {
			_, err := cl.WriteTo(ctx, id, w)
			return err
		}, id)
	}
	var data []byte
	switch {
	case pid != nil:
		var qf quilt.File
		if qf, err = fetchPatch(ctx, cl, *pid, ids); err == nil {
			data = qf.Data
		}
	case part != nil:
		data, err = cl.ReadRange(ctx, id, part[0], part[1])
	case ranged && ids == nil:
		data, err = cl.ReadRange(ctx, id, off, length)
		off = 0 // what --range asked is all there is
	default:
		data, err = cl.Read(ctx, id)
	}
	if err == nil && ids != nil && pid == nil {
		data, err = crypt.Decrypt(data, ids)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", arg, err)
	}
	if ranged {
		if off > uint64(len(data)) || length > uint64(len(data))-off {
			return usageError{fmt.Errorf("--range %d:%d is outside the %d bytes of %s", off, length, len(data), arg)}
		}
		data = data[off : off+length]
	}
	return writeOutput(cmd, output, data)
}

// streamOutput writes through write to standard output, or to -o FILE by
// way of a temporary file renamed over it once complete.
func streamOutput(cmd *cobra.Command, output string, write func(io.Writer) error, id encoding.BlobID) error {
	if output == "" || output == "-" {
		if err := write(cmd.OutOrStdout()); err != nil {
			return fmt.Errorf("read %s: %w", id, err)
		}
		return nil
	}
	return writeFileWith(output, func(f io.Writer) error {
		if err := write(f); err != nil {
			return fmt.Errorf("read %s: %w", id, err)
		}
		return nil
	})
}
