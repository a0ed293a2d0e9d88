package daemon

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// span is bytes [off, off+n) of a blob.
type span struct{ off, n uint64 }

// contentRange is the Content-Range of s in a blob of size bytes.
func (s span) contentRange(size uint64) string {
	return fmt.Sprintf("bytes %d-%d/%d", s.off, s.off+s.n-1, size)
}

// parseRange reads a Range header for a blob of size bytes: one range,
// first-last, first- or -suffix (RFC 9110 §14.1.2). An end past the blob
// is clamped to it. Anything else, several ranges included, is an error,
// which the caller answers with 416.
func parseRange(h string, size uint64) (span, error) {
	unit, spec, ok := strings.Cut(strings.TrimSpace(h), "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(unit), "bytes") {
		return span{}, errors.New(`not a byte range: want bytes=first-last`)
	}
	spec = strings.TrimSpace(spec)
	if strings.Contains(spec, ",") {
		return span{}, errors.New("only one range per request is served")
	}
	first, last, ok := strings.Cut(spec, "-")
	if !ok {
		return span{}, errors.New("a range needs a dash")
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" { // the last n bytes
		n, err := parseOffset(last)
		if err != nil {
			return span{}, err
		}
		if n == 0 || size == 0 {
			return span{}, fmt.Errorf("no last %d bytes of a %d-byte blob", n, size)
		}
		n = min(n, size)
		return span{size - n, n}, nil
	}
	start, err := parseOffset(first)
	if err != nil {
		return span{}, err
	}
	if start >= size {
		return span{}, fmt.Errorf("range starts at %d, past the blob's %d bytes", start, size)
	}
	end := size - 1
	if last != "" {
		if end, err = parseOffset(last); err != nil {
			return span{}, err
		}
		if end < start {
			return span{}, fmt.Errorf("range ends at %d, before its start %d", end, start)
		}
		end = min(end, size-1)
	}
	return span{start, end - start + 1}, nil
}

// parseOffset reads a byte position: decimal digits only.
func parseOffset(s string) (uint64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a byte position", s)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("byte position %s: %w", s, err)
	}
	return n, nil
}
