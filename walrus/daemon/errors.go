package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// Error domains of Walrus's daemon: its own errors, and the internal ones
// every Walrus service reports alike.
const (
	errorDomain    = "daemon.walrus.space"
	internalDomain = "global"
)

// apiError is an error response as Walrus's daemon sends it.
type apiError struct {
	code    int    // HTTP status
	reason  string // UPPER_SNAKE_CASE, unique within the domain
	message string // for people
	domain  string // errorDomain unless set
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.code, e.reason, e.message) }

// statusNames are the canonical status names Walrus pairs with HTTP codes.
var statusNames = map[int]string{
	http.StatusBadRequest:                   "INVALID_ARGUMENT",
	http.StatusForbidden:                    "PERMISSION_DENIED",
	http.StatusNotFound:                     "NOT_FOUND",
	http.StatusRequestEntityTooLarge:        "SIZE_EXCEEDED",
	http.StatusRequestedRangeNotSatisfiable: "RANGE_NOT_SATISFIABLE",
	http.StatusTooManyRequests:              "RESOURCE_EXHAUSTED",
	http.StatusUnavailableForLegalReasons:   "UNAVAILABLE_FOR_LEGAL_REASONS",
	http.StatusInternalServerError:          "INTERNAL",
	http.StatusServiceUnavailable:           "UNAVAILABLE",
	http.StatusGatewayTimeout:               "DEADLINE_EXCEEDED",
}

type errorInfo struct {
	Type     string            `json:"@type"`
	Reason   string            `json:"reason"`
	Domain   string            `json:"domain"`
	Metadata map[string]string `json:"metadata"`
}

type errorBody struct {
	Error struct {
		Code    int         `json:"code"`
		Status  string      `json:"status"`
		Message string      `json:"message"`
		Details []errorInfo `json:"details"`
	} `json:"error"`
}

// writeError sends e as Walrus's JSON error envelope.
func writeError(w http.ResponseWriter, e *apiError) {
	var b errorBody
	b.Error.Code, b.Error.Message = e.code, e.message
	b.Error.Status = statusNames[e.code]
	if b.Error.Status == "" {
		b.Error.Status = "UNKNOWN"
	}
	domain := e.domain
	if domain == "" {
		domain = errorDomain
	}
	b.Error.Details = []errorInfo{{Type: "ErrorInfo", Reason: e.reason, Domain: domain, Metadata: map[string]string{}}}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Del("Content-Length")
	w.WriteHeader(e.code)
	_ = json.NewEncoder(w).Encode(b)
}

// Errors of the requests themselves.
var (
	errNoRoute = &apiError{code: http.StatusNotFound, reason: "NOT_FOUND", message: "no such route; GET /v1/api lists them"}
	errMethod  = &apiError{code: http.StatusMethodNotAllowed, reason: "METHOD_NOT_ALLOWED", message: "the route does not take this method"}
	errBadPath = &apiError{code: http.StatusBadRequest, reason: "INVALID_PATH", message: "the path is not validly escaped"}
	// errInternal hides an error's cause from the caller, as Walrus does.
	errInternal = &apiError{code: http.StatusInternalServerError, reason: "INTERNAL_ERROR", domain: internalDomain,
		message: "an internal error has occurred, please report it"}
	errNotFound = &apiError{code: http.StatusNotFound, reason: "BLOB_NOT_FOUND",
		message: "no blob with this ID is stored on Walrus; check that the ID is right"}
	errUnavailable = &apiError{code: http.StatusServiceUnavailable, reason: "BLOB_UNAVAILABLE",
		message: "the storage nodes could not serve the blob now; try again later"}
)

func invalid(reason, format string, args ...any) *apiError {
	return &apiError{code: http.StatusBadRequest, reason: reason, message: fmt.Sprintf(format, args...)}
}

func overloaded(what string) *apiError {
	return &apiError{code: http.StatusTooManyRequests, reason: "TOO_MANY_REQUESTS",
		message: fmt.Sprintf("the %s is serving too many requests; try again later", what)}
}

// readError classifies an error of a read: a blob nodes holding a quorum
// of shards do not have is 404; one too few nodes could serve, 503; the
// rest is internal.
func readError(err error) *apiError {
	switch {
	case errors.Is(err, client.ErrBlobNotFound):
		return errNotFound
	case errors.Is(err, client.ErrNotEnoughSlivers), errors.Is(err, client.ErrNoMetadata),
		errors.Is(err, context.DeadlineExceeded):
		return errUnavailable
	}
	return errInternal
}

// storeError classifies an error of a store.
func storeError(err error) *apiError {
	switch {
	case errors.Is(err, client.ErrCertificationFailed):
		return &apiError{code: http.StatusGatewayTimeout, reason: "INSUFFICIENT_CONFIRMATIONS",
			message: "too few storage nodes confirmed storing the blob in time; try again"}
	case errors.Is(err, chain.ErrInvalidArgument):
		return invalid("MALFORMED_REQUEST", "the chain refused the store: %v", err)
	}
	return errInternal
}
