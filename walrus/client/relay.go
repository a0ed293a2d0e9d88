package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// ErrBlobIDMismatch is returned when a blob's bytes encode to another blob
// ID than the one they were sent for.
var ErrBlobIDMismatch = errors.New("the bytes encode to another blob ID")

// UploadRegistered uploads a blob that someone else registered on chain and
// returns the storage nodes' confirmation certificate, with which they then
// certify it: what Walrus's upload relay does for browsers, which cannot
// reach every node themselves. The bytes must encode to want, or nothing is
// sent (ErrBlobIDMismatch). object is the registered Blob object of a
// deletable blob, whose ID the confirmations sign; nil for a permanent one.
// As for Store, nodes that had not confirmed when it returns get their
// slivers in the background.
func (c *Client) UploadRegistered(ctx context.Context, blob []byte, want encoding.BlobID, object *messages.ObjectID) (messages.Certificate, error) {
	com, err := c.chain.Committee(ctx)
	if err != nil {
		return messages.Certificate{}, fmt.Errorf("upload %s: read committee: %w", want, err)
	}
	enc, err := c.encoder(com.NShards)
	if err != nil {
		return messages.Certificate{}, fmt.Errorf("upload %s: %w", want, err)
	}
	// The uploads outlive the call, and must not read the caller's buffer.
	eb, err := enc.Encode(bytes.Clone(blob))
	if err != nil {
		return messages.Certificate{}, fmt.Errorf("upload %s: encode: %w", want, err)
	}
	if eb.ID != want {
		got := eb.ID
		eb.Release()
		return messages.Certificate{}, fmt.Errorf("upload %s: %w %s", want, ErrBlobIDMismatch, got)
	}
	up, err := c.startUpload(eb)
	if err != nil {
		eb.Release()
		return messages.Certificate{}, fmt.Errorf("upload %s: %w", want, err)
	}
	confirmed := false
	defer func() { c.finish(up, confirmed) }()
	var cert messages.Certificate
	_, weight, err := c.confirm(ctx, up, com, object, func(got messages.Certificate) error {
		cert = got
		return nil
	})
	if err != nil {
		return messages.Certificate{}, fmt.Errorf("upload %s: %w", want, err)
	}
	confirmed = true
	c.log.Info("uploaded a blob registered by another", "blob", want, "confirmed_shards", weight, "deletable", object != nil)
	return cert, nil
}
