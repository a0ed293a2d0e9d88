package daemon

import (
	"encoding/hex"
	"strconv"

	"github.com/walrusfs/walrusfs/chain"
)

// The JSON of a store's result, in Walrus's shapes (BlobStoreResult):
// exactly one field of storeResult is set.
type storeResult struct {
	NewlyCreated     *newlyCreated     `json:"newlyCreated,omitempty"`
	AlreadyCertified *alreadyCertified `json:"alreadyCertified,omitempty"`
}

type newlyCreated struct {
	BlobObject        blobObject        `json:"blobObject"`
	ResourceOperation resourceOperation `json:"resourceOperation"`
	Cost              uint64            `json:"cost"` // FROST, gas not included
}

// alreadyCertified names the event that certified a permanent blob, or
// the wallet's blob object that covers the epochs asked.
type alreadyCertified struct {
	BlobID   string          `json:"blobId"`
	Event    *eventJSON      `json:"event,omitempty"`
	Object   *chain.ObjectID `json:"object,omitempty"`
	EndEpoch uint32          `json:"endEpoch"`
}

type eventJSON struct {
	TxDigest string `json:"txDigest"`
	EventSeq string `json:"eventSeq"` // a u64 as a string, as Sui writes it
}

func eventID(e chain.EventID) eventJSON {
	return eventJSON{TxDigest: e.TxDigest, EventSeq: strconv.FormatUint(e.EventSeq, 10)}
}

// resourceOperation says what a store bought: exactly one field is set.
type resourceOperation struct {
	RegisterFromScratch *registerFromScratch `json:"registerFromScratch,omitempty"`
	ReuseStorage        *encodedLength       `json:"reuseStorage,omitempty"`
	ReuseRegistration   *encodedLength       `json:"reuseRegistration,omitempty"`
}

type registerFromScratch struct {
	EncodedLength uint64 `json:"encodedLength"`
	EpochsAhead   uint32 `json:"epochsAhead"`
}

type encodedLength struct {
	EncodedLength uint64 `json:"encodedLength"`
}

// blobObject is a Blob object as Walrus's JSON writes it.
type blobObject struct {
	ID              string        `json:"id"`
	RegisteredEpoch uint32        `json:"registeredEpoch"`
	BlobID          string        `json:"blobId"`
	Size            uint64        `json:"size"`
	EncodingType    string        `json:"encodingType"`
	CertifiedEpoch  *uint32       `json:"certifiedEpoch"`
	Storage         storageObject `json:"storage"`
	Deletable       bool          `json:"deletable"`
}

type storageObject struct {
	ID          string `json:"id"`
	StartEpoch  uint32 `json:"startEpoch"`
	EndEpoch    uint32 `json:"endEpoch"`
	StorageSize uint64 `json:"storageSize"`
}

func blobObjectOf(b chain.Blob) blobObject {
	return blobObject{
		ID: objectHex(b.ID), RegisteredEpoch: b.RegisteredEpoch, BlobID: b.BlobID.String(), Size: b.Size,
		EncodingType: "RS2", CertifiedEpoch: b.CertifiedEpoch, Deletable: b.Deletable,
		Storage: storageObject{ID: objectHex(b.Storage.ID), StartEpoch: b.Storage.StartEpoch, EndEpoch: b.Storage.EndEpoch, StorageSize: b.Storage.Size},
	}
}

// objectHex writes an object ID as Sui does: 0x and 64 hex digits.
func objectHex(id [32]byte) string { return "0x" + hex.EncodeToString(id[:]) }
