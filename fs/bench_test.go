package fs_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/embedded"
)

// BenchmarkMount measures the mount against baselines taken in the same
// run, on a network of 4 in-process nodes at n_shards = 100 with 64 MiB
// chunks. Each sub-benchmark reports "x-of-<baseline>" = baseline time /
// our time (1 = as fast as the baseline). The 1 GiB cases need
// WALRUSFS_BENCH_LARGE=1; otherwise they use 256 MiB.
func BenchmarkMount(b *testing.B) {
	requireFUSE(b)
	size := 256 << 20
	if os.Getenv("WALRUSFS_BENCH_LARGE") == "1" {
		size = 1 << 30
	}
	n, err := embedded.Start(context.Background(), embedded.Config{Dir: b.TempDir(), Nodes: 4, NShards: 100})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(n.Close)
	tm := mountWith(b, n, b.TempDir(), 256<<20, 64<<20)
	loop := loopbackMount(b)
	local := b.TempDir()
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	big := filepath.Join(tm.Dir, "big")
	// ensureBig writes the big file unless an earlier sub-benchmark did,
	// so that each can run alone.
	ensureBig := func(b *testing.B) {
		if _, err := os.Stat(big); err != nil {
			writeFile(b, big, data, size, false)
		}
		tm.drain(b)
	}

	b.Run(fmt.Sprintf("seq-write-%dMiB", size>>20), func(b *testing.B) {
		var ours, disk, diskSync time.Duration
		for i := 0; i < b.N; i++ {
			// Each starts with no dirty pages left by the one before.
			dropPageCache()
			diskSync += timeIt(func() { writeFile(b, filepath.Join(local, "big"), data, size, true) })
			dropPageCache()
			disk += timeIt(func() { writeFile(b, filepath.Join(local, "big"), data, size, false) })
			dropPageCache()
			ours += timeIt(func() { writeFile(b, big, data, size, false) })
			tm.drain(b) // uploads must not overlap the next runs
		}
		b.ReportMetric(float64(size)*float64(b.N)/1e6/ours.Seconds(), "MB/s")
		b.ReportMetric(disk.Seconds()/ours.Seconds(), "x-of-disk")
		b.ReportMetric(diskSync.Seconds()/ours.Seconds(), "x-of-disk+fsync")
	})
	b.Run(fmt.Sprintf("seq-read-cached-%dMiB", size>>20), func(b *testing.B) {
		ensureBig(b)
		writeFile(b, filepath.Join(loop.dir, "big"), data, size, false)
		var ours, base time.Duration
		for i := 0; i < b.N; i++ {
			// Both from disk: the upload in between may have pushed ours
			// out of the page cache.
			dropPageCache()
			base += timeIt(func() { readFile(b, filepath.Join(loop.dir, "big")) })
			dropPageCache()
			ours += timeIt(func() { readFile(b, big) })
		}
		b.ReportMetric(float64(size)*float64(b.N)/1e6/ours.Seconds(), "MB/s")
		b.ReportMetric(base.Seconds()/ours.Seconds(), "x-of-loopback")
	})
	b.Run(fmt.Sprintf("cold-read-%dMiB", size>>20), func(b *testing.B) {
		ensureBig(b)
		c := n.Client(chain.Address{0xf6}, client.Options{})
		ids := blobIDs(b, big)
		var ours, base time.Duration
		for i := 0; i < b.N; i++ {
			dropPageCache() // the nodes read their slivers from disk in both
			base += timeIt(func() {
				for _, id := range ids {
					if _, err := c.Read(context.Background(), id); err != nil {
						b.Fatal(err)
					}
				}
			})
			if _, err := tm.FS.EvictAll(); err != nil {
				b.Fatal(err)
			}
			dropPageCache()
			ours += timeIt(func() { readFile(b, big) })
		}
		b.ReportMetric(float64(size)*float64(b.N)/1e6/ours.Seconds(), "MB/s")
		b.ReportMetric(base.Seconds()/ours.Seconds(), "x-of-client-read")
	})
	b.Run("create-10000x4KiB", func(b *testing.B) {
		var ours, base time.Duration
		for i := 0; i < b.N; i++ {
			dir := fmt.Sprintf("many%d", i)
			base += timeIt(func() { createFiles(b, filepath.Join(loop.dir, dir), 10000, data[:4096]) })
			ours += timeIt(func() { createFiles(b, filepath.Join(tm.Dir, dir), 10000, data[:4096]) })
		}
		b.ReportMetric(10000*float64(b.N)/ours.Seconds(), "files/s")
		b.ReportMetric(base.Seconds()/ours.Seconds(), "x-of-loopback")
	})
	b.Run("ls-l-10000", func(b *testing.B) {
		var ours, base time.Duration
		for i := 0; i < b.N; i++ {
			dropPageCache()
			base += timeIt(func() { lsL(b, filepath.Join(loop.dir, "many0")) })
			ours += timeIt(func() { lsL(b, filepath.Join(tm.Dir, "many0")) })
		}
		b.ReportMetric(ours.Seconds()/float64(b.N), "s/ls")
		b.ReportMetric(base.Seconds()/ours.Seconds(), "x-of-loopback")
	})
	tm.drain(b)
	b.Run("certify-1000x4KiB", func(b *testing.B) {
		// From the first close to the last file certified: small files
		// upload several at a time.
		var total time.Duration
		for i := 0; i < b.N; i++ {
			dir := filepath.Join(tm.Dir, fmt.Sprintf("small%d", i))
			if err := os.Mkdir(dir, 0o755); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			for j := range 1000 {
				content := []byte(fmt.Sprintf("%d/%d %s", i, j, data[:4000]))
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprint(j)), content, 0o644); err != nil {
					b.Fatal(err)
				}
			}
			tm.drain(b)
			total += time.Since(start)
		}
		b.ReportMetric(1000*float64(b.N)/total.Seconds(), "files/s")
	})
	for _, sz := range []int{1 << 20, 100 << 20} {
		b.Run(fmt.Sprintf("close-to-certified-%dMiB", sz>>20), func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				p := filepath.Join(tm.Dir, fmt.Sprintf("cert-%d-%d", sz, i))
				d := make([]byte, 1<<20)
				for j := range d {
					d[j] = byte(j*13 + i + sz) // new content: no dedup
				}
				writeFile(b, p, d, sz, false)
				start := time.Now()
				waitCertified(b, p)
				total += time.Since(start)
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/file")
		})
	}
}

