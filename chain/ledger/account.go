package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// Account is a client of an in-process ledger for one sender account.
type Account struct {
	l      *Ledger
	sender chain.Address
}

var (
	_ chain.Chain      = (*Account)(nil)
	_ chain.BlobLister = (*Account)(nil)

	_ chain.BlobAttributeReader = (*Account)(nil)
)

// Sender returns the account that sends the transactions.
func (a *Account) Sender() chain.Address { return a.sender }

func (a *Account) newRecord() *record { return &record{Sender: id32(a.sender)} }

// Committee returns the committee of the current epoch.
func (a *Account) Committee(ctx context.Context) (*chain.Committee, error) {
	var c chain.Committee
	err := a.l.read(ctx, func(s *state) error {
		c = s.committeeView()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("committee: %w", err)
	}
	return &c, nil
}

// ReportEpochSync records a member's signed sync report; the signature,
// not the sender, authenticates it.
func (a *Account) ReportEpochSync(ctx context.Context, epoch chain.Epoch, node chain.ObjectID, sig bls.Signature) error {
	return a.l.ReportEpochSync(ctx, epoch, node, sig)
}

// ReserveStorage buys size bytes of encoded length for epochs epochs.
func (a *Account) ReserveStorage(ctx context.Context, size uint64, epochs uint32) (chain.Storage, error) {
	r := a.newRecord()
	r.Reserve = &reserveTx{Size: size, Epochs: epochs}
	res, err := a.l.submit(ctx, r, nil)
	return res.storage, err
}

// RegisterBlob registers a blob against a storage resource of the sender's.
func (a *Account) RegisterBlob(ctx context.Context, storage chain.ObjectID, blobID encoding.BlobID, root encoding.Hash, size uint64, encodingType byte, deletable bool) (chain.Blob, error) {
	r := a.newRecord()
	r.Register = &registerTx{Storage: id32(storage), BlobID: blobID, Root: root, Size: size, EncodingType: encodingType, Deletable: deletable}
	res, err := a.l.submit(ctx, r, nil)
	return res.blob, err
}

// CertifyBlob certifies a blob of the sender's.
func (a *Account) CertifyBlob(ctx context.Context, blob chain.ObjectID, cert messages.Certificate) (chain.Blob, error) {
	r := a.newRecord()
	r.Certify = &certifyTx{Blob: id32(blob), Cert: toWireCert(cert)}
	res, err := a.l.submit(ctx, r, nil)
	return res.blob, err
}

// InvalidateBlobID marks a blob ID invalid.
func (a *Account) InvalidateBlobID(ctx context.Context, cert messages.Certificate) error {
	r := a.newRecord()
	r.Invalidate = &invalidateTx{Cert: toWireCert(cert)}
	_, err := a.l.submit(ctx, r, nil)
	return err
}

// DeleteBlob deletes a deletable blob of the sender's and returns its storage.
func (a *Account) DeleteBlob(ctx context.Context, blob chain.ObjectID) (chain.Storage, error) {
	r := a.newRecord()
	r.Delete = &deleteTx{Blob: id32(blob)}
	res, err := a.l.submit(ctx, r, nil)
	return res.storage, err
}

// ExtendBlob extends a certified blob of the sender's by epochs epochs.
func (a *Account) ExtendBlob(ctx context.Context, blob chain.ObjectID, epochs uint32) (chain.Blob, error) {
	r := a.newRecord()
	r.Extend = &extendTx{Blob: id32(blob), Epochs: epochs}
	res, err := a.l.submit(ctx, r, nil)
	return res.blob, err
}

// Blob returns a blob object, expired ones included; deleted ones are gone.
func (a *Account) Blob(ctx context.Context, id chain.ObjectID) (chain.Blob, error) {
	var b chain.Blob
	err := a.l.read(ctx, func(s *state) error {
		o, ok := s.blobs[id]
		if !ok {
			return fmt.Errorf("%w: no blob object %s", chain.ErrNotFound, FormatObjectID(id))
		}
		b = o.cloneBlob()
		return nil
	})
	if err != nil {
		return chain.Blob{}, fmt.Errorf("blob: %w", err)
	}
	return b, nil
}

// BlobAttributes returns a blob object's attributes, which Sui
// transactions set through the ledger's Sui face.
func (a *Account) BlobAttributes(ctx context.Context, id chain.ObjectID) ([]chain.Attribute, error) {
	var out []chain.Attribute
	err := a.l.read(ctx, func(s *state) error {
		if _, ok := s.blobs[id]; !ok {
			return fmt.Errorf("%w: no blob object %s", chain.ErrNotFound, FormatObjectID(id))
		}
		if attrs := s.sui.attrs[id]; attrs != nil {
			for _, p := range attrs.pairs {
				out = append(out, chain.Attribute{Key: p.Key, Value: p.Value})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blob attributes: %w", err)
	}
	return out, nil
}

// BlobStatus returns what the ledger knows of a blob ID.
func (a *Account) BlobStatus(ctx context.Context, blobID encoding.BlobID) (chain.BlobStatus, error) {
	var st chain.BlobStatus
	err := a.l.read(ctx, func(s *state) error {
		st = s.blobStatus(blobID)
		return nil
	})
	if err != nil {
		return chain.BlobStatus{}, fmt.Errorf("blob status: %w", err)
	}
	return st, nil
}

// PublishManifest creates (prevVersion 0) or updates the sender's
// filesystem record name if its version is still prevVersion.
func (a *Account) PublishManifest(ctx context.Context, name string, manifest encoding.BlobID, prevVersion uint64) (chain.FsRecord, error) {
	r := a.newRecord()
	r.Publish = &publishTx{Name: name, Manifest: manifest, PrevVersion: prevVersion}
	res, err := a.l.submit(ctx, r, nil)
	return res.fs, err
}

// FsRecord returns owner's filesystem record name.
func (a *Account) FsRecord(ctx context.Context, owner chain.Address, name string) (chain.FsRecord, error) {
	if err := checkFsName(name); err != nil {
		return chain.FsRecord{}, fmt.Errorf("filesystem record: %w", err)
	}
	var rec chain.FsRecord
	err := a.l.read(ctx, func(s *state) error {
		var ok bool
		if rec, ok = s.fs[fsKey{owner: owner, name: name}]; !ok {
			return fmt.Errorf("%w: no filesystem record %q of %s", chain.ErrNotFound, name, FormatAddress(owner))
		}
		return nil
	})
	if err != nil {
		return chain.FsRecord{}, fmt.Errorf("filesystem record: %w", err)
	}
	return rec, nil
}

// Events returns up to limit events from cursor from on (limit ≤ 0 means
// DefaultEventLimit). When there are none yet it waits for one until the
// context ends; if the context's deadline passes while waiting it returns no
// events and no error, so a consumer can poll with a timeout per call. A
// context already done on entry, or cancelled while waiting, gives its error.
func (a *Account) Events(ctx context.Context, from chain.Cursor, limit int) ([]chain.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	evs, err := a.l.waitEvents(ctx, from, limit, -1)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return evs, nil
}

// OwnedStorage lists the sender's Storage resources not attached to a
// blob, expired ones included, by object ID.
func (a *Account) OwnedStorage(ctx context.Context) ([]chain.Storage, error) {
	var out []chain.Storage
	err := a.l.read(ctx, func(s *state) error {
		for _, st := range s.storages {
			if st.owner == a.sender {
				out = append(out, st.Storage)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("owned storage: %w", err)
	}
	slices.SortFunc(out, func(x, y chain.Storage) int { return compareIDs(x.ID, y.ID) })
	return out, nil
}

// OwnedBlobs lists the sender's blob objects, expired ones included, by
// object ID.
func (a *Account) OwnedBlobs(ctx context.Context) ([]chain.Blob, error) {
	var out []chain.Blob
	err := a.l.read(ctx, func(s *state) error {
		for _, b := range s.blobs {
			if b.Owner == a.sender {
				out = append(out, b.cloneBlob())
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("owned blobs: %w", err)
	}
	slices.SortFunc(out, func(x, y chain.Blob) int { return compareIDs(x.ID, y.ID) })
	return out, nil
}
