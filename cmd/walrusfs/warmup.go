package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/internal/human"
)

func newWarmupCmd() *cobra.Command {
	var jobs int
	cmd := &cobra.Command{
		Use:   "warmup [--jobs N] PATH...",
		Short: "Fetch files or whole trees of a running mount into its caches",
		Long: `warmup reads the files named, and every file of the directories named, through
the walrusfs mount they are on, so that the mount fetches their content from
the network now and later reads find it in its caches. The bytes read are
dropped, and kept out of the page cache. --jobs files are read at once, in
listing order, which the mount's read-ahead follows.

Progress (files, bytes, rate) is shown on standard error when it is a
terminal. A PATH that is not on a walrusfs mount is an error; a file that
cannot be read is reported, the others are read all the same, and the exit
status is then 1.`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if jobs < 1 {
				return usageError{fmt.Errorf("--jobs must be at least 1")}
			}
			var roots []string
			for _, p := range args {
				root, err := onWalrusfsMount(p)
				if err != nil {
					return err
				}
				roots = append(roots, root)
			}
			stderr := cmd.ErrOrStderr()
			f, isFile := stderr.(*os.File)
			w := &warmer{jobs: jobs, read: readAndDrop, errOut: stderr, bar: newProgressBar(stderr, isFile && isTerminal(f), "warmup", "")}
			return w.run(cmd.Context(), roots)
		},
	}
	cmd.Flags().IntVarP(&jobs, "jobs", "j", 8, "files read at once")
	return cmd
}

// onWalrusfsMount returns path, its symbolic links resolved, if it is on a
// walrusfs mount.
func onWalrusfsMount(path string) (string, error) {
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	if resolved, err = filepath.Abs(resolved); err != nil {
		return "", err
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", fmt.Errorf("find the mount of %s: %w", path, err)
	}
	defer f.Close()
	fstype, mountPoint, err := mountOf(f, resolved)
	if err != nil {
		return "", fmt.Errorf("find the mount of %s: %w", path, err)
	}
	if fstype != "fuse.walrusfs" {
		return "", fmt.Errorf("%s is not on a walrusfs mount (it is on %s, a %s file system)", path, mountPoint, fstype)
	}
	return resolved, nil
}

// mountOf reads a mountinfo table (proc(5)) and returns the file system
// type and the mount point of the mount holding the absolute path: the
// longest mount point it is under, the last one mounted there.
func mountOf(table io.Reader, path string) (fstype, mountPoint string, err error) {
	sc := bufio.NewScanner(table)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	best := -1
	for sc.Scan() {
		// ID parent major:minor root MOUNTPOINT options [optional...] - TYPE SOURCE super
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, f := range fields {
			if f == "-" && i >= 6 {
				sep = i
				break
			}
		}
		if len(fields) < 5 || sep < 0 || sep+1 >= len(fields) {
			continue
		}
		mp := unescapeMountField(fields[4])
		if !under(path, mp) || len(mp) < best {
			continue
		}
		best, fstype, mountPoint = len(mp), fields[sep+1], mp
	}
	if err := sc.Err(); err != nil {
		return "", "", err
	}
	if best < 0 {
		return "", "", fmt.Errorf("no mount holds %s", path)
	}
	return fstype, mountPoint, nil
}

// under tells whether path is dir or below it.
func under(path, dir string) bool {
	return path == dir || dir == "/" || strings.HasPrefix(path, dir+"/")
}

// unescapeMountField undoes the octal escapes (\040 for a space) of a
// mountinfo path.
func unescapeMountField(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// warmer reads trees through a mount, jobs files at once.
type warmer struct {
	jobs   int
	read   func(path string, buf []byte) (int64, error) // reads a file, dropping the bytes
	errOut io.Writer
	bar    *progressBar // on errOut; nil: no progress shown

	found, done, failed, bytes atomic.Int64
	outMu                      sync.Mutex // orders the bar's lines and the errors on errOut
}

// run reads every regular file under roots; files that fail are reported
// as they fail, and make it return errPartial at the end.
func (w *warmer) run(ctx context.Context, roots []string) error {
	files := make(chan string, 1024)
	go func() {
		defer close(files)
		for _, root := range roots {
			err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					w.fail(p, err)
					return nil // the rest of the tree all the same
				}
				if !d.Type().IsRegular() {
					return nil
				}
				w.found.Add(1)
				select {
				case files <- p:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
			if err != nil {
				return
			}
		}
	}()
	start := time.Now()
	stopProgress := w.showProgress(start)
	var wg sync.WaitGroup
	for range w.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1<<20)
			for p := range files {
				if ctx.Err() != nil {
					continue // drain
				}
				n, err := w.read(p, buf)
				w.bytes.Add(n)
				if err != nil {
					w.fail(p, err)
					continue
				}
				w.done.Add(1)
			}
		}()
	}
	wg.Wait()
	stopProgress()
	if w.bar != nil {
		w.outMu.Lock()
		fmt.Fprintln(w.errOut, w.line(time.Since(start)))
		w.outMu.Unlock()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if w.failed.Load() > 0 {
		w.outMu.Lock()
		fmt.Fprintf(w.errOut, "walrusfs: warmup: %d files could not be read\n", w.failed.Load())
		w.outMu.Unlock()
		return errPartial
	}
	return nil
}

// fail reports a file that could not be read.
func (w *warmer) fail(p string, err error) {
	w.failed.Add(1)
	w.outMu.Lock()
	defer w.outMu.Unlock()
	w.bar.clear()
	fmt.Fprintf(w.errOut, "walrusfs: warmup: %s: %v\n", p, err)
}

// showProgress redraws a line of progress every 200 ms on a terminal; the
// function it returns stops it and erases the line.
func (w *warmer) showProgress(start time.Time) func() {
	if w.bar == nil {
		return func() {}
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				w.outMu.Lock()
				w.bar.show(w.line(time.Since(start)))
				w.outMu.Unlock()
			}
		}
	}()
	return func() {
		close(stop)
		<-stopped
		w.outMu.Lock()
		w.bar.clear()
		w.outMu.Unlock()
	}
}

// line is the progress: files read of those found so far, bytes, rate.
func (w *warmer) line(elapsed time.Duration) string {
	bytes := w.bytes.Load()
	rate := float64(bytes) / max(elapsed.Seconds(), 1e-3)
	s := fmt.Sprintf("warmup: %d/%d files, %s, %s/s", w.done.Load(), w.found.Load(), human.Bytes(bytes), human.Bytes(int64(rate)))
	if n := w.failed.Load(); n > 0 {
		s += fmt.Sprintf(", %d failed", n)
	}
	return s
}

// readAndDrop reads a file through, keeping its pages out of the page
// cache: dropped before, so that the reads reach the mount, and after.
func readAndDrop(path string, buf []byte) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fd := int(f.Fd())
	_ = unix.Fadvise(fd, 0, 0, unix.FADV_DONTNEED)
	var n int64
	for {
		k, err := f.Read(buf)
		n += int64(k)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, err
		}
	}
	_ = unix.Fadvise(fd, 0, 0, unix.FADV_DONTNEED)
	return n, nil
}
