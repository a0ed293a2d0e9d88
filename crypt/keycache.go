package crypt

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"sync"

	"filippo.io/age"
)

// cachingIdentity remembers the file keys its identities unwrapped, by the
// header stanzas they came from, so that opening an age file again costs no
// key exchange: a hybrid post-quantum unwrap takes about 0.3 ms of CPU,
// most of what opening a small file costs, and a data set read once per
// training epoch opens every file again. Unwrapping is a function of the
// stanzas and the identity, so a remembered key is the key unwrapping would
// give; age still checks the header's MAC and every payload chunk with it.
// The keys stay in memory, as the identities do.
type cachingIdentity struct {
	ids []age.Identity
	max int

	mu    sync.Mutex
	keys  map[[sha256.Size]byte][]byte
	order [][sha256.Size]byte // first in, first out
}

// CachingIdentity wraps ids in one identity that remembers up to max
// unwrapped file keys (see cachingIdentity).
func CachingIdentity(ids []age.Identity, max int) age.Identity {
	return &cachingIdentity{ids: ids, max: max, keys: map[[sha256.Size]byte][]byte{}}
}

func (c *cachingIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	sum := stanzasSum(stanzas)
	c.mu.Lock()
	key, ok := c.keys[sum]
	c.mu.Unlock()
	if ok {
		return append([]byte(nil), key...), nil
	}
	for _, id := range c.ids {
		key, err := id.Unwrap(stanzas)
		if errors.Is(err, age.ErrIncorrectIdentity) {
			continue
		}
		if err != nil {
			return nil, err
		}
		c.remember(sum, key)
		return key, nil
	}
	return nil, age.ErrIncorrectIdentity
}

func (c *cachingIdentity) remember(sum [sha256.Size]byte, key []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.keys[sum]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.keys, c.order[0])
		c.order = c.order[1:]
	}
	c.keys[sum] = append([]byte(nil), key...)
	c.order = append(c.order, sum)
}

// stanzasSum identifies a header's stanzas: their types, arguments and
// bodies, each length-prefixed so that no two lists share a sum.
func stanzasSum(stanzas []*age.Stanza) [sha256.Size]byte {
	h := sha256.New()
	field := func(b []byte) {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
	}
	for _, s := range stanzas {
		field([]byte(s.Type))
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(s.Args))))
		for _, a := range s.Args {
			field([]byte(a))
		}
		field(s.Body)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
