package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/quilt"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// readPatch is "walrusfs read QUILT_PATCH_ID": one file of a quilt, from
// the secondary slivers of its columns alone.
func readPatch(cmd *cobra.Command, g *globals, netFlags networkFlags, arg, output, rangeFlag string, identities []string) error {
	pid, err := quilt.ParsePatchID(arg)
	if err != nil {
		return usageError{err}
	}
	var off, length uint64
	ranged := rangeFlag != ""
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
	defer nw.Close()
	bar := newProgressBar(cmd.ErrOrStderr(), isTerminal(os.Stderr), arg, "downloading slivers")
	bar.status("fetching metadata")
	cl := client.New(nw.Chain, client.Options{Logger: log.With("component", "client"), Progress: bar.update})
	f, err := fetchPatch(cmd.Context(), cl, pid, ids)
	bar.clear()
	if err != nil {
		return fmt.Errorf("read %s: %w", arg, err)
	}
	data := f.Data
	if ranged {
		if off > uint64(len(data)) || length > uint64(len(data))-off {
			return usageError{fmt.Errorf("--range %d:%d is outside the %d bytes of %s", off, length, len(data), f.Identifier)}
		}
		data = data[off : off+length]
	}
	return writeOutput(cmd, output, data)
}

// columnReader reads columns of a blob's matrix: the Walrus client from
// the nodes, or an aggregator's client from the verified quilt blob.
type columnReader interface {
	ReadColumns(ctx context.Context, id encoding.BlobID, first, end int) ([]byte, error)
}

// fetchPatch reads a quilt's file by its patch ID, decrypting it with ids
// if given (an encrypted file's patch holds its age file).
func fetchPatch(ctx context.Context, cl columnReader, pid quilt.PatchID, ids []age.Identity) (quilt.File, error) {
	cols, err := cl.ReadColumns(ctx, pid.Quilt, int(pid.Start), int(pid.End))
	if err != nil {
		return quilt.File{}, err
	}
	f, err := quilt.ParsePatch(cols)
	if err != nil {
		return quilt.File{}, err
	}
	if ids != nil {
		if f.Data, err = crypt.Decrypt(f.Data, ids); err != nil {
			return quilt.File{}, fmt.Errorf("%s: %w", f.Identifier, err)
		}
	}
	return f, nil
}

// quiltFiles reads the files of "store --quilt" as patches named by their
// base names, each encrypted to recipients first if any are given.
func quiltFiles(enc *encoding.Encoder, names []string, recipients []age.Recipient) ([]quilt.File, error) {
	max, err := quilt.MaxFiles(enc.NShards())
	if err != nil {
		return nil, err
	}
	if len(names) > max {
		return nil, usageError{fmt.Errorf("%d files: a quilt over %d shards holds at most %d", len(names), enc.NShards(), max)}
	}
	seen := map[string]string{}
	var files []quilt.File
	for _, name := range names {
		if name == "-" {
			return nil, usageError{errors.New(`--quilt stores named files; standard input ("-") has no name`)}
		}
		id := filepath.Base(name)
		if other, ok := seen[id]; ok {
			return nil, usageError{fmt.Errorf("%s and %s would both be %q in the quilt", other, name, id)}
		}
		seen[id] = name
		data, err := readInput(enc, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if recipients != nil {
			if data, err = crypt.Encrypt(data, recipients); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		files = append(files, quilt.File{Identifier: id, Data: data})
	}
	return files, nil
}

// quiltOutput is the JSON form of a stored quilt.
type quiltOutput struct {
	storeOutput
	Patches []patchOutput `json:"patches"`
}

type patchOutput struct {
	File         string        `json:"file"`
	Identifier   string        `json:"identifier"`
	QuiltPatchID quilt.PatchID `json:"quiltPatchId"`
}

// storeQuilt stores files as one quilt and prints the quilt's blob ID, then
// each file's patch ID.
// quiltStorer stores the quilt's blob: the Walrus client, or a publisher
// (the quilt is encoded here, so any publisher stores it as a plain blob).
type quiltStorer interface {
	Store(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*client.StoreResult, error)
}

func storeQuilt(ctx context.Context, cmd *cobra.Command, cl quiltStorer, enc *encoding.Encoder, names []string, epochs uint32, deletable bool, recipients []age.Recipient, asJSON bool, bar *progressBar) error {
	bar.status("reading")
	files, err := quiltFiles(enc, names, recipients)
	if err != nil {
		return err
	}
	q, x, err := quilt.Encode(enc.NShards(), files)
	if err != nil {
		return err
	}
	bar.status("encoding and registering")
	res, err := cl.Store(ctx, q, epochs, deletable)
	bar.clear()
	if err != nil {
		return fmt.Errorf("store the quilt of %d files: %w", len(files), err)
	}
	byID := map[string]string{}
	for _, name := range names {
		byID[filepath.Base(name)] = name
	}
	out := cmd.OutOrStdout()
	if asJSON {
		o := quiltOutput{storeOutput: newStoreOutput("", uint64(len(q)), res, enc.NShards())}
		o.Encrypted = recipients != nil
		for _, p := range x.Patches {
			o.Patches = append(o.Patches, patchOutput{File: byID[p.Identifier], Identifier: p.Identifier, QuiltPatchID: p.ID(res.BlobID)})
		}
		writeJSONLine(out, o)
		return nil
	}
	fmt.Fprintf(out, "%s  (quilt of %d files)\n", res.BlobID, len(files))
	for _, p := range x.Patches {
		fmt.Fprintf(out, "%s  %s\n", p.ID(res.BlobID), byID[p.Identifier])
	}
	return nil
}
