package ledger

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/walrusfs/walrusfs/chain"
)

// The log file: a magic header, then records, each
//
//	length u32 LE ‖ crc32c(payload) u32 LE ‖ crc32c(first 8 bytes) u32 LE ‖ payload
//
// The header checksum protects the length, so that a damaged length is told
// apart from a record cut short by a crash.
const (
	// LogFile is the name of the log in a ledger's directory.
	LogFile = "ledger.log"

	logMagic      = "WFSLDG01"
	recordHeader  = 12
	maxRecordSize = 16 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// wal is the append-only log of transactions. It is not safe for concurrent
// use; the ledger's lock serialises appends.
type wal struct {
	f    *os.File
	size int64 // bytes of valid records, where the next one goes
}

// frame returns a record's bytes as the log stores them.
func frame(payload []byte) []byte {
	b := make([]byte, recordHeader, recordHeader+len(payload))
	binary.LittleEndian.PutUint32(b[0:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[4:], crc32.Checksum(payload, castagnoli))
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b[:8], castagnoli))
	return append(b, payload...)
}

// createLog writes a new log holding one record, atomically: a temporary
// file, fsynced, renamed into place, and the directory fsynced.
func createLog(dir string, first []byte) error {
	path := filepath.Join(dir, LogFile)
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%w: %s", ErrExists, path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("create ledger: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create ledger: %w", err)
	}
	_, err = f.Write(append([]byte(logMagic), frame(first)...))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("create ledger: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// tornTail describes bytes after the last valid record that openLog dropped.
type tornTail struct {
	offset  int64 // where they began
	dropped int64 // how many
	reason  string
}

// openLog opens and locks the log in dir and passes each record's payload
// to apply, in order. A torn last record — cut short, or failing its
// checksum while reaching the end of the file, or a zero-filled tail — is
// what a crash during an append leaves: it was never acknowledged, so it is
// truncated away and reported in torn. Any other damage is ErrCorrupt.
func openLog(dir string, apply func(payload []byte) error) (w *wal, torn *tornTail, err error) {
	path := filepath.Join(dir, LogFile)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("%w: %s", ErrNoLedger, path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open ledger log: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	if err := lockFile(f); err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %w", ErrLocked, path, err)
	}
	info, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("open ledger log: %w", err)
	}
	end, torn, err := scanLog(f, info.Size(), apply)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if torn != nil {
		if err := f.Truncate(end); err != nil {
			return nil, nil, fmt.Errorf("drop torn tail of %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			return nil, nil, fmt.Errorf("drop torn tail of %s: %w", path, err)
		}
	}
	return &wal{f: f, size: end}, torn, nil
}

// scanLog reads the records of a log of size bytes and returns where the
// valid ones end, and what follows them if it is a torn tail.
func scanLog(r io.ReaderAt, size int64, apply func(payload []byte) error) (end int64, torn *tornTail, err error) {
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 1<<16)
	magic := make([]byte, len(logMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != logMagic {
		return 0, nil, fmt.Errorf("%w: not a ledger log (bad magic)", ErrCorrupt)
	}
	off := int64(len(logMagic))
	var hdr [recordHeader]byte
	var payload []byte
	for off < size {
		tail := func(reason string) (int64, *tornTail, error) {
			return off, &tornTail{offset: off, dropped: size - off, reason: reason}, nil
		}
		if size-off < recordHeader {
			return tail("partial record header")
		}
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return off, nil, fmt.Errorf("read record at %d: %w", off, err)
		}
		n := int64(binary.LittleEndian.Uint32(hdr[0:]))
		if crc32.Checksum(hdr[:8], castagnoli) != binary.LittleEndian.Uint32(hdr[8:]) || n == 0 || n > maxRecordSize {
			zero, err := allZero(br, hdr[:])
			if err != nil {
				return off, nil, fmt.Errorf("read record at %d: %w", off, err)
			}
			if zero {
				return tail("zero-filled tail")
			}
			return off, nil, fmt.Errorf("%w: bad record header at offset %d", ErrCorrupt, off)
		}
		if off+recordHeader+n > size {
			return tail("record cut short")
		}
		if int64(cap(payload)) < n {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(br, payload); err != nil {
			return off, nil, fmt.Errorf("read record at %d: %w", off, err)
		}
		if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(hdr[4:]) {
			if off+recordHeader+n == size {
				return tail("checksum mismatch in the last record")
			}
			return off, nil, fmt.Errorf("%w: checksum mismatch in record at offset %d", ErrCorrupt, off)
		}
		if err := apply(payload); err != nil {
			return off, nil, fmt.Errorf("%w: record at offset %d: %w", ErrCorrupt, off, err)
		}
		off += recordHeader + n
	}
	return off, nil, nil
}

// allZero reports whether head and everything left in r are zero bytes.
func allZero(r io.Reader, head []byte) (bool, error) {
	if bytes.ContainsFunc(head, func(c rune) bool { return c != 0 }) {
		return false, nil
	}
	buf := make([]byte, 1<<15)
	for {
		n, err := r.Read(buf)
		for _, c := range buf[:n] {
			if c != 0 {
				return false, nil
			}
		}
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// errWriteUndone wraps a failed write whose partial bytes were truncated
// away: the log is as it was and the ledger may go on.
var errWriteUndone = errors.New("write failed and was undone")

// append writes a record and fsyncs it. When the write fails it truncates
// the partial record away and returns an error wrapping errWriteUndone;
// when that or the fsync fails the log's content is unknown.
func (w *wal) append(payload []byte) error {
	if len(payload) > maxRecordSize {
		return fmt.Errorf("append to ledger log: %w: %w: record of %d bytes, the limit is %d", errWriteUndone, chain.ErrInvalidArgument, len(payload), maxRecordSize)
	}
	b := frame(payload)
	if _, err := w.f.WriteAt(b, w.size); err != nil {
		if terr := w.f.Truncate(w.size); terr != nil {
			return fmt.Errorf("append to ledger log: %w (and truncating it back: %w)", err, terr)
		}
		return fmt.Errorf("append to ledger log: %w: %w", errWriteUndone, err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("fsync ledger log: %w", err)
	}
	w.size += int64(len(b))
	return nil
}

// close unlocks and closes the log.
func (w *wal) close() error {
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close ledger log: %w", err)
	}
	return nil
}
