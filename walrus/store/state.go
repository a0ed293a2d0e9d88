package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/walrusfs/walrusfs/chain"
)

// BlobState is what the store knows of a blob ID from the chain's events.
type BlobState struct {
	// Objects are the live Blob objects registering the blob ID, sorted by
	// object ID. Their number is the blob's reference count.
	Objects []Object
	// Certified is set once an object of the blob ID was certified;
	// CertifiedEpoch is the first epoch in which one was.
	Certified      bool
	CertifiedEpoch chain.Epoch
	// Invalid is set when the blob ID was marked invalid, by InvalidEvent.
	Invalid      bool
	InvalidEvent chain.EventID
}

// Object is one Blob object of a blob ID.
type Object struct {
	ID        chain.ObjectID
	Deletable bool
	Certified bool
	EndEpoch  chain.Epoch // exclusive
}

// Registered reports whether a live object registers the blob and it is
// not invalid.
func (st *BlobState) Registered() bool { return !st.Invalid && len(st.Objects) > 0 }

// LiveAt reports whether the blob is registered by an object that has not
// expired at epoch (end epochs are exclusive).
func (st *BlobState) LiveAt(epoch chain.Epoch) bool {
	return !st.Invalid && st.EndEpoch() > epoch
}

// IsCertified reports whether a live object is certified.
func (st *BlobState) IsCertified() bool {
	for _, o := range st.Objects {
		if o.Certified {
			return true
		}
	}
	return false
}

// EndEpoch returns the latest end epoch of the live objects, 0 if none.
func (st *BlobState) EndEpoch() chain.Epoch {
	var e chain.Epoch
	for _, o := range st.Objects {
		e = max(e, o.EndEpoch)
	}
	return e
}

// Object returns the live object with an ID.
func (st *BlobState) Object(id chain.ObjectID) (Object, bool) {
	i, ok := st.find(id)
	if !ok {
		return Object{}, false
	}
	return st.Objects[i], true
}

// DeletableCounts returns the number of live deletable objects and how many
// of them are certified.
func (st *BlobState) DeletableCounts() (total, certified int) {
	for _, o := range st.Objects {
		if o.Deletable {
			total++
			if o.Certified {
				certified++
			}
		}
	}
	return total, certified
}

func (st *BlobState) find(id chain.ObjectID) (int, bool) {
	return slices.BinarySearchFunc(st.Objects, id, func(o Object, id chain.ObjectID) int {
		return bytes.Compare(o.ID[:], id[:])
	})
}

// upsert adds an object or merges it into the one with its ID.
func (st *BlobState) upsert(o Object) {
	i, ok := st.find(o.ID)
	if !ok {
		st.Objects = slices.Insert(st.Objects, i, o)
		return
	}
	cur := &st.Objects[i]
	cur.Certified = cur.Certified || o.Certified
	cur.EndEpoch = max(cur.EndEpoch, o.EndEpoch)
	cur.Deletable = o.Deletable
}

// effect is what applying an event means for a blob's data.
type effect int

const (
	keepData    effect = iota
	promoteData        // the blob is registered: promote pending entries
	removeData         // invalid: remove data, keep the state
	removeAll          // no live object left: remove data and state
)

// apply applies a blob event to the state.
func (st *BlobState) apply(ev chain.Event) effect {
	switch ev.Kind {
	case chain.EventBlobRegistered:
		if st.Invalid {
			return keepData
		}
		st.upsert(Object{ID: ev.ObjectID, Deletable: ev.Deletable, EndEpoch: ev.EndEpoch})
		return promoteData
	case chain.EventBlobCertified:
		if st.Invalid {
			return keepData
		}
		st.upsert(Object{ID: ev.ObjectID, Deletable: ev.Deletable, Certified: true, EndEpoch: ev.EndEpoch})
		if !st.Certified || ev.Epoch < st.CertifiedEpoch {
			st.Certified, st.CertifiedEpoch = true, ev.Epoch
		}
		return promoteData
	case chain.EventBlobDeleted:
		if i, ok := st.find(ev.ObjectID); ok {
			st.Objects = slices.Delete(st.Objects, i, i+1)
		}
		return st.uncovered()
	case chain.EventInvalidBlobID:
		st.Invalid, st.InvalidEvent = true, ev.ID
		return removeData
	}
	return keepData
}

