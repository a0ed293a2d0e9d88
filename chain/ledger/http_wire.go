package ledger

import (
	"context"
	"errors"
	"net/http"

	"github.com/walrusfs/walrusfs/chain"
)

const (
	// MaxPollWait caps how long the server holds an events request.
	MaxPollWait  = 30_000 // milliseconds
	maxBodyBytes = 1 << 20
	maxRespBytes = 64 << 20
)

type errorBody struct {
	Error wireError `json:"error"`
}

type wireError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type chainBody struct {
	ChainID string `json:"chainId"`
}

type eventsBody struct {
	Events []chain.Event `json:"events"`
}

// wireErrors maps the sentinels to codes and HTTP statuses, both ways. The
// first match wins, so the more specific come first.
var wireErrors = []struct {
	code   string
	err    error
	status int
}{
	{"Unauthenticated", ErrUnauthenticated, http.StatusUnauthorized},
	{"Forbidden", ErrForbidden, http.StatusForbidden},
	{"NotFound", chain.ErrNotFound, http.StatusNotFound},
	{"NotOwner", chain.ErrNotOwner, http.StatusForbidden},
	{"InvalidBlobID", chain.ErrInvalidBlobID, http.StatusUnprocessableEntity},
	{"StorageTooSmall", chain.ErrStorageTooSmall, http.StatusUnprocessableEntity},
	{"StorageExpired", chain.ErrStorageExpired, http.StatusUnprocessableEntity},
	{"InvalidCertificate", chain.ErrInvalidCertificate, http.StatusUnprocessableEntity},
	{"AlreadyCertified", chain.ErrAlreadyCertified, http.StatusConflict},
	{"NotDeletable", chain.ErrNotDeletable, http.StatusConflict},
	{"Expired", chain.ErrExpired, http.StatusGone},
	{"BlobInvalid", chain.ErrBlobInvalid, http.StatusConflict},
	{"Conflict", chain.ErrConflict, http.StatusConflict},
	{"SyncReported", chain.ErrSyncReported, http.StatusConflict},
	{"Unsupported", chain.ErrUnsupported, http.StatusNotImplemented},
	{"InvalidArgument", chain.ErrInvalidArgument, http.StatusBadRequest},
	{"Closed", ErrClosed, http.StatusServiceUnavailable},
	{"Failed", ErrFailed, http.StatusServiceUnavailable},
	{"DeadlineExceeded", context.DeadlineExceeded, http.StatusGatewayTimeout},
	{"Canceled", context.Canceled, http.StatusServiceUnavailable},
}

// errorCode returns the code and status of an error.
func errorCode(err error) (string, int) {
	for _, w := range wireErrors {
		if errors.Is(err, w.err) {
			return w.code, w.status
		}
	}
	return "Internal", http.StatusInternalServerError
}

// errorForCode returns the sentinel of a code, or nil.
func errorForCode(code string) error {
	for _, w := range wireErrors {
		if w.code == code {
			return w.err
		}
	}
	return nil
}

// RemoteError is an error the ledger server returned. It unwraps to the
// sentinel its code names, so errors.Is(err, chain.ErrNotOwner) works as it
// does in process.
type RemoteError struct {
	StatusCode int
	Code       string
	Message    string // the server's error text, with its context
	sentinel   error
}

func (e *RemoteError) Error() string { return "ledger server: " + e.Message }

// Unwrap returns the sentinel of the code, or nil for unknown codes.
func (e *RemoteError) Unwrap() error { return e.sentinel }
