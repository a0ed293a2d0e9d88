package store

import "errors"

// Errors of the store. Operations wrap them with context; test with errors.Is.
var (
	// ErrNotFound means the metadata, sliver, state or cursor asked for is
	// not stored (pending data does not count unless asked for).
	ErrNotFound = errors.New("not found")
	// ErrCacheSaturated means a pending put would take the buffered data of
	// unregistered blobs over Options.MaxPendingBytes.
	ErrCacheSaturated = errors.New("pending cache saturated")
	// ErrClosed means the store was closed.
	ErrClosed = errors.New("store closed")
	// ErrMalformed means an argument cannot be stored: a shard or axis out
	// of range, an empty or oversized sliver, symbols that do not divide the
	// data, metadata with an impossible number of pairs.
	ErrMalformed = errors.New("malformed argument")
	// ErrCorrupt means a stored value does not decode: the database was
	// damaged or written by something else.
	ErrCorrupt = errors.New("corrupt stored value")
	// ErrInvalidBlob means the blob ID was marked invalid (ApplyEvent with
	// InvalidBlobID); no data of it is accepted any more.
	ErrInvalidBlob = errors.New("blob marked invalid")
)
