package state

import "github.com/dgraph-io/badger/v4"

// Published describes the last manifest published for this tree.
type Published struct {
	Name     string `json:"name"`
	Version  uint64 `json:"version"`
	Manifest string `json:"manifest"` // blob ID
	Hash     []byte `json:"hash"`     // of the manifest's bytes
	At       int64  `json:"at"`       // Unix nanoseconds
}

var publishedKey = []byte{'m'}

// Published returns the record of the last published manifest, or ENOENT.
func (b *Book) Published() (*Published, error) {
	p := new(Published)
	if err := b.h.ViewTxn(func(txn *badger.Txn) error { return GetJSON(txn, publishedKey, p) }); err != nil {
		return nil, err
	}
	return p, nil
}

// SetPublished records the last published manifest.
func (b *Book) SetPublished(p *Published) error {
	return b.h.UpdateTxn(func(txn *badger.Txn) error { return SetJSON(txn, publishedKey, p) })
}
