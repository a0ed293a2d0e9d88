package encoding

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/internal/testvectors"
)

// The sizes of BenchmarkEncode. The inputs are the oracle's xs42_N blobs
// (testvectors.Xorshift(42, N)), so that bench/oracle-bench.sh can time the
// official encoder on the same bytes and compare the blob IDs logged here.
var benchSizes = []struct {
	name  string
	size  int
	large bool // only with WALRUSFS_BENCH_LARGE=1
}{
	{"12B", 12, false},
	{"1MiB", 1 << 20, false},
	{"64MiB", 64 << 20, false},
	{"1GiB", 1 << 30, true},
}

// BenchmarkEncode times Encode at n = 1000 and reports, besides MB/s, the
// process's peak resident memory while encoding: peak-RSS-MiB, and
// peak-RSS-x-blob, the same peak in multiples of the blob size (the input
// itself included); and cpu-ms/op, the process's CPU time (all threads) per
// encode, steadier than wall time on a shared machine.
func BenchmarkEncode(b *testing.B) {
	for _, bs := range benchSizes {
		b.Run(fmt.Sprintf("n=1000/%s", bs.name), func(b *testing.B) {
			if bs.large && os.Getenv("WALRUSFS_BENCH_LARGE") != "1" {
				b.Skip("set WALRUSFS_BENCH_LARGE=1 to run the 1 GiB case")
			}
			enc, err := NewEncoder(DefaultShards)
			if err != nil {
				b.Fatal(err)
			}
			blob := testvectors.Xorshift(42, bs.size)
			// One unmeasured encode fills the encoder's code cache and lets
			// the allocators reach their steady state, as the official
			// encoder's wasm memory does after its first blob. At 1 GiB it
			// would cost as much as the measurement, so it is skipped there.
			if !bs.large {
				warm, err := enc.Encode(blob)
				if err != nil {
					b.Fatal(err)
				}
				warm.Release()
			}
			st := startProcStats()
			b.SetBytes(int64(bs.size))
			b.ReportAllocs()
			var id BlobID
			ops := 0
			for b.Loop() {
				out, err := enc.Encode(blob)
				if err != nil {
					b.Fatal(err)
				}
				id = out.ID
				out.Release()
				ops++
			}
			st.report(b, bs.size, ops)
			b.Logf("blob ID %s", id)
		})
	}
}

// BenchmarkComputeMetadata times the blob ID of a tiny blob at n = 1000, which
// is all fixed cost: n² symbol hashes and 2n Merkle trees.
func BenchmarkComputeMetadata(b *testing.B) {
	b.Run("n=1000/12B", func(b *testing.B) {
		enc, err := NewEncoder(DefaultShards)
		if err != nil {
			b.Fatal(err)
		}
		blob := testvectors.Xorshift(42, 12)
		if _, _, err := enc.ComputeMetadata(blob); err != nil {
			b.Fatal(err)
		}
		st := startProcStats()
		b.SetBytes(int64(len(blob)))
		b.ReportAllocs()
		var id BlobID
		ops := 0
		for b.Loop() {
			_, id, err = enc.ComputeMetadata(blob)
			if err != nil {
				b.Fatal(err)
			}
			ops++
		}
		st.report(b, len(blob), ops)
		b.Logf("blob ID %s", id)
	})
}

// procStats measures, from /proc (Linux), the process's peak resident set
// size over a benchmark through VmHWM in /proc/self/status, and its CPU time
// through /proc/self/stat. Writing 5 to /proc/self/clear_refs resets VmHWM to
// the current RSS, so the peak is this benchmark's alone; where that is not
// possible it is the process's since it started. Elsewhere nothing is
// reported.
type procStats struct {
	hwmOK    bool // VmHWM is readable
	hwmReset bool // and was reset at the start
	cpuOK    bool
	cpu      time.Duration
}

func startProcStats() procStats {
	// Return the garbage of earlier benchmarks to the OS first, so that it
	// is not counted as resident.
	runtime.GC()
	debug.FreeOSMemory()
	var st procStats
	if _, ok := readVmHWM(); ok {
		st.hwmOK = true
		st.hwmReset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	}
	st.cpu, st.cpuOK = readCPUTime()
	return st
}

func (st procStats) report(b *testing.B, blobSize, ops int) {
	if cpu, ok := readCPUTime(); ok && st.cpuOK && ops > 0 {
		b.ReportMetric(float64((cpu-st.cpu).Milliseconds())/float64(ops), "cpu-ms/op")
	}
	if !st.hwmOK {
		return
	}
	hwm, ok := readVmHWM()
	if !ok {
		return
	}
	if !st.hwmReset {
		b.Logf("VmHWM could not be reset: peak RSS is the process's since it started")
	}
	b.ReportMetric(float64(hwm)/(1<<20), "peak-RSS-MiB")
	if blobSize >= 1<<20 {
		// For smaller blobs the ratio only measures the process's baseline.
		b.ReportMetric(float64(hwm)/float64(blobSize), "peak-RSS-x-blob")
	}
}

// readVmHWM returns the peak resident set size in bytes.
func readVmHWM() (uint64, bool) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, found := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !found {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, false
		}
		return kb << 10, true
	}
	return 0, false
}

// readCPUTime returns the user and system time of all the process's threads
// (utime and stime in /proc/self/stat, in clock ticks of 1/100 s, the value
// of USER_HZ on Linux).
func readCPUTime() (time.Duration, bool) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may contain spaces; the fields
	// after it start with the state, field 3.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, true
}
