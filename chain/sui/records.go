package sui

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/sui/walrusptb"
	"github.com/walrusfs/walrusfs/encoding"
)

// A walrusfs tree's manifest record lives in Walrus blob attributes on the
// manifest's own Blob object, owned by the user: the attribute FsAttribute
// names the tree and VersionAttribute counts its publications. The record of
// a tree is the user's live, certified Blob object with that name and the
// highest version, so nothing but Walrus's own package is needed, and any
// Walrus tool can see which blob is a walrusfs manifest.
//
// Blob objects can be transferred, so anyone could give a user a Blob that
// claims to be their tree. SignatureAttribute holds the owner's signature
// (a Sui personal message) over the record, bound to the Blob object: a
// record counts only if its owner signed it.
const (
	FsAttribute        = "walrusfs"
	VersionAttribute   = "walrusfs-version"
	SignatureAttribute = "walrusfs-signature"
	maxFsNameBytes     = 128
)

// recordMessage is what an owner signs to make a Blob object the record of
// a tree at a version.
func recordMessage(name string, version uint64, blobID encoding.BlobID, object chain.ObjectID) []byte {
	msg := []byte("walrusfs manifest record\x00")
	msg = append(msg, name...)
	msg = append(msg, 0)
	msg = strconv.AppendUint(msg, version, 10)
	msg = append(msg, 0)
	msg = append(msg, blobID[:]...)
	return append(msg, object[:]...)
}

// FsRecord finds owner's record of the tree name: the scan of the owner's
// Blob objects and their attributes.
func (c *Client) FsRecord(ctx context.Context, owner chain.Address, name string) (chain.FsRecord, error) {
	if err := checkName(name); err != nil {
		return chain.FsRecord{}, err
	}
	d, err := c.deploymentState(ctx)
	if err != nil {
		return chain.FsRecord{}, err
	}
	blobs, err := c.ownedBlobs(ctx, owner, d)
	if err != nil {
		return chain.FsRecord{}, err
	}
	ids := make([]chain.ObjectID, len(blobs))
	for i, b := range blobs {
		ids[i] = moveobj.MetadataFieldID(b.ID)
	}
	fields, err := c.objects(ctx, ids)
	if err != nil {
		return chain.FsRecord{}, err
	}
	var best chain.FsRecord
	for i, f := range fields {
		if f == nil {
			continue
		}
		rec, ok := recordOf(blobs[i], f, owner, name, d.committee.Epoch)
		// Two records of one version (two machines publishing at once):
		// the same one wins for every reader.
		if ok && (rec.Version > best.Version || rec.Version == best.Version && bytes.Compare(rec.ID[:], best.ID[:]) > 0) {
			best = rec
		}
	}
	if best.Version == 0 {
		return chain.FsRecord{}, fmt.Errorf("sui: %w: no filesystem record %q of %s", chain.ErrNotFound, name, hexID(owner))
	}
	return best, nil
}

// recordOf reads a blob's attributes as a record of the tree name, if they
// are one and the blob is readable.
func recordOf(b chain.Blob, field *object, owner chain.Address, name string, epoch chain.Epoch) (chain.FsRecord, bool) {
	m, err := moveobj.DecodeMetadataField(field.contents)
	if err != nil || b.CertifiedEpoch == nil || b.Storage.EndEpoch <= epoch {
		return chain.FsRecord{}, false
	}
	attrs := make(map[string]string, len(m.Value))
	for _, a := range m.Value {
		attrs[a.Key] = a.Value
	}
	v, err := strconv.ParseUint(attrs[VersionAttribute], 10, 64)
	if attrs[FsAttribute] != name || err != nil || v == 0 || v == math.MaxUint64 {
		return chain.FsRecord{}, false
	}
	sig, err := base64.StdEncoding.DecodeString(attrs[SignatureAttribute])
	if err != nil {
		return chain.FsRecord{}, false
	}
	if signer, err := suikey.VerifyPersonalMessage(recordMessage(name, v, b.BlobID, b.ID), sig); err != nil || signer != owner {
		return chain.FsRecord{}, false
	}
	return chain.FsRecord{ID: b.ID, Owner: owner, Name: name, Manifest: b.BlobID, Version: v, UpdatedEpoch: *b.CertifiedEpoch}, true
}

