// Package api is the wire contract of the Walrus storage-node REST API that
// walrusfs's nodes serve and its client speaks: the routes, the JSON success
// and error envelopes (AIP-193 style errors with a reason), and the reasons
// themselves. Binary bodies are BCS (package encoding).
package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/walrusfs/walrusfs/encoding"
)

// Domain is the error domain of storage-node errors.
const Domain = "storage.walrus.space"

// ContentTypeBCS is the type of BCS bodies.
const ContentTypeBCS = "application/octet-stream"

// Error reasons, as Walrus's nodes report them.
const (
	ReasonMetadataNotFound     = "METADATA_NOT_FOUND"
	ReasonSliverNotFound       = "SLIVER_NOT_FOUND"
	ReasonNotRegistered        = "NOT_REGISTERED"
	ReasonInvalidMetadata      = "INVALID_METADATA"
	ReasonInvalidSliver        = "INVALID_SLIVER"
	ReasonSliverIndexMismatch  = "SLIVER_INDEX_MISMATCH"
	ReasonShardNotAssigned     = "SHARD_NOT_ASSIGNED"
	ReasonIndexOutOfRange      = "INDEX_OUT_OF_RANGE"
	ReasonCacheSaturated       = "CACHE_SATURATED"
	ReasonSliverTooLarge       = "SLIVER_TOO_LARGE"
	ReasonMissingSlivers       = "MISSING_SLIVERS"
	ReasonInvalidProof         = "INVALID_PROOF"
	ReasonInvalidBlobID        = "INVALID_BLOB_ID"
	ReasonInvalidContentType   = "INVALID_CONTENT_TYPE"
	ReasonUnsupportedEncoding  = "UNSUPPORTED_ENCODING_TYPE"
	ReasonForbiddenBlob        = "FORBIDDEN_BLOB"
	ReasonBlobInvalid          = "INVALID_BLOB"
	ReasonInvalidRequest       = "INVALID_REQUEST"
	ReasonInternal             = "INTERNAL"
	ReasonUnavailable          = "UNAVAILABLE"
	ReasonRecoverySymbolFailed = "RECOVERY_SYMBOL_FAILED"
)

// statusNames maps HTTP status codes to the canonical status of the
// envelope.
var statusNames = map[int]string{
	http.StatusBadRequest:                   "INVALID_ARGUMENT",
	http.StatusUnauthorized:                 "UNAUTHENTICATED",
	http.StatusForbidden:                    "PERMISSION_DENIED",
	http.StatusNotFound:                     "NOT_FOUND",
	http.StatusRequestedRangeNotSatisfiable: "RANGE_NOT_SATISFIABLE",
	http.StatusTooManyRequests:              "RESOURCE_EXHAUSTED",
	http.StatusUnavailableForLegalReasons:   "UNAVAILABLE_FOR_LEGAL_REASONS",
	http.StatusInternalServerError:          "INTERNAL",
	http.StatusServiceUnavailable:           "UNAVAILABLE",
	http.StatusGatewayTimeout:               "DEADLINE_EXCEEDED",
}

// Error is a storage node's error response. It is what the client returns
// for a 4xx or 5xx, so callers can branch on Reason.
type Error struct {
	Code    int    // HTTP status
	Status  string // canonical status name
	Reason  string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("storage node: %d %s (%s): %s", e.Code, e.Status, e.Reason, e.Message)
}

// Permanent reports whether retrying cannot help: any 4xx but 429.
func (e *Error) Permanent() bool {
	return e.Code >= 400 && e.Code < 500 && e.Code != http.StatusTooManyRequests
}

// IsReason reports whether err is an *Error with the given reason.
func IsReason(err error, reason string) bool {
	var e *Error
	return errors.As(err, &e) && e.Reason == reason
}

