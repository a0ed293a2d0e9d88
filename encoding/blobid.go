package encoding

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"

	"golang.org/x/crypto/blake2b"
)

// BlobID identifies a blob: Blake2b-256 over its encoding type, length and
// root hash. Walrus prints it as base64url without padding.
type BlobID [32]byte

// DeriveBlobID computes the blob ID exactly as Walrus's BlobId::from_metadata
// and Move's blob::derive_blob_id do.
func DeriveBlobID(encodingType byte, length uint64, root [32]byte) BlobID {
	var buf [1 + 8 + 32]byte
	buf[0] = encodingType
	binary.LittleEndian.PutUint64(buf[1:9], length)
	copy(buf[9:], root[:])
	return blake2b.Sum256(buf[:])
}

func (id BlobID) String() string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// Hex returns the 32 bytes in hex.
func (id BlobID) Hex() string { return hex.EncodeToString(id[:]) }

// U256 returns the decimal integer that Sui and Move store: the bytes read
// little-endian.
func (id BlobID) U256() string {
	var be [32]byte
	for i := range id {
		be[31-i] = id[i]
	}
	return new(big.Int).SetBytes(be[:]).String()
}

// ParseBlobID parses the canonical base64url form: 43 characters, no
// padding, unused bits zero, as Walrus accepts it.
func ParseBlobID(s string) (BlobID, error) {
	var id BlobID
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return id, fmt.Errorf("invalid blob ID %q: %w", s, err)
	}
	if len(b) != len(id) {
		return id, fmt.Errorf("invalid blob ID %q: %d bytes, want 32", s, len(b))
	}
	copy(id[:], b)
	return id, nil
}

// MarshalText makes a BlobID print as its base64url form in JSON and YAML.
func (id BlobID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText parses the base64url form.
func (id *BlobID) UnmarshalText(b []byte) error {
	v, err := ParseBlobID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// Rotation returns the offset between sliver pairs and shards: the blob ID
// read as a big-endian integer, modulo n.
func (id BlobID) Rotation(nShards int) int {
	acc := 0
	for _, b := range id {
		acc = (acc*256 + int(b)) % nShards
	}
	return acc
}

// ShardForPair returns the shard that stores sliver pair p of this blob.
func (id BlobID) ShardForPair(pair, nShards int) int {
	return (pair + id.Rotation(nShards)) % nShards
}

// PairForShard returns the sliver pair that shard s stores for this blob.
func (id BlobID) PairForShard(shard, nShards int) int {
	return (nShards + shard - id.Rotation(nShards)) % nShards
}