// expire drops the objects whose end epoch is at or before epoch. It reports
// whether any was dropped.
func (st *BlobState) expire(epoch chain.Epoch) bool {
	n := len(st.Objects)
	st.Objects = slices.DeleteFunc(st.Objects, func(o Object) bool { return o.EndEpoch <= epoch })
	return len(st.Objects) != n
}

// uncovered tells what to do once objects were dropped: remove the blob when
// none is left, unless the state must stay to remember that it is invalid.
func (st *BlobState) uncovered() effect {
	if len(st.Objects) > 0 || st.Invalid {
		return keepData
	}
	return removeAll
}

// State value: format | flags | certified epoch u32 | invalid event
// (digest length u16, digest, sequence u64) | object count u32 |
// objects (ID 32, flags 1, end epoch u32).
const (
	stateCertified byte = 1 << 0
	stateInvalid   byte = 1 << 1

	objectDeletable byte = 1 << 0
	objectCertified byte = 1 << 1

	objectLen     = 32 + 1 + 4
	maxDigestLen  = 1 << 10
	stateFixedLen = 1 + 1 + 4 + 2 + 8 + 4
)

func encodeState(st *BlobState) []byte {
	d := st.InvalidEvent.TxDigest
	b := make([]byte, 0, stateFixedLen+len(d)+objectLen*len(st.Objects))
	var flags byte
	if st.Certified {
		flags |= stateCertified
	}
	if st.Invalid {
		flags |= stateInvalid
	}
	b = append(b, valueFormat, flags)
	b = binary.LittleEndian.AppendUint32(b, st.CertifiedEpoch)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(d)))
	b = append(b, d...)
	b = binary.LittleEndian.AppendUint64(b, st.InvalidEvent.EventSeq)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(st.Objects)))
	for _, o := range st.Objects {
		var of byte
		if o.Deletable {
			of |= objectDeletable
		}
		if o.Certified {
			of |= objectCertified
		}
		b = append(b, o.ID[:]...)
		b = append(b, of)
		b = binary.LittleEndian.AppendUint32(b, o.EndEpoch)
	}
	return b
}

func decodeState(v []byte) (BlobState, error) {
	var st BlobState
	bad := func(why string) (BlobState, error) {
		return BlobState{}, fmt.Errorf("%w: blob state: %s", ErrCorrupt, why)
	}
	if len(v) < stateFixedLen || v[0] != valueFormat {
		return bad("short or unknown format")
	}
	flags := v[1]
	if flags&^(stateCertified|stateInvalid) != 0 {
		return bad("unknown flags")
	}
	st.Certified, st.Invalid = flags&stateCertified != 0, flags&stateInvalid != 0
	st.CertifiedEpoch = binary.LittleEndian.Uint32(v[2:])
	dl := int(binary.LittleEndian.Uint16(v[6:]))
	if dl > maxDigestLen || len(v) < stateFixedLen+dl {
		return bad("digest length")
	}
	st.InvalidEvent.TxDigest = string(v[8 : 8+dl])
	rest := v[8+dl:]
	st.InvalidEvent.EventSeq = binary.LittleEndian.Uint64(rest)
	n := binary.LittleEndian.Uint32(rest[8:])
	rest = rest[12:]
	if uint64(len(rest)) != uint64(n)*objectLen {
		return bad("object count")
	}
	if n > 0 {
		st.Objects = make([]Object, n)
	}
	for i := range st.Objects {
		r := rest[i*objectLen:]
		o := &st.Objects[i]
		copy(o.ID[:], r[:32])
		if r[32]&^(objectDeletable|objectCertified) != 0 {
			return bad("unknown object flags")
		}
		o.Deletable, o.Certified = r[32]&objectDeletable != 0, r[32]&objectCertified != 0
		o.EndEpoch = binary.LittleEndian.Uint32(r[33:])
		if i > 0 && bytes.Compare(st.Objects[i-1].ID[:], o.ID[:]) >= 0 {
			return bad("objects not sorted")
		}
	}
	return st, nil
}