type errorInfo struct {
	Type     string            `json:"@type"`
	Reason   string            `json:"reason"`
	Domain   string            `json:"domain"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

type errorEnvelope struct {
	Error struct {
		Code    int         `json:"code"`
		Status  string      `json:"status"`
		Message string      `json:"message"`
		Details []errorInfo `json:"details"`
	} `json:"error"`
}

// WriteError writes the JSON error envelope.
func WriteError(w http.ResponseWriter, code int, reason, message string) {
	var env errorEnvelope
	env.Error.Code = code
	env.Error.Status = statusNames[code]
	if env.Error.Status == "" {
		env.Error.Status = "UNKNOWN"
	}
	env.Error.Message = message
	env.Error.Details = []errorInfo{{Type: "ErrorInfo", Reason: reason, Domain: Domain}}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(env)
}

// ParseError reads an error envelope; a body that is not one still gives an
// Error with the HTTP status.
func ParseError(code int, body []byte) *Error {
	var env errorEnvelope
	e := &Error{Code: code, Status: statusNames[code]}
	if json.Unmarshal(body, &env) == nil && env.Error.Code != 0 {
		e.Status, e.Message = env.Error.Status, env.Error.Message
		if len(env.Error.Details) > 0 {
			e.Reason = env.Error.Details[0].Reason
		}
		return e
	}
	e.Message = truncate(string(body), 200)
	return e
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

type successEnvelope[T any] struct {
	Success struct {
		Code int `json:"code"`
		Data T   `json:"data"`
	} `json:"success"`
}

// WriteSuccess writes the JSON success envelope around data.
func WriteSuccess[T any](w http.ResponseWriter, code int, data T) {
	var env successEnvelope[T]
	env.Success.Code, env.Success.Data = code, data
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(env)
}

// ParseSuccess reads the data of a success envelope.
func ParseSuccess[T any](body []byte) (T, error) {
	var env successEnvelope[T]
	if err := json.Unmarshal(body, &env); err != nil {
		var zero T
		return zero, fmt.Errorf("decode success envelope: %w", err)
	}
	return env.Success.Data, nil
}

// Routes, relative to a node's base URL.

// MetadataPath is GET/PUT of a blob's metadata.
func MetadataPath(id encoding.BlobID) string { return "/v1/blobs/" + id.String() + "/metadata" }

// MetadataStatusPath is GET of whether the node stores a blob's metadata.
func MetadataStatusPath(id encoding.BlobID) string { return MetadataPath(id) + "/status" }

// SliverPath is GET/PUT of a sliver of a sliver pair.
func SliverPath(id encoding.BlobID, pair int, axis encoding.Axis) string {
	return fmt.Sprintf("/v1/blobs/%s/slivers/%d/%s", id, pair, axis)
}

// SliverStatusPath is GET of whether the node stores a sliver.
func SliverStatusPath(id encoding.BlobID, pair int, axis encoding.Axis) string {
	return SliverPath(id, pair, axis) + "/status"
}

// PermanentConfirmationPath is GET of a storage confirmation of a permanent blob.
func PermanentConfirmationPath(id encoding.BlobID) string {
	return "/v1/blobs/" + id.String() + "/confirmation/permanent"
}

// DeletableConfirmationPath is GET of a storage confirmation of a deletable
// blob object (object ID in 0x-prefixed hex).
func DeletableConfirmationPath(id encoding.BlobID, object [32]byte) string {
	return fmt.Sprintf("/v1/blobs/%s/confirmation/deletable/0x%x", id, object[:])
}

// RecoverySymbolsPath is GET of recovery symbols (query: targetSliver, targetType).
func RecoverySymbolsPath(id encoding.BlobID) string {
	return "/v1/blobs/" + id.String() + "/recoverySymbols"
}

// InconsistencyProofPath is POST of an inconsistency proof for an axis.
func InconsistencyProofPath(id encoding.BlobID, axis encoding.Axis) string {
	return "/v1/blobs/" + id.String() + "/inconsistencyProof/" + axis.String()
}

// BlobStatusPath is GET of a blob's status on the chain as the node sees it.
func BlobStatusPath(id encoding.BlobID) string { return "/v1/blobs/" + id.String() + "/status" }

// HealthPath is GET of the node's health.
const HealthPath = "/v1/health"

// Stored-on-node statuses of metadata and slivers.
const (
	StatusNonexistent = "nonexistent"
	StatusStored      = "stored"
	StatusBuffered    = "buffered"
)
