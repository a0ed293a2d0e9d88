package ledger_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
	"github.com/walrusfs/walrusfs/encoding"
)

// TestTornLastRecord damages the last record of the log as a crash in the
// middle of an append would, reopens, and finds the state just before that
// transaction, the log cut back to the last whole record, and the ledger
// working on.
func TestTornLastRecord(t *testing.T) {
	damages := []struct {
		name string
		// damage changes the log whose last record spans [last, end).
		damage func(f *os.File, last, end int64) error
		// kept is true when the last record survives.
		kept bool
	}{
		{"cut inside the header", func(f *os.File, last, end int64) error { return f.Truncate(last + 5) }, false},
		{"cut after the header", func(f *os.File, last, end int64) error { return f.Truncate(last + 12) }, false},
		{"cut inside the payload", func(f *os.File, last, end int64) error { return f.Truncate((last + end) / 2) }, false},
		{"last byte missing", func(f *os.File, last, end int64) error { return f.Truncate(end - 1) }, false},
		{"payload byte flipped", func(f *os.File, last, end int64) error { return flip(f, end-3) }, false},
		{"zeros instead of the record", func(f *os.File, last, end int64) error {
			if err := f.Truncate(last); err != nil {
				return err
			}
			_, err := f.WriteAt(make([]byte, 4096), last)
			return err
		}, false},
		{"zeros after the record", func(f *os.File, last, end int64) error {
			_, err := f.WriteAt(make([]byte, 100), end)
			return err
		}, true},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			h := newHarness(t, "local")
			busyLedger(t, h)
			path := filepath.Join(h.dir, ledger.LogFile)
			ctx := testContext(t)
			id, root := ledgertest.Blob(777, "last")
			st, err := h.l.As(alice).ReserveStorage(ctx, ledgertest.EncodedLength(t, testShards, 777), 2)
			if err != nil {
				t.Fatal(err)
			}
			last := fileSize(t, path)
			before := takeSnapshot(t, h.l)
			if _, err := h.l.As(alice).RegisterBlob(ctx, st.ID, id, root, 777, encoding.EncodingRS2, true); err != nil {
				t.Fatal(err)
			}
			withLast := takeSnapshot(t, h.l)
			end := fileSize(t, path)
			h.l.Close()

			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.damage(f, last, end); err != nil {
				t.Fatal(err)
			}
			f.Close()

			l, err := ledger.Open(h.dir, ledger.Options{})
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			want, wantSize := before, last
			if d.kept {
				want, wantSize = withLast, end
			}
			want.mustEqual(t, takeSnapshot(t, l))
			if got := fileSize(t, path); got != wantSize {
				t.Fatalf("log is %d bytes after repair, want %d", got, wantSize)
			}

			// The torn registration did not consume its storage.
			_, err = l.As(alice).RegisterBlob(ctx, st.ID, id, root, 777, encoding.EncodingRS2, true)
			if d.kept != errors.Is(err, chain.ErrNotFound) {
				t.Fatalf("registering on the storage again: %v", err)
			}

			// The ledger goes on, and what it writes next survives.
			blob := h.store(t, l.As(alice), 888, "after", 2, false)
			l.Close()
			l, err = ledger.Open(h.dir, ledger.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if got, err := l.As(alice).Blob(testContext(t), blob.ID); err != nil || got != blob {
				t.Fatalf("blob written after repair: %+v, %v", got, err)
			}
		})
	}
}

// TestCorruptLogRefused damages records before the last one: dropping them
// would lose acknowledged transactions, so Open refuses and changes nothing.
func TestCorruptLogRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		offset func(firstEnd int64) int64
	}{
		{"payload of an early record", func(firstEnd int64) int64 { return firstEnd + 30 }},
		{"length of an early record", func(firstEnd int64) int64 { return firstEnd + 1 }},
		{"magic", func(int64) int64 { return 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "local")
			path := filepath.Join(h.dir, ledger.LogFile)
			genesisEnd := fileSize(t, path)
			busyLedger(t, h)
			h.l.Close()
			size := fileSize(t, path)
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := flip(f, tc.offset(genesisEnd)); err != nil {
				t.Fatal(err)
			}
			f.Close()
			if _, err := ledger.Open(h.dir, ledger.Options{}); !errors.Is(err, ledger.ErrCorrupt) {
				t.Fatalf("open: %v, want ErrCorrupt", err)
			} else {
				t.Log(err)
			}
			if fileSize(t, path) != size {
				t.Fatal("a refused log was changed")
			}
		})
	}
}

// TestOpenErrors covers opening what is not an open-able ledger.
func TestOpenErrors(t *testing.T) {
	if _, err := ledger.Open(t.TempDir(), ledger.Options{}); !errors.Is(err, ledger.ErrNoLedger) {
		t.Fatalf("empty directory: %v", err)
	}
	h := newHarness(t, "local")
	if _, err := ledger.Open(h.dir, ledger.Options{}); !errors.Is(err, ledger.ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
	if _, err := ledger.Create(h.dir, h.com.Genesis(), ledger.Options{}); !errors.Is(err, ledger.ErrExists) {
		t.Fatalf("create over a ledger: %v", err)
	}
	if got := h.l.NextCursor(); got != chain.Cursor(0) {
		t.Fatalf("fresh ledger has %d events", got)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

func flip(f *os.File, off int64) error {
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		return err
	}
	b[0] ^= 0x55
	_, err := f.WriteAt(b, off)
	return err
}
