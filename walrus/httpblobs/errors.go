package httpblobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/client"
)

var (
	// ErrNotFound: the aggregator has no such blob. It wraps the Walrus
	// client's ErrBlobNotFound, so that callers judge both alike.
	ErrNotFound = fmt.Errorf("not found by the aggregator: %w", client.ErrBlobNotFound)
	// ErrTooLarge: the publisher refuses a body this large (413).
	ErrTooLarge = errors.New("too large for the publisher")
	// ErrUnavailable: a failure that may pass (5xx, 429, the connection);
	// it was already retried.
	ErrUnavailable = errors.New("service unavailable; try again later")
	// ErrRefused: any other status the server answered with.
	ErrRefused = errors.New("request refused")
)

// HTTPError is a status other than success, with the server's message.
type HTTPError struct {
	Method, URL string
	Status      int
	Message     string // Walrus's error message, or the body's start
	kind        error
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s: %s", e.Method, e.URL, e.Status, http.StatusText(e.Status), e.kind, e.Message)
}

func (e *HTTPError) Unwrap() error { return e.kind }

// MismatchError: the aggregator sent bytes that are not the blob asked
// for, since they encode to another blob ID.
type MismatchError struct {
	Aggregator string
	Want, Got  encoding.BlobID
	Size       int64
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("aggregator %s sent %d bytes for blob %s that encode to blob %s: it is lying or broken, or --n-shards is not the network's",
		e.Aggregator, e.Size, e.Want, e.Got)
}

func retryable(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests
}

// statusError reads a failed response's message, closes its body and
// classifies its status.
func statusError(method, target string, resp *http.Response) *HTTPError {
	defer resp.Body.Close()
	e := &HTTPError{Method: method, URL: target, Status: resp.StatusCode, Message: errorMessage(resp.Body)}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		e.kind = ErrNotFound
	case resp.StatusCode == http.StatusRequestEntityTooLarge:
		e.kind = ErrTooLarge
	case retryable(resp.StatusCode):
		e.kind = ErrUnavailable
	default:
		e.kind = ErrRefused
	}
	return e
}

// errorMessage is the message of Walrus's JSON error envelope, or the
// start of any other body.
func errorMessage(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, 4<<10))
	var env struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &env) == nil && env.Error.Message != "" {
		return env.Error.Message
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