// ownedBlobs lists owner's Blob objects.
func (c *Client) ownedBlobs(ctx context.Context, owner chain.Address, d *deployment) ([]chain.Blob, error) {
	var out []chain.Blob
	err := c.listOwned(ctx, owner, moveobj.BlobType(d.typeOrigin), "blob objects", func(obj *object) error {
		b, err := blobFromObject(obj)
		if err == nil {
			out = append(out, b)
		}
		return err
	})
	return out, err
}

// listOwned calls fn with each object of type typ that owner owns, page by
// page.
func (c *Client) listOwned(ctx context.Context, owner chain.Address, typ moveobj.StructTag, what string, fn func(*object) error) error {
	o, t := hexID(owner), typ.String()
	var token []byte
	for {
		resp, err := c.state.ListOwnedObjects(ctx, &v2.ListOwnedObjectsRequest{Owner: &o, ObjectType: &t, PageToken: token, ReadMask: objectMask})
		if err != nil {
			return rpcError("list "+what, err)
		}
		for _, p := range resp.Objects {
			obj, err := parseObject(p)
			if err != nil {
				return fmt.Errorf("sui: %s: %w", what, err)
			}
			if err := fn(obj); err != nil {
				return err
			}
		}
		if len(resp.NextPageToken) == 0 {
			return nil
		}
		token = resp.NextPageToken
	}
}

func checkName(name string) error {
	if len(name) == 0 || len(name) > maxFsNameBytes || !utf8.ValidString(name) {
		return fmt.Errorf("sui: %w: filesystem name %q: 1 to %d bytes of UTF-8", chain.ErrInvalidArgument, name, maxFsNameBytes)
	}
	return nil
}

// PublishManifest makes the signer's certified Blob object of manifest the
// record of the tree name, at version prevVersion+1, by writing its
// attributes. prevVersion must be the current record's version (0: none).
func (c *Client) PublishManifest(ctx context.Context, name string, manifest encoding.BlobID, prevVersion uint64) (chain.FsRecord, error) {
	if err := checkName(name); err != nil {
		return chain.FsRecord{}, err
	}
	what := fmt.Sprintf("publish manifest %s of %q", manifest, name)
	key, err := c.signer()
	if err != nil {
		return chain.FsRecord{}, err
	}
	if prevVersion >= math.MaxUint64-1 {
		return chain.FsRecord{}, fmt.Errorf("sui: %s: %w: version %d", what, chain.ErrInvalidArgument, prevVersion)
	}
	// The check and the write under one lock: this client's publishes
	// cannot both build on the same version.
	c.txMu.Lock()
	defer c.txMu.Unlock()
	cur, err := c.FsRecord(ctx, c.Address(), name)
	switch {
	case err == nil && cur.Version != prevVersion:
		return chain.FsRecord{}, fmt.Errorf("sui: %s: %w: the record is at version %d, not %d", what, chain.ErrConflict, cur.Version, prevVersion)
	case err != nil && !isNotFound(err):
		return chain.FsRecord{}, err
	case err != nil && prevVersion != 0:
		return chain.FsRecord{}, fmt.Errorf("sui: %s: %w: no record exists, expected version %d", what, chain.ErrConflict, prevVersion)
	}
	d, err := c.deploymentState(ctx)
	if err != nil {
		return chain.FsRecord{}, err
	}
	blobs, err := c.ownedBlobs(ctx, c.Address(), d)
	if err != nil {
		return chain.FsRecord{}, err
	}
	var target *chain.Blob
	for i, b := range blobs {
		if b.BlobID == manifest && b.CertifiedEpoch != nil && b.Storage.EndEpoch > d.committee.Epoch {
			if target == nil || b.Storage.EndEpoch > target.Storage.EndEpoch {
				target = &blobs[i]
			}
		}
	}
	if target == nil {
		return chain.FsRecord{}, fmt.Errorf("sui: %s: %w: the wallet owns no live certified blob object of it", what, chain.ErrInvalidArgument)
	}
	objs, err := c.objects(ctx, []chain.ObjectID{target.ID, moveobj.MetadataFieldID(target.ID)})
	if err != nil {
		return chain.FsRecord{}, err
	}
	if objs[0] == nil {
		return chain.FsRecord{}, fmt.Errorf("sui: %s: %w: blob object %s", what, chain.ErrNotFound, hexID(target.ID))
	}
	flow := walrusptb.WriteAttributes{
		Contract: d.contract, Blob: objs[0].ref,
		Changes: []walrusptb.Attribute{
			{Key: FsAttribute, Value: name},
			{Key: VersionAttribute, Value: strconv.FormatUint(prevVersion+1, 10)},
			{Key: SignatureAttribute, Value: base64.StdEncoding.EncodeToString(
				key.SignPersonalMessage(recordMessage(name, prevVersion+1, manifest, target.ID)))},
		},
	}
	if objs[1] != nil {
		m, err := moveobj.DecodeMetadataField(objs[1].contents)
		if err != nil {
			return chain.FsRecord{}, fmt.Errorf("sui: %s: attributes of %s: %w", what, hexID(target.ID), err)
		}
		flow.Existing = make(map[string]string, len(m.Value))
		for _, a := range m.Value {
			flow.Existing[a.Key] = a.Value
		}
	}
	if _, err := c.transact(ctx, what, flow, d); err != nil {
		return chain.FsRecord{}, err
	}
	return chain.FsRecord{ID: target.ID, Owner: c.Address(), Name: name, Manifest: manifest, Version: prevVersion + 1, UpdatedEpoch: d.committee.Epoch}, nil
}

