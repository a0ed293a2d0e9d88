package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/quilt"
	"github.com/walrusfs/walrusfs/walrus/client"
)

func newReadCmd(g *globals) *cobra.Command {
	var (
		netFlags   networkFlags
		httpNet    httpFlags
		output     string
		rangeFlag  string
		identities []string
		strict     bool
	)
	cmd := &cobra.Command{
		Use:   "read --network FILE|--aggregator URL BLOB_ID[:OFF:LEN]|QUILT_PATCH_ID [-o FILE] [--range OFF:LEN] [--identity FILE]... [--strict-consistency-check]",
		Short: "Read a blob back",
		Long: `Read a blob: fetch its metadata and enough slivers from the storage nodes,
verify them, decode, and write the blob to standard output, or to FILE with
-o. The blob streams: its rows (systematic primary slivers) are fetched a
window at a time, the next while one is written, each verified against the
blob's metadata; a row no node serves is rebuilt by decoding the blob, and
the rebuilt rows are checked against the metadata (Walrus's default
consistency check). --strict-consistency-check reads the blob whole and
re-encodes it, refusing it unless it encodes to its ID, as Walrus's flag of
that name does. A FILE is written through a temporary file in its directory
renamed over it once complete, so a failed read leaves no partial file (on
standard output, what arrived before a failure has been written; the exit
status says it failed). --range OFF:LEN
reads LEN bytes from byte OFF only, fetching only the slivers that hold them.
Progress is shown on standard error when it is a terminal. A blob ID that
starts with "-" may be given as it is.

BLOB_ID:OFF:LEN, as user.walrus.blob_id names a file's content in a shared
or padded blob, reads LEN bytes from OFF of the blob (--range is then within
them).

A quilt patch ID (50 characters, as "walrusfs store --quilt", Walrus's
store-quilt and user.walrus.quilt_patch_id print them) reads that one file
of the quilt, fetching only the secondary slivers of its columns.

With --aggregator URL the blob is read through that Walrus aggregator (as
Walrus Testnet's public ones) instead of from the storage nodes, with no
wallet: it is fetched whole and re-encoded, and refused unless it encodes
to the blob ID asked for (--n-shards, 1000 by default as on Testnet and
Mainnet, must be the network's). A quilt patch ID reads the quilt's blob,
verified alike, and cuts the patch from it.

With --identity (an age identity file, as age -i takes it; repeatable) the
blob (or its part) is an age file, decrypted on the way: what "walrusfs store
--encrypt-to" or "age -e" wrote. --range then counts plaintext bytes, and
only the slivers of the encrypted chunks that hold them are fetched.`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := httpNet.check(netFlags); err != nil {
				return err
			}
			ranged := rangeFlag != ""
			if strict && (ranged || quilt.IsPatchID(args[0]) || strings.Contains(args[0], ":")) {
				return usageError{errors.New("--strict-consistency-check reads whole blobs: not with --range, BLOB_ID:OFF:LEN or a quilt patch ID")}
			}
			if httpNet.chosen() {
				// Every read through an aggregator is strict: the blob is
				// fetched whole and re-encoded.
				return readViaAggregator(cmd, g, httpNet, args[0], output, rangeFlag, identities)
			}
			if quilt.IsPatchID(args[0]) {
				return readPatch(cmd, g, netFlags, args[0], output, rangeFlag, identities)
			}
			id, part, err := parseBlobRef(args[0])
			if err != nil {
				return usageError{err}
			}
			var off, length uint64
			if ranged {
				if off, length, err = parseRange(rangeFlag); err != nil {
					return usageError{err}
				}
			}
			ids, err := readIdentityFlags(cmd, identities)
			if err != nil {
				return err
			}
			log, nw, err := clientCommand(cmd, g, netFlags)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			bar := newProgressBar(cmd.ErrOrStderr(), isTerminal(os.Stderr), id.String(), "downloading slivers")
			bar.status("fetching metadata")
			opts := client.Options{Logger: log.With("component", "client"), Progress: bar.update}
			streaming := ids == nil && part == nil && !ranged && !strict
			if streaming {
				opts.Progress = nil // streamBlob counts the bytes written
			}
			cl := client.New(nw.Chain, opts)
			if streaming {
				return streamBlob(cmd, cl, id, output, bar)
			}
			var data []byte
			switch {
			case ids != nil && (ranged || part != nil):
				data, err = readDecrypted(ctx, cl, id, part, ranged, off, length, ids)
			case ids != nil:
				read := cl.Read
				if strict {
					read = cl.ReadStrict
				}
				if data, err = read(ctx, id); err == nil {
					data, err = crypt.Decrypt(data, ids)
				}
			case part != nil && ranged:
				if off > part[1] || length > part[1]-off {
					return usageError{fmt.Errorf("--range %d:%d is outside the %d bytes of %s", off, length, part[1], args[0])}
				}
				data, err = cl.ReadRange(ctx, id, part[0]+off, length)
			case part != nil:
				data, err = cl.ReadRange(ctx, id, part[0], part[1])
			case ranged:
				data, err = cl.ReadRange(ctx, id, off, length)
			default: // strict: a whole plain blob is streamed otherwise
				data, err = cl.ReadStrict(ctx, id)
			}
			bar.clear()
			if err != nil {
				return fmt.Errorf("read %s: %w", id, err)
			}
			return writeOutput(cmd, output, data)
		},
	}
	addNetworkFlags(cmd, &netFlags)
	addHTTPFlags(cmd, &httpNet, false, true)
	cmd.Flags().StringVarP(&output, "output", "o", "", `write the blob to this file instead of standard output ("-": standard output)`)
	cmd.Flags().StringVar(&rangeFlag, "range", "", "read only LEN bytes from offset OFF, given as OFF:LEN")
	cmd.Flags().StringArrayVar(&identities, "identity", nil, "decrypt the blob, an age file, with the identities in this file (repeatable)")
	cmd.Flags().BoolVar(&strict, "strict-consistency-check", false, "read the blob whole and check that it encodes to its ID")
	return cmd
}