func timeIt(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
}

// writeFile writes size bytes of chunk repeated (with a varying first
// byte per MiB, so chunks differ) and closes the file, after fsync if sync.
func writeFile(tb testing.TB, p string, chunk []byte, size int, sync bool) {
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	for off := 0; off < size; off += len(chunk) {
		chunk[0] = byte(off >> 20)
		if _, err := f.Write(chunk[:min(len(chunk), size-off)]); err != nil {
			tb.Fatal(err)
		}
	}
	if sync {
		if err := f.Sync(); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

func readFile(tb testing.TB, p string) {
	f, err := os.Open(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf); err != nil {
		tb.Fatal(err)
	}
}

func createFiles(tb testing.TB, dir string, count int, content []byte) {
	if err := os.Mkdir(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	for i := range count {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d", i)), content, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

func lsL(tb testing.TB, dir string) {
	out, err := exec.Command("ls", "-l", dir).Output()
	if err != nil || strings.Count(string(out), "\n") < 10001 {
		tb.Fatalf("ls -l %s: %v", dir, err)
	}
}

// dropPageCache empties the kernel's page cache, as root can; elsewhere it
// does nothing.
func dropPageCache() {
	unix.Sync()
	_ = os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0)
}

func blobIDs(tb testing.TB, p string) []encoding.BlobID {
	buf := make([]byte, 1<<16)
	k, err := unix.Getxattr(p, "user.walrus.blob_id", buf)
	if err != nil {
		tb.Fatal(err)
	}
	var ids []encoding.BlobID
	for _, s := range strings.Fields(string(buf[:k])) {
		id, err := encoding.ParseBlobID(s)
		if err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func waitCertified(tb testing.TB, p string) {
	buf := make([]byte, 64)
	for deadline := time.Now().Add(5 * time.Minute); ; {
		k, err := unix.Getxattr(p, "user.walrus.state", buf)
		if err == nil && string(buf[:k]) == "certified" {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s not certified: %q %v", p, buf[:k], err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type loopback struct{ dir string }

// loopbackMount mounts go-fuse's loopback file system over a temporary
// directory, with the same kernel cache timeouts as ours.
func loopbackMount(tb testing.TB) *loopback {
	backing, mnt := tb.TempDir(), tb.TempDir()
	root, err := fusefs.NewLoopbackRoot(backing)
	if err != nil {
		tb.Fatal(err)
	}
	sec := time.Second
	srv, err := fusefs.Mount(mnt, root, &fusefs.Options{EntryTimeout: &sec, AttrTimeout: &sec})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Unmount() })
	return &loopback{dir: mnt}
}
