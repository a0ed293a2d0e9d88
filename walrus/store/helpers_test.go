package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
)

// open opens a store in dir; the test fails on error and closes it at the
// end if the test did not.
func open(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// fresh opens a store in a new temporary directory.
func fresh(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	return open(t, dir, opts), dir
}

func reopen(t testing.TB, s *Store, dir string, opts Options) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return open(t, dir, opts)
}

func blobID(seed uint64) encoding.BlobID {
	var id encoding.BlobID
	r := rand.New(rand.NewPCG(seed, 0x5107e))
	for i := range id {
		id[i] = byte(r.Uint32())
	}
	return id
}

func metadata(n int, seed uint64) *encoding.Metadata {
	r := rand.New(rand.NewPCG(seed, 0x3e7a))
	m := &encoding.Metadata{EncodingType: encoding.EncodingRS2, UnencodedLength: r.Uint64N(1 << 30), Pairs: make([]encoding.PairHashes, n)}
	for i := range m.Pairs {
		for j := range m.Pairs[i].Primary {
			m.Pairs[i].Primary[j] = byte(r.Uint32())
			m.Pairs[i].Secondary[j] = byte(r.Uint32())
		}
	}
	return m
}

// sliver returns a sliver of size bytes (a multiple of symbolSize) whose
// content depends on seed.
func sliver(axis encoding.Axis, index uint16, symbolSize uint16, size int, seed uint64) *encoding.Sliver {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	binary.LittleEndian.PutUint64(key[8:], uint64(size))
	data := make([]byte, size)
	_, _ = rand.NewChaCha8(key).Read(data)
	return &encoding.Sliver{Axis: axis, Index: index, SymbolSize: symbolSize, Data: data}
}

func sameSliver(a, b *encoding.Sliver) bool {
	return a.Axis == b.Axis && a.Index == b.Index && a.SymbolSize == b.SymbolSize && bytes.Equal(a.Data, b.Data)
}

func sameMetadata(a, b *encoding.Metadata) bool {
	return bytes.Equal(a.MarshalBCS(), b.MarshalBCS())
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

// checkCounts compares the live counters with a recount of the database.
func checkCounts(t testing.TB, s *Store) {
	t.Helper()
	pending, err := s.countPending()
	must(t, err)
	c := &Store{db: s.db}
	must(t, c.countAll(pending))
	if got, want := s.Stats(), c.Stats(); got != want {
		t.Fatalf("counters %+v, recount %+v", got, want)
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func errorsNew(s string) error { return errors.New(s) }
