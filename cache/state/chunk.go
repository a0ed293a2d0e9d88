package state

import (
	"encoding/binary"
	"errors"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/encoding"
)

// Chunk is one piece of a file's content, in order: Size bytes of Blob
// from Off. Small files share blobs: as a patch of a Walrus quilt (Patch
// set, Off 0), or, as older mounts stored them, a range of a blob of
// files laid end to end (Off > 0 or BlobSize > Size). A large file's chunk
// is a whole blob (Off 0, BlobSize 0).
type Chunk struct {
	Blob     encoding.BlobID `json:"blob"`
	Size     uint64          `json:"size"`
	Off      uint64          `json:"off,omitempty"`
	BlobSize uint64          `json:"blobSize,omitempty"` // 0: Stored()
	// Enc is the length of the chunk's age file in the blob when its
	// content is encrypted (Size is then the plaintext's); 0 when the blob
	// holds the content as it is.
	Enc uint64 `json:"enc,omitempty"`
	// Patch is the chunk's patch when its blob is a quilt: the chunk's
	// stored bytes are that patch's contents.
	Patch Patch `json:"patch,omitzero"`
	// Sum is the content's hash as the uploader's dedup table keys it
	// (keyed when the content is private): it checks a local copy without
	// the network.
	Sum []byte `json:"sum,omitempty"`
}

// Patch is a patch of a quilt: the blob's columns [Start, End).
type Patch struct {
	Start uint16 `json:"start"`
	End   uint16 `json:"end"`
}

// InQuilt tells whether the chunk is a patch of a quilt.
func (c Chunk) InQuilt() bool { return c.Patch.End != 0 }

// Encrypted tells whether the blob holds the chunk as an age file.
func (c Chunk) Encrypted() bool { return c.Enc != 0 }

// Stored returns the chunk's length in its blob.
func (c Chunk) Stored() uint64 {
	if c.Enc != 0 {
		return c.Enc
	}
	return c.Size
}

// Whole tells whether the chunk is its blob, entire.
func (c Chunk) Whole() bool {
	return !c.InQuilt() && c.Off == 0 && (c.BlobSize == 0 || c.BlobSize == c.Stored())
}

// InBlob returns the size of the chunk's blob.
func (c Chunk) InBlob() uint64 {
	if c.BlobSize == 0 {
		return c.Stored()
	}
	return c.BlobSize
}

func hashKey(sum [32]byte) []byte { return append([]byte{'h'}, sum[:]...) }

// KnownChunk returns where content with a hash is stored, if known: a
// chunk of Size bytes of a certified blob.
func (b *Book) KnownChunk(sum [32]byte, size uint64) (Chunk, bool, error) {
	var c Chunk
	found := false
	err := b.h.ViewTxn(func(txn *badger.Txn) error {
		item, err := txn.Get(hashKey(sum))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(b []byte) error {
			switch len(b) {
			case len(c.Blob): // a whole blob
				copy(c.Blob[:], b)
				c.Size = size
			case len(c.Blob) + 16, len(c.Blob) + 24, len(c.Blob) + 28:
				copy(c.Blob[:], b)
				c.Size = size
				c.Off = binary.BigEndian.Uint64(b[32:])
				c.BlobSize = binary.BigEndian.Uint64(b[40:])
				if len(b) >= len(c.Blob)+24 {
					c.Enc = binary.BigEndian.Uint64(b[48:])
				}
				if len(b) == len(c.Blob)+28 {
					c.Patch.Start = binary.BigEndian.Uint16(b[56:])
					c.Patch.End = binary.BigEndian.Uint16(b[58:])
				}
			default:
				return errors.New("state: corrupt content hash entry")
			}
			found = true
			return nil
		})
	})
	return c, found, err
}

// RememberChunk records where content with a hash is stored, for dedup.
func (b *Book) RememberChunk(sum [32]byte, c Chunk) error {
	return b.h.UpdateTxn(func(txn *badger.Txn) error { return txn.Set(hashKey(sum), chunkRecord(c)) })
}

// RememberChunks records, in the tree's transaction, where the content
// with each hash is: hashes[i] is chunks[i]'s.
func RememberChunks(txn *badger.Txn, chunks []Chunk, hashes [][32]byte) error {
	for i, h := range hashes {
		if err := txn.Set(hashKey(h), chunkRecord(chunks[i])); err != nil {
			return err
		}
	}
	return nil
}

// chunkRecord is the dedup record of where a chunk's content is: the blob
// ID, and for a range of a shared blob or an encrypted chunk its offset,
// the blob's size and the age file's length, and for a patch of a quilt
// its columns too (what KnownChunk reads back).
func chunkRecord(c Chunk) []byte {
	v := append([]byte(nil), c.Blob[:]...)
	if !c.Whole() || c.Encrypted() {
		v = binary.BigEndian.AppendUint64(v, c.Off)
		v = binary.BigEndian.AppendUint64(v, c.InBlob())
	}
	if c.Encrypted() || c.InQuilt() {
		v = binary.BigEndian.AppendUint64(v, c.Enc)
	}
	if c.InQuilt() {
		v = binary.BigEndian.AppendUint16(v, c.Patch.Start)
		v = binary.BigEndian.AppendUint16(v, c.Patch.End)
	}
	return v
}
