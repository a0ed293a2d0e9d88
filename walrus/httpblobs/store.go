package httpblobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// storeResult is the JSON of PUT /v1/blobs: one field is set.
type storeResult struct {
	NewlyCreated *struct {
		BlobObject blobObject `json:"blobObject"`
	} `json:"newlyCreated"`
	AlreadyCertified *struct {
		BlobID   string `json:"blobId"`
		Object   string `json:"object"`
		EndEpoch uint32 `json:"endEpoch"`
	} `json:"alreadyCertified"`
	MarkedInvalid *struct {
		BlobID string `json:"blobId"`
	} `json:"markedInvalid"`
	Error *struct {
		BlobID string `json:"blobId"`
		Error  string `json:"error"`
	} `json:"error"`
}

type blobObject struct {
	ID              string  `json:"id"`
	RegisteredEpoch uint32  `json:"registeredEpoch"`
	BlobID          string  `json:"blobId"`
	Size            uint64  `json:"size"`
	CertifiedEpoch  *uint32 `json:"certifiedEpoch"`
	Deletable       bool    `json:"deletable"`
	Storage         struct {
		ID          string `json:"id"`
		StartEpoch  uint32 `json:"startEpoch"`
		EndEpoch    uint32 `json:"endEpoch"`
		StorageSize uint64 `json:"storageSize"`
	} `json:"storage"`
}

// Store stores blob through the publisher for epochs epochs. The blob's ID
// is computed here first: a publisher that answers with another is not
// believed. The blob object is the publisher's, as far as its answer
// tells; a blob it found already certified is Reused.
func (c *Client) Store(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*client.StoreResult, error) {
	if c.publisher == nil {
		return nil, errors.New("store: no publisher URL given")
	}
	if int64(len(blob)) > c.opts.MaxBody {
		return nil, fmt.Errorf("store %d bytes: %w (its body limit is taken as %d bytes)", len(blob), ErrTooLarge, c.opts.MaxBody)
	}
	_, id, err := c.enc.ComputeMetadata(blob)
	if err != nil {
		return nil, fmt.Errorf("store: encode: %w", err)
	}
	q := url.Values{"epochs": {strconv.FormatUint(uint64(epochs), 10)}}
	if deletable {
		q.Set("deletable", "true")
	} else {
		q.Set("permanent", "true")
	}
	target := endpoint(c.publisher, "/v1/blobs", q)
	ctx, cancel := context.WithTimeout(ctx, defaultStoreTimeout)
	defer cancel()
	resp, err := c.do(ctx, http.MethodPut, target, blob)
	if err != nil {
		return nil, fmt.Errorf("store blob %s: %w", id, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("store blob %s: %w", id, statusError(http.MethodPut, target, resp))
	}
	defer resp.Body.Close()
	var sr storeResult
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&sr); err != nil {
		return nil, fmt.Errorf("store blob %s: the publisher's answer: %w", id, err)
	}
	res, err := sr.result(uint64(len(blob)), deletable)
	if err != nil {
		return nil, fmt.Errorf("store blob %s: the publisher's answer: %w", id, err)
	}
	if res.BlobID != id {
		return nil, fmt.Errorf("store: publisher %s stored blob %s, but the bytes encode to %s with %d shards: is --n-shards the network's?",
			c.publisher, res.BlobID, id, c.opts.NShards)
	}
	c.cache.put(id, blob) // the mount reads what it just wrote, often
	return res, nil
}

// result turns the publisher's answer into a StoreResult.
func (sr storeResult) result(size uint64, deletable bool) (*client.StoreResult, error) {
	switch {
	case sr.NewlyCreated != nil:
		b := sr.NewlyCreated.BlobObject
		id, err := encoding.ParseBlobID(b.BlobID)
		if err != nil {
			return nil, fmt.Errorf("blobId: %w", err)
		}
		obj := chain.Blob{BlobID: id, Size: b.Size, RegisteredEpoch: b.RegisteredEpoch, Deletable: b.Deletable,
			Storage: chain.Storage{StartEpoch: b.Storage.StartEpoch, EndEpoch: b.Storage.EndEpoch, Size: b.Storage.StorageSize}}
		if b.CertifiedEpoch != nil {
			e := *b.CertifiedEpoch
			obj.CertifiedEpoch = &e
		}
		// Object IDs are informative only: a malformed one is left zero.
		obj.ID, _ = ledger.ParseObjectID(b.ID)
		obj.Storage.ID, _ = ledger.ParseObjectID(b.Storage.ID)
		return &client.StoreResult{BlobID: id, Object: obj, Resource: client.NewStorage}, nil
	case sr.AlreadyCertified != nil:
		a := sr.AlreadyCertified
		id, err := encoding.ParseBlobID(a.BlobID)
		if err != nil {
			return nil, fmt.Errorf("blobId: %w", err)
		}
		obj := chain.Blob{BlobID: id, Size: size, Deletable: deletable, Storage: chain.Storage{EndEpoch: a.EndEpoch}}
		obj.ID, _ = ledger.ParseObjectID(a.Object)
		return &client.StoreResult{BlobID: id, Object: obj, Reused: true}, nil
	case sr.MarkedInvalid != nil:
		return nil, fmt.Errorf("the blob %s is marked invalid on the network", sr.MarkedInvalid.BlobID)
	case sr.Error != nil:
		return nil, fmt.Errorf("the publisher failed to store it: %s", sr.Error.Error)
	}
	return nil, errors.New("neither newlyCreated nor alreadyCertified")
}
