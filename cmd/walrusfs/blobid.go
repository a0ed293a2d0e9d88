package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/encoding"
)

func newBlobIDCmd() *cobra.Command {
	var nShards int
	cmd := &cobra.Command{
		Use:   "blob-id [--n-shards N] FILE...",
		Short: "Print the Walrus blob ID of each file, computed offline",
		Long: `Print one line per file: its blob ID as Walrus writes it (base64url, no
padding), two spaces, the file name, like sha256sum. FILE "-" reads standard
input. The blob ID depends on the committee's number of shards; the default,
1000, is that of Walrus Mainnet and Testnet.`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if nShards < encoding.MinShards || nShards > encoding.MaxShards {
				return usageError{fmt.Errorf("--n-shards %d: must be between %d and %d", nShards, encoding.MinShards, encoding.MaxShards)}
			}
			// One process encodes a few blobs: the Leopard tables (74 MB,
			// about 0.13 s to build) would cost more than they save.
			enc, err := encoding.NewEncoderWith(nShards, encoding.EncoderOptions{LowMemory: true})
			if err != nil {
				return err
			}
			failed := false
			for _, name := range args {
				id, err := fileBlobID(enc, name)
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "walrusfs: %s: %v\n", name, err)
					failed = true
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s  %s\n", id, name)
			}
			if failed {
				return errPartial
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&nShards, "n-shards", encoding.DefaultShards, "number of shards of the committee")
	return cmd
}

// fileBlobID computes a file's blob ID, streaming regular files row by row so
// that the whole file is never in memory at once.
func fileBlobID(enc *encoding.Encoder, name string) (encoding.BlobID, error) {
	if name == "-" {
		data, err := io.ReadAll(os.Stdin)
		if err != nil {
			return encoding.BlobID{}, fmt.Errorf("read standard input: %w", err)
		}
		_, id, err := enc.ComputeMetadata(data)
		return id, err
	}
	f, err := os.Open(name)
	if err != nil {
		return encoding.BlobID{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return encoding.BlobID{}, err
	}
	if info.IsDir() {
		return encoding.BlobID{}, fmt.Errorf("is a directory")
	}
	if !info.Mode().IsRegular() {
		data, err := io.ReadAll(f)
		if err != nil {
			return encoding.BlobID{}, err
		}
		_, id, err := enc.ComputeMetadata(data)
		return id, err
	}
	// Check the size before reading anything.
	if _, err := enc.Params(uint64(info.Size())); err != nil {
		return encoding.BlobID{}, err
	}
	_, id, err := enc.ComputeMetadataFrom(f, uint64(info.Size()))
	if err != nil {
		return encoding.BlobID{}, err
	}
	// A file that grew while it was read would give a blob ID of a prefix.
	if n, _ := f.Read(make([]byte, 1)); n > 0 {
		return encoding.BlobID{}, fmt.Errorf("file changed while it was read")
	}
	return id, nil
}