// streamWindow is how much of a blob a streaming read fetches at once:
// enough rows to keep many nodes busy, little memory whatever the blob.
const streamWindow = 16 << 20

// streamBlob writes a whole blob to -o FILE or standard output as it
// arrives (client.Stream), with progress.
func streamBlob(cmd *cobra.Command, cl *client.Client, id encoding.BlobID, output string, bar *progressBar) error {
	ctx := cmd.Context()
	size, err := cl.Size(ctx, id)
	if err != nil {
		bar.clear()
		return fmt.Errorf("read %s: %w", id, err)
	}
	return streamOutput(cmd, output, func(w io.Writer) error {
		var done int64
		err := client.Stream(ctx, cl, id, 0, size, streamWindow, func(b []byte) error {
			if _, err := w.Write(b); err != nil {
				return err
			}
			done += int64(len(b))
			bar.update(done, int64(size))
			return nil
		})
		bar.clear()
		return err
	}, id)
}

// readIdentityFlags reads --identity files, asking a passphrase for a
// protected one; none given is nil.
func readIdentityFlags(cmd *cobra.Command, identities []string) ([]age.Identity, error) {
	if len(identities) == 0 {
		return nil, nil
	}
	ask := func() (string, error) { return readPassphrase(cmd, false) }
	ids, err := crypt.ReadIdentities(identities, ask)
	if err != nil {
		return nil, usageError{fmt.Errorf("--identity: %w", err)}
	}
	return ids, nil
}

// writeOutput writes what was read to -o FILE, or standard output.
func writeOutput(cmd *cobra.Command, output string, data []byte) error {
	if output == "" || output == "-" {
		if _, err := cmd.OutOrStdout().Write(data); err != nil {
			return fmt.Errorf("write standard output: %w", err)
		}
		return nil
	}
	return writeFileReplacing(output, data)
}

// parseBlobRef parses a blob ID, or ID:OFFSET:LENGTH, a part of a blob as
// user.walrus.blob_id names a file's content in a shared or padded blob.
func parseBlobRef(s string) (encoding.BlobID, *[2]uint64, error) {
	idText, rng, ok := strings.Cut(s, ":")
	id, err := encoding.ParseBlobID(idText)
	if err != nil || !ok {
		return id, nil, err
	}
	off, length, err := parseRange(rng)
	if err != nil {
		return id, nil, fmt.Errorf("%s: %w", s, err)
	}
	return id, &[2]uint64{off, length}, nil
}

// readDecrypted reads the plaintext of an age file, the whole blob or a
// part of it, all of it or a range: only the header, the last chunk and
// the chunks that hold the range are fetched.
func readDecrypted(ctx context.Context, cl *client.Client, id encoding.BlobID, part *[2]uint64, ranged bool, off, length uint64, ids []age.Identity) ([]byte, error) {
	var start, size uint64
	if part != nil {
		start, size = part[0], part[1]
	} else {
		var err error
		if size, err = cl.Size(ctx, id); err != nil {
			return nil, err
		}
	}
	src := io.NewSectionReader(cl.ReaderAt(ctx, id, start+size), int64(start), int64(size))
	plain, n, err := crypt.OpenAt(src, int64(size), ids)
	if err != nil {
		return nil, err
	}
	if !ranged {
		off, length = 0, uint64(n)
	}
	if off > uint64(n) || length > uint64(n)-off {
		return nil, fmt.Errorf("range [%d, %d) outside the %d bytes of plaintext", off, off+length, n)
	}
	out := make([]byte, length)
	if k, err := plain.ReadAt(out, int64(off)); k != len(out) || (err != nil && !errors.Is(err, io.EOF)) {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	return out, nil
}

// parseRange parses OFF:LEN, two decimal byte counts.
func parseRange(s string) (off, length uint64, err error) {
	a, b, ok := strings.Cut(s, ":")
	if ok {
		off, err = strconv.ParseUint(a, 10, 64)
		if err == nil {
			length, err = strconv.ParseUint(b, 10, 64)
		}
	}
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("--range %q: want OFF:LEN, two byte counts such as 1024:4096", s)
	}
	if off+length < off {
		return 0, 0, fmt.Errorf("--range %q: past the largest offset", s)
	}
	return off, length, nil
}

// writeFileReplacing writes data to path through a synced temporary file
// in the same directory renamed over it. An existing file keeps its mode; a
// new one gets 0644.
func writeFileReplacing(path string, data []byte) error {
	return writeFileWith(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeFileWith writes what write writes to path, as writeFileReplacing
// does: nothing is left of a write that fails.
func writeFileWith(path string, write func(io.Writer) error) error {
	mode := os.FileMode(0o644)
	switch info, err := os.Stat(path); {
	case err == nil && info.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case err == nil:
		mode = info.Mode().Perm()
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".walrusfs-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(f); err != nil {
		return fail(err)
	}
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
