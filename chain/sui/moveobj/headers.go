package moveobj

import (
	"fmt"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// Table is the in-object header of a 0x2::table::Table, 0x2::bag::Bag or
// 0x2::object_table::ObjectTable, which share one layout; the entries are
// dynamic fields of ID.
type Table struct {
	ID   chain.ObjectID
	Size uint64
}

func writeTable(w *bcs.Writer, t Table) {
	writeID(w, t.ID)
	w.U64(t.Size)
}

func readTable(r *bcs.Reader) (t Table, err error) {
	if t.ID, err = readID(r); err != nil {
		return t, err
	}
	t.Size, err = r.U64()
	return t, err
}

// ExtendedField is Walrus's extended_field::ExtendedField<T>: a UID whose
// single dynamic field holds the value.
type ExtendedField struct {
	ID chain.ObjectID
}

func writeExtendedField(w *bcs.Writer, f ExtendedField) { writeID(w, f.ID) }

func readExtendedField(r *bcs.Reader) (ExtendedField, error) {
	id, err := readID(r)
	return ExtendedField{ID: id}, err
}

// Versioned is the layout of both shared Walrus objects, system::System and
// staking::Staking: the state itself is a dynamic field keyed by Version
// (InnerStateFieldID). PackageID is the package to call; NewPackageID is set
// while an upgrade is pending.
type Versioned struct {
	ID           chain.ObjectID
	Version      uint64
	PackageID    chain.ObjectID
	NewPackageID *chain.ObjectID
}

// System is the shared system::System object.
type System = Versioned

// Staking is the shared staking::Staking object.
type Staking = Versioned

// MarshalBCS returns the object's Move contents.
func (v Versioned) MarshalBCS() []byte {
	return marshal(73, func(w *bcs.Writer) {
		writeID(w, v.ID)
		w.U64(v.Version)
		writeID(w, v.PackageID)
		writeOption(w, v.NewPackageID, func(w *bcs.Writer, id chain.ObjectID) { writeID(w, id) })
	})
}

// DecodeVersioned decodes a System or Staking object's contents.
func DecodeVersioned(b []byte) (Versioned, error) {
	return decode("System/Staking", b, func(r *bcs.Reader) (v Versioned, err error) {
		if v.ID, err = readID(r); err != nil {
			return v, err
		}
		if v.Version, err = r.U64(); err != nil {
			return v, err
		}
		if v.PackageID, err = readID(r); err != nil {
			return v, err
		}
		if v.NewPackageID, err = readOption(r, readID); err != nil {
			return v, fmt.Errorf("new_package_id: %w", err)
		}
		return v, nil
	})
}

// Coin is a 0x2::coin::Coin<T>: its ID and its Balance<T>.
type Coin struct {
	ID      chain.ObjectID
	Balance uint64
}

// MarshalBCS returns the coin's Move contents (40 bytes).
func (c Coin) MarshalBCS() []byte {
	return marshal(40, func(w *bcs.Writer) {
		writeID(w, c.ID)
		w.U64(c.Balance)
	})
}

// DecodeCoin decodes a coin's contents.
func DecodeCoin(b []byte) (Coin, error) {
	return decode("Coin", b, func(r *bcs.Reader) (c Coin, err error) {
		if c.ID, err = readID(r); err != nil {
			return c, err
		}
		c.Balance, err = r.U64()
		return c, err
	})
}
