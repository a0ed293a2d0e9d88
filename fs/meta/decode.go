package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DecodeTree reads a tree's JSON, as Dump's result marshals, from a source
// that is not trusted (a manifest from the network), and validates it.
// Lists are read one element at a time and counted, each element checked
// as it comes: a few compressed bytes of empty elements are refused at the
// first, not turned into gigabytes of structs. The caller bounds r.
func DecodeTree(r io.Reader) (*Tree, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	t := &Tree{}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("meta: decode tree: %w", err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return nil, fmt.Errorf("meta: decode tree: %w: %q twice", ErrCorrupt, key)
		}
		seen[key] = true
		switch key {
		case "inodes":
			t.Inodes, err = decodeList(dec, "inodes", maxInodes, func(w *wireInode) (Inode, error) {
				in := w.Inode
				in.Chunks = w.Chunks
				return in, checkInode(&in)
			})
		case "entries":
			t.Entries, err = decodeList(dec, "entries", maxEntries, func(e *Entry) (Entry, error) {
				if why := checkEntryName(e.Name); why != "" {
					return *e, corrupt("entry %q in %d: %s", e.Name, e.Parent, why)
				}
				return *e, nil
			})
		case "xattrs":
			t.Xattrs, err = decodeList(dec, "xattrs", maxXattrs, func(x *Xattr) (Xattr, error) {
				return *x, checkXattr(x)
			})
		default: // a newer writer's addition
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return nil, fmt.Errorf("meta: decode tree: %w", err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	// Read to the end: a gzip source checks its CRC there.
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("meta: decode tree: %w: more after the tree", ErrCorrupt)
	} else if !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("meta: decode tree: after the tree: %w", err)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("meta: decode tree: %w", err)
	}
	return t, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("meta: decode tree: %w", err)
	}
	if tok != want {
		return fmt.Errorf("meta: decode tree: %w: %v where %v belongs", ErrCorrupt, tok, want)
	}
	return nil
}

// decodeList reads a JSON array (or null) of at most limit elements, each
// decoded as W and turned into a T by check.
func decodeList[W, T any](dec *json.Decoder, what string, limit int, check func(*W) (T, error)) ([]T, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('[') {
		return nil, corrupt("%s: %v where a list belongs", what, tok)
	}
	var out []T
	for dec.More() {
		if len(out) == limit {
			return nil, corrupt("over %d %s", limit, what)
		}
		var w W
		if err := dec.Decode(&w); err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", what, len(out), err)
		}
		v, err := check(&w)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", what, len(out), err)
		}
		out = append(out, v)
	}
	if _, err := dec.Token(); err != nil { // the closing ]
		return nil, err
	}
	return out, nil
}

// wireInode is an Inode whose chunks are read one at a time, counted: the
// outer Chunks field takes the JSON "chunks" from the embedded one.
type wireInode struct {
	Inode
	Chunks chunkList `json:"chunks,omitempty"`
}

type chunkList []Chunk

func (l *chunkList) UnmarshalJSON(b []byte) error {
	if len(b) <= 64<<10 {
		// Short: decoded at once, at most a few MB even of empty
		// elements, and checked before the next inode.
		if err := json.Unmarshal(b, (*[]Chunk)(l)); err != nil {
			return err
		}
		for i, c := range *l {
			if err := checkChunk(c); err != nil {
				return fmt.Errorf("chunks[%d]: %w", i, err)
			}
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	chunks, err := decodeList(dec, "chunks", maxFileChunks, func(c *Chunk) (Chunk, error) {
		return *c, checkChunk(*c)
	})
	*l = chunks
	return err
}