func isNotFound(err error) bool { return errors.Is(err, chain.ErrNotFound) }

// FindOwnedBlob looks among the signer's Blob objects for a live one of
// blobID with the given deletability lasting until endEpoch: certified if
// there is one, else registered (a store then uploads and certifies it
// rather than paying for another).
func (c *Client) FindOwnedBlob(ctx context.Context, blobID encoding.BlobID, endEpoch chain.Epoch, deletable bool) (chain.Blob, bool, error) {
	if c.cfg.Signer == nil {
		return chain.Blob{}, false, nil
	}
	d, err := c.stateFor(ctx, false)
	if err != nil {
		return chain.Blob{}, false, err
	}
	blobs, err := c.ownedBlobs(ctx, c.Address(), d)
	if err != nil {
		return chain.Blob{}, false, err
	}
	var found *chain.Blob
	for i, b := range blobs {
		if b.BlobID != blobID || b.Deletable != deletable || b.Storage.EndEpoch < endEpoch || b.Storage.EndEpoch <= d.committee.Epoch {
			continue
		}
		if found == nil || (found.CertifiedEpoch == nil && b.CertifiedEpoch != nil) {
			found = &blobs[i]
		}
	}
	if found == nil {
		return chain.Blob{}, false, nil
	}
	return *found, true, nil
}

// OwnedStorage lists the signer's Storage resources not attached to a
// blob: those bought ahead, and those deleted blobs gave back.
func (c *Client) OwnedStorage(ctx context.Context) ([]chain.Storage, error) {
	if c.cfg.Signer == nil {
		return nil, nil
	}
	d, err := c.stateFor(ctx, false)
	if err != nil {
		return nil, err
	}
	var out []chain.Storage
	err = c.listOwned(ctx, c.Address(), moveobj.StorageType(d.typeOrigin), "storage resources", func(obj *object) error {
		st, err := moveobj.DecodeStorage(obj.contents)
		if err != nil {
			return fmt.Errorf("sui: storage object %s: %w", hexID(obj.ref.ID), err)
		}
		out = append(out, chain.Storage{ID: st.ID, StartEpoch: st.StartEpoch, EndEpoch: st.EndEpoch, Size: st.StorageSize})
		return nil
	})
	return out, err
}

// OwnedBlobs lists the signer's Blob objects.
func (c *Client) OwnedBlobs(ctx context.Context) ([]chain.Blob, error) {
	d, err := c.stateFor(ctx, false)
	if err != nil {
		return nil, err
	}
	return c.ownedBlobs(ctx, c.Address(), d)
}
