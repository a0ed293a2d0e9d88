// Package slab allocates the large, short-lived buffers of encoding and
// decoding. First touch of fresh Go heap memory costs about 2 s per GiB on the
// machines walrusfs targets; anonymous mappings with transparent huge pages
// fault in about ten times faster, so large slabs are mapped directly and
// unmapped when freed.
package slab

// mmapThreshold is the size from which a slab is mapped rather than taken
// from the Go heap: below it, page faults do not matter.
const mmapThreshold = 4 << 20

// Slab is one buffer. Its bytes are valid until Free.
type Slab struct {
	b      []byte
	mapped bool
}

// New returns a zeroed slab of size bytes.
func New(size int) *Slab {
	if size >= mmapThreshold {
		if b, ok := mapAnon(size); ok {
			return &Slab{b: b, mapped: true}
		}
	}
	return &Slab{b: make([]byte, size)}
}

// Bytes returns the buffer.
func (s *Slab) Bytes() []byte { return s.b }

// Free releases the buffer; no slice of it may be used afterwards.
func (s *Slab) Free() {
	if s == nil || s.b == nil {
		return
	}
	if s.mapped {
		unmap(s.b[:cap(s.b)])
	}
	s.b = nil
}
