// Command torture runs parallel writers, readers, renames and deletes on a
// walrusfs mount for a while, kills the mount with SIGKILL at random moments
// and mounts it again, and checks that the mount kept its promises: a file
// whose close() returned survives with its name and its exact content,
// fsync'd data survives, a deleted or renamed-away name stays gone, and a file
// being written at the kill holds some prefix of what was being written (or
// its previous content). bench/torture.sh builds and runs it; see there.
//
// Every file's content is recomputable from (seed, content key, generation):
// a header naming them, then a ChaCha8 stream, cut to the file's length. A
// journal outside the mount, fsync'd after each record, holds a "pending"
// record before each change and a "done" record once its last call
// returned; the expected tree is what replaying it gives. After each
// remount, each change still pending is resolved by looking at what the
// mount holds (one of the outcomes it allows, or a failure), and the whole
// tree is compared with the expected one.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

const fuseMagic = 0x65735546 // statfs f_type of a FUSE mount

// content is a file's recomputable content: Size bytes of the stream of
// (Key, Gen). A renamed file keeps its Key.
type content struct {
	Key  string `json:"key"`
	Gen  uint64 `json:"gen"`
	Size int64  `json:"size"`
}

// record is one journal line.
type record struct {
	T      string   `json:"t"`            // start, pending, synced, done, resolved, kill, mount, fail
	Op     string   `json:"op,omitempty"` // write, rename, unlink
	Path   string   `json:"path,omitempty"`
	To     string   `json:"to,omitempty"`     // rename's target
	New    *content `json:"new,omitempty"`    // write's content; resolved: the path's content (nil: absent)
	Synced int64    `json:"synced,omitempty"` // bytes of the pending write known fsync'd
	Msg    string   `json:"msg,omitempty"`
	N      int      `json:"n,omitempty"`
	Seed   uint64   `json:"seed,omitempty"` // start: the run's seed; N is its number of directories
}

// pending is a change whose last call has not returned (yet, or ever).
type pending struct {
	rec    record
	before *content // write, unlink: the path's content before; rename: the source's
	target *content // rename: the target's content before (nil: absent)
}

// model is the expected tree, kept only by replaying journal records.
type model struct {
	seed    uint64
	dirs    int
	files   map[string]content
	pending map[string]*pending // by path; a rename is under both of its paths
}

func newModel() *model {
	return &model{files: map[string]content{}, pending: map[string]*pending{}}
}

func (m *model) apply(r record) error {
	switch r.T + " " + r.Op {
	case "pending write":
		p := &pending{rec: r}
		if c, ok := m.files[r.Path]; ok {
			p.before = &c
		}
		m.pending[r.Path] = p
	case "synced write":
		p := m.pending[r.Path]
		if p == nil {
			return fmt.Errorf("synced %s without a pending write", r.Path)
		}
		p.rec.Synced = r.Synced
	case "done write":
		p := m.pending[r.Path]
		if p == nil {
			return fmt.Errorf("done %s without a pending write", r.Path)
		}
		m.files[r.Path] = *p.rec.New
		delete(m.pending, r.Path)
	case "pending rename":
		c, ok := m.files[r.Path]
		if !ok {
			return fmt.Errorf("rename of %s, which is not there", r.Path)
		}
		p := &pending{rec: r, before: &c}
		if t, ok := m.files[r.To]; ok {
			p.target = &t
		}
		m.pending[r.Path], m.pending[r.To] = p, p
	case "done rename":
		m.files[r.To] = m.files[r.Path]
		delete(m.files, r.Path)
		delete(m.pending, r.Path)
		delete(m.pending, r.To)
	case "pending unlink":
		c, ok := m.files[r.Path]
		if !ok {
			return fmt.Errorf("unlink of %s, which is not there", r.Path)
		}
		m.pending[r.Path] = &pending{rec: r, before: &c}
	case "done unlink":
		delete(m.files, r.Path)
		delete(m.pending, r.Path)
	case "resolved ":
		if r.New == nil {
			delete(m.files, r.Path)
		} else {
			m.files[r.Path] = *r.New
		}
		delete(m.pending, r.Path)
	case "start ":
		m.seed, m.dirs = r.Seed, r.N
	case "kill ", "mount ", "fail ":
	default:
		return fmt.Errorf("unknown journal record %q %q", r.T, r.Op)
	}
	return nil
}

// replay rebuilds the model from a journal file.
func replay(path string) (*model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := newModel()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("journal line %d: %w", line, err)
		}
		if err := m.apply(r); err != nil {
			return nil, fmt.Errorf("journal line %d: %w", line, err)
		}
	}
	return m, sc.Err()
}

type config struct {
	walrusfs, work             string
	duration, killMin, killMax time.Duration
	writers, readers, movers   int
	dirs, names                int
	maxSize                    int64
	seed                       uint64
	mixPassthrough, checkEach  bool
	checkOnly                  bool
	pace                       time.Duration
}

type stats struct {
	Writes, AtomicWrites, Renames, CrossDirRenames, Unlinks, Reads, Fsyncs int64
	BytesWritten, BytesReadByReaders                                       int64
	Kills, Mounts                                                          int
	InFlightAtKills, ResolvedOld, ResolvedNew, ResolvedPrefix              int
	CutAfterFsync                                                          int // pending writes cut by a kill after an fsync had returned
	Checks, FilesChecked                                                   int
	BytesChecked                                                           int64
	FinalFiles                                                             int
	FinalBytes                                                             int64
	Failures                                                               []string
}

type torture struct {
	cfg     config
	mnt     string
	state   string
	mu      sync.Mutex
	cond    *sync.Cond
	journal *os.File
	m       *model
	busy    map[string]bool
	up      bool // workers may start operations
	stop    bool
	active  int // operations under way
	killGen int
	gen     uint64
	st      stats
	mount   *exec.Cmd
	exited  chan error
	logf    func(format string, args ...any)
}

func main() {
	var c config
	flag.StringVar(&c.walrusfs, "walrusfs", "", "the walrusfs binary (required)")
	flag.StringVar(&c.work, "work", "", "work directory: state, mount point, journal and logs (required; must not exist yet, or be empty)")
	flag.DurationVar(&c.duration, "duration", 30*time.Minute, "how long the writers, readers, renames and deletes run")
	flag.DurationVar(&c.killMin, "kill-min", 20*time.Second, "least time between two kills")
	flag.DurationVar(&c.killMax, "kill-max", 90*time.Second, "most time between two kills")
	flag.IntVar(&c.writers, "writers", 2, "writer goroutines")
	flag.IntVar(&c.readers, "readers", 1, "reader goroutines")
	flag.IntVar(&c.movers, "movers", 1, "goroutines that rename and delete")
	flag.IntVar(&c.dirs, "dirs", 4, "directories")
	flag.IntVar(&c.names, "names", 64, "file names per directory")
	flag.Int64Var(&c.maxSize, "max-size", 8<<20, "largest file written")
	flag.Uint64Var(&c.seed, "seed", 0, "seed of contents and choices (0: from the clock)")
	flag.BoolVar(&c.mixPassthrough, "mix-passthrough", true, "mount with --no-passthrough every other time")
	flag.BoolVar(&c.checkEach, "check-each-remount", true, "compare the whole tree after each remount, not only at the end")
	flag.DurationVar(&c.pace, "pace", 0, "pause of each goroutine between its operations")
	flag.BoolVar(&c.checkOnly, "check-only", false, "only check the tree of an earlier run's work directory against its journal (mounting it, resolving what was pending)")
	flag.Parse()
	if c.walrusfs == "" || c.work == "" || c.killMin <= 0 || c.killMax < c.killMin || c.writers < 1 || c.dirs < 1 || c.names < 1 || c.maxSize < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if c.seed == 0 {
		c.seed = uint64(time.Now().UnixNano())
	}
	t, err := newTorture(c)
	if err == nil {
		if c.checkOnly {
			err = t.checkOnly()
		} else {
			err = t.run()
		}
	}
	if t != nil {
		t.report()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "torture:", err)
		os.Exit(1)
	}
	if len(t.st.Failures) > 0 {
		os.Exit(1)
	}
}

func newTorture(c config) (*torture, error) {
	if c.checkOnly {
		// The journal holds what to expect, and the seed to compute it.
		m, err := replay(filepath.Join(c.work, "journal.jsonl"))
		if err != nil {
			return nil, err
		}
		c.seed, c.dirs, c.mixPassthrough = m.seed, m.dirs, false
	} else if ents, err := os.ReadDir(c.work); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("work directory %s is not empty", c.work)
	}
	t := &torture{cfg: c, mnt: filepath.Join(c.work, "mnt"), state: filepath.Join(c.work, "state"),
		m: newModel(), busy: map[string]bool{}}
	t.cond = sync.NewCond(&t.mu)
	if err := os.MkdirAll(t.mnt, 0o755); err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(c.work, "torture.log"))
	if err != nil {
		return nil, err
	}
	var logMu sync.Mutex
	t.logf = func(format string, args ...any) {
		line := fmt.Sprintf("%s %s\n", time.Now().UTC().Format("15:04:05.000"), fmt.Sprintf(format, args...))
		logMu.Lock()
		defer logMu.Unlock()
		os.Stdout.WriteString(line)
		logFile.WriteString(line)
	}
	t.journal, err = os.OpenFile(filepath.Join(c.work, "journal.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if c.checkOnly {
		if t.m, err = replay(t.journal.Name()); err != nil {
			return nil, err
		}
		t.logf("checking %s against its journal: %d files, %d change(s) pending", c.work, len(t.m.files), len(t.uniquePending()))
		return t, nil
	}
	t.logf("seed %d, work %s, %s, kills every %s-%s", c.seed, c.work, c.duration, c.killMin, c.killMax)
	t.mu.Lock()
	t.record(record{T: "start", Seed: c.seed, N: c.dirs})
	t.mu.Unlock()
	return t, nil
}

// record appends r to the journal, fsyncs it, and applies it to the model.
// Callers hold t.mu.
func (t *torture) record(r record) {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	if _, err := t.journal.Write(append(b, '\n')); err != nil {
		panic(fmt.Sprintf("journal: %v", err))
	}
	if err := t.journal.Sync(); err != nil {
		panic(fmt.Sprintf("journal: %v", err))
	}
	if err := t.m.apply(r); err != nil {
		panic(fmt.Sprintf("journal: %v", err))
	}
}

func (t *torture) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	t.logf("FAILURE: %s", msg)
	t.st.Failures = append(t.st.Failures, msg)
	t.record(record{T: "fail", Msg: msg})
}

// expected returns the first n bytes of the stream of (key, gen).
func (t *torture) expected(key string, gen uint64, n int64) []byte {
	out := make([]byte, n)
	h := fmt.Appendf(nil, "walrusfs-torture %s gen %d\n", key, gen)
	k := copy(out, h)
	seed := binary.LittleEndian.AppendUint64(nil, t.cfg.seed)
	seed = binary.LittleEndian.AppendUint64(seed, gen)
	rand.NewChaCha8(sha256.Sum256(append(seed, key...))).Read(out[k:])
	return out
}

// size picks a file size: mostly small, some medium, few large.
func (t *torture) size(r *rand.Rand) int64 {
	var n int64
	switch p := r.IntN(100); {
	case p < 5:
		n = 0
	case p < 45:
		n = r.Int64N(4 << 10)
	case p < 85:
		n = 4<<10 + r.Int64N(252<<10)
	case p < 98:
		n = 256<<10 + r.Int64N(3<<20)
	default:
		n = 4<<20 + r.Int64N(12<<20)
	}
	return min(n, t.cfg.maxSize)
}

func (t *torture) run() error {
	if err := t.startMount(); err != nil {
		return err
	}
	for d := range t.cfg.dirs {
		if err := os.Mkdir(filepath.Join(t.mnt, t.dir(d)), 0o755); err != nil {
			return fmt.Errorf("mkdir: %w", err)
		}
	}
	t.up = true
	var wg sync.WaitGroup
	start := func(n int, kind uint64, f func(*rand.Rand, int)) {
		for i := range n {
			r := rand.New(rand.NewPCG(t.cfg.seed, kind<<32|uint64(i)))
			wg.Go(func() { t.worker(r, f, i) })
		}
	}
	start(t.cfg.writers, 1, t.writeOp)
	start(t.cfg.readers, 2, t.readOp)
	start(t.cfg.movers, 3, t.moveOp)

	r := rand.New(rand.NewPCG(t.cfg.seed, 1))
	deadline := time.Now().Add(t.cfg.duration)
	var err error
	for err == nil {
		wait := t.cfg.killMin + time.Duration(r.Int64N(int64(t.cfg.killMax-t.cfg.killMin)+1))
		if time.Until(deadline) <= wait {
			time.Sleep(time.Until(deadline))
			break
		}
		select {
		case err = <-t.exited:
			err = fmt.Errorf("the mount exited by itself: %v", err)
			continue
		case <-time.After(wait):
		}
		err = t.killAndRemount()
	}
	t.mu.Lock()
	t.stop = true
	t.cond.Broadcast()
	t.mu.Unlock()
	wg.Wait()
	if err != nil {
		return err
	}
	t.logf("%s done: stopping the mount cleanly (it drains its upload queue), then mounting again for the final check", t.cfg.duration)
	if err := t.cleanUnmount(); err != nil {
		return err
	}
	if err := t.startMount(); err != nil {
		return err
	}
	t.mu.Lock()
	t.resolve()
	t.check("final")
	t.st.FinalFiles = len(t.m.files)
	for _, c := range t.m.files {
		t.st.FinalBytes += c.Size
	}
	t.mu.Unlock()
	// The journal alone must give the same tree.
	rm, err := replay(t.journal.Name())
	if err != nil {
		return fmt.Errorf("replaying the journal: %w", err)
	}
	if !mapsEqual(rm.files, t.m.files) || len(rm.pending) != 0 {
		t.mu.Lock()
		t.fail("replaying the journal gives %d files and %d pending, the run's model %d files", len(rm.files), len(rm.pending), len(t.m.files))
		t.mu.Unlock()
	}
	return t.cleanUnmount()
}

// checkOnly mounts an earlier run's state and checks it against its journal.
func (t *torture) checkOnly() error {
	if err := t.startMount(); err != nil {
		return err
	}
	t.mu.Lock()
	t.resolve()
	t.check("check-only")
	t.mu.Unlock()
	return t.cleanUnmount()
}

func mapsEqual(a, b map[string]content) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func (t *torture) dir(d int) string { return fmt.Sprintf("d%d", d) }

// worker runs op until the run stops, only while the mount is up.
func (t *torture) worker(r *rand.Rand, op func(*rand.Rand, int), id int) {
	for {
		t.mu.Lock()
		for !t.up && !t.stop {
			t.cond.Wait()
		}
		if t.stop {
			t.mu.Unlock()
			return
		}
		t.active++
		t.mu.Unlock()
		op(r, id)
		t.mu.Lock()
		t.active--
		t.cond.Broadcast()
		t.mu.Unlock()
		if t.cfg.pace > 0 {
			time.Sleep(t.cfg.pace)
		}
	}
}

// claim marks a free path busy; callers hold t.mu.
func (t *torture) claim(p string) bool {
	if t.busy[p] || t.m.pending[p] != nil {
		return false
	}
	t.busy[p] = true
	return true
}

// failed handles an operation's error: one caused by a kill leaves the
// change pending, to be resolved after the remount; any other is a failure
// (its change is resolved at the next remount as well).
func (t *torture) failed(killGen int, what string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.killGen != killGen {
		return
	}
	t.fail("%s while the mount was up: %v", what, err)
}

func (t *torture) randomPath(r *rand.Rand) string {
	return filepath.Join(t.dir(r.IntN(t.cfg.dirs)), fmt.Sprintf("f%03d", r.IntN(t.cfg.names)))
}

func (t *torture) writeOp(r *rand.Rand, id int) {
	t.mu.Lock()
	p := t.randomPath(r)
	if !t.up || !t.claim(p) {
		t.mu.Unlock()
		return
	}
	t.gen++
	gen := t.gen
	atomic := r.IntN(3) == 0
	target := p
	if atomic {
		// Write a temporary name in the same directory, then rename it over p.
		p = filepath.Join(filepath.Dir(p), fmt.Sprintf(".tmp-w%d-%d", id, gen))
		t.busy[p] = true
	}
	c := content{Key: p, Gen: gen, Size: t.size(r)}
	killGen := t.killGen
	t.record(record{T: "pending", Op: "write", Path: p, New: &c})
	t.mu.Unlock()

	if !t.writeFile(r, p, c, killGen) {
		return
	}
	t.mu.Lock()
	t.record(record{T: "done", Op: "write", Path: p})
	t.st.Writes++
	t.st.BytesWritten += c.Size
	if !atomic {
		delete(t.busy, p)
		t.mu.Unlock()
		return
	}
	t.record(record{T: "pending", Op: "rename", Path: p, To: target})
	t.mu.Unlock()
	if err := os.Rename(filepath.Join(t.mnt, p), filepath.Join(t.mnt, target)); err != nil {
		t.failed(killGen, "rename "+p+" "+target, err)
		return
	}
	t.mu.Lock()
	t.record(record{T: "done", Op: "rename", Path: p, To: target})
	t.st.AtomicWrites++
	delete(t.busy, p)
	delete(t.busy, target)
	t.mu.Unlock()
}

// writeFile writes c to p in pieces of random sizes, sometimes fsyncing on
// the way; it reports whether every call, close included, succeeded.
func (t *torture) writeFile(r *rand.Rand, p string, c content, killGen int) bool {
	data := t.expected(c.Key, c.Gen, c.Size)
	f, err := os.OpenFile(filepath.Join(t.mnt, p), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		t.failed(killGen, "create "+p, err)
		return false
	}
	syncAt := int64(-1)
	if r.IntN(4) == 0 {
		syncAt = r.Int64N(c.Size + 1)
	}
	var off int64
	for off < c.Size || syncAt >= 0 {
		if syncAt >= 0 && off >= syncAt {
			if err := f.Sync(); err != nil {
				f.Close()
				t.failed(killGen, "fsync "+p, err)
				return false
			}
			t.mu.Lock()
			t.record(record{T: "synced", Op: "write", Path: p, Synced: off})
			t.st.Fsyncs++
			t.mu.Unlock()
			syncAt = -1
			continue
		}
		n := min(1+r.Int64N(256<<10), c.Size-off)
		if _, err := f.Write(data[off : off+n]); err != nil {
			f.Close()
			t.failed(killGen, "write "+p, err)
			return false
		}
		off += n
	}
	if err := f.Close(); err != nil {
		t.failed(killGen, "close "+p, err)
		return false
	}
	return true
}

// pickFile returns a random file of the tree that is free, claimed.
func (t *torture) pickFile(r *rand.Rand) (string, content, bool) {
	// A kill may have come since the worker started this operation: its
	// calls would fail with killGen unchanged.
	if !t.up || len(t.m.files) == 0 {
		return "", content{}, false
	}
	// Map order is random enough, but not seeded: pick by index of a
	// sorted sample instead, so a seed repeats a run's choices.
	keys := make([]string, 0, len(t.m.files))
	for k := range t.m.files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	p := keys[r.IntN(len(keys))]
	if !t.claim(p) {
		return "", content{}, false
	}
	return p, t.m.files[p], true
}

func (t *torture) readOp(r *rand.Rand, _ int) {
	t.mu.Lock()
	p, c, ok := t.pickFile(r)
	killGen := t.killGen
	t.mu.Unlock()
	if !ok {
		time.Sleep(10 * time.Millisecond)
		return
	}
	got, err := os.ReadFile(filepath.Join(t.mnt, p))
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.busy, p)
	if t.killGen != killGen {
		return // the kill may have cut the read short
	}
	if err != nil {
		t.fail("read %s while the mount was up: %v", p, err)
		return
	}
	if d := diff(got, t.expected(c.Key, c.Gen, c.Size)); d != "" {
		t.fail("read %s while the mount was up: %s", p, d)
		return
	}
	t.st.Reads++
	t.st.BytesReadByReaders += int64(len(got))
}

func (t *torture) moveOp(r *rand.Rand, _ int) {
	time.Sleep(time.Duration(r.IntN(40)) * time.Millisecond) // about as many as the writers create
	t.mu.Lock()
	p, _, ok := t.pickFile(r)
	if !ok {
		t.mu.Unlock()
		return
	}
	killGen := t.killGen
	if r.IntN(5) < 3 {
		to := t.randomPath(r)
		if to == p || !t.claim(to) {
			delete(t.busy, p)
			t.mu.Unlock()
			return
		}
		t.record(record{T: "pending", Op: "rename", Path: p, To: to})
		t.mu.Unlock()
		if err := os.Rename(filepath.Join(t.mnt, p), filepath.Join(t.mnt, to)); err != nil {
			t.failed(killGen, "rename "+p+" "+to, err)
			return
		}
		t.mu.Lock()
		t.record(record{T: "done", Op: "rename", Path: p, To: to})
		t.st.Renames++
		if filepath.Dir(p) != filepath.Dir(to) {
			t.st.CrossDirRenames++
		}
		delete(t.busy, p)
		delete(t.busy, to)
		t.mu.Unlock()
		return
	}
	t.record(record{T: "pending", Op: "unlink", Path: p})
	t.mu.Unlock()
	if err := os.Remove(filepath.Join(t.mnt, p)); err != nil {
		t.failed(killGen, "unlink "+p, err)
		return
	}
	t.mu.Lock()
	t.record(record{T: "done", Op: "unlink", Path: p})
	t.st.Unlinks++
	delete(t.busy, p)
	t.mu.Unlock()
}

func (t *torture) startMount() error {
	args := []string{"mount", "--state", t.state}
	noPT := t.cfg.mixPassthrough && t.st.Mounts%2 == 1
	if noPT {
		args = append(args, "--no-passthrough")
	}
	args = append(args, t.mnt)
	logf, err := os.OpenFile(filepath.Join(t.cfg.work, "mount.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "=== mount %d: %s\n", t.st.Mounts+1, strings.Join(args, " "))
	cmd := exec.Command(t.cfg.walrusfs, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting the mount: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logf.Close() }()
	began := time.Now()
	for {
		var sfs syscall.Statfs_t
		if err := syscall.Statfs(t.mnt, &sfs); err == nil && sfs.Type == fuseMagic {
			break
		}
		select {
		case err := <-exited:
			return fmt.Errorf("the mount exited before it was up: %v (see %s/mount.log)", err, t.cfg.work)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Since(began) > 3*time.Minute {
			cmd.Process.Kill()
			return fmt.Errorf("the mount was not up after 3 minutes")
		}
	}
	t.mount, t.exited = cmd, exited
	t.st.Mounts++
	t.mu.Lock()
	t.record(record{T: "mount", N: t.st.Mounts, Msg: strings.Join(args, " ")})
	t.mu.Unlock()
	t.logf("mount %d up in %s (pid %d, passthrough %v)", t.st.Mounts, time.Since(began).Round(time.Millisecond), cmd.Process.Pid, !noPT)
	return nil
}

func (t *torture) killAndRemount() error {
	t.mu.Lock()
	t.killGen++
	t.up = false
	t.st.Kills++
	inFlight := t.active
	t.record(record{T: "kill", N: t.st.Kills})
	t.mu.Unlock()
	if err := t.mount.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("killing the mount: %w", err)
	}
	<-t.exited
	t.logf("kill %d: SIGKILL with %d operation(s) under way", t.st.Kills, inFlight)

	// Operations under way fail (ENOTCONN) or finish; wait for all of them.
	t.mu.Lock()
	stuck := time.AfterFunc(2*time.Minute, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.active > 0 {
			t.fail("%d operation(s) still hang 2 minutes after kill %d", t.active, t.st.Kills)
		}
	})
	for t.active > 0 {
		t.cond.Wait()
	}
	stuck.Stop()
	t.mu.Unlock()

	if err := t.startMount(); err != nil {
		return err
	}
	t.mu.Lock()
	t.st.InFlightAtKills += len(t.uniquePending())
	t.resolve()
	if t.cfg.checkEach {
		t.check(fmt.Sprintf("after kill %d", t.st.Kills))
	}
	t.up = true
	t.cond.Broadcast()
	t.mu.Unlock()
	return nil
}

func (t *torture) cleanUnmount() error {
	out, err := exec.Command(t.cfg.walrusfs, "umount", t.mnt).CombinedOutput()
	if err != nil {
		return fmt.Errorf("walrusfs umount: %v: %s", err, out)
	}
	select {
	case err := <-t.exited:
		if err != nil {
			t.mu.Lock()
			t.fail("the mount exited with %v after umount", err)
			t.mu.Unlock()
		}
	case <-time.After(15 * time.Minute):
		return fmt.Errorf("the mount did not exit within 15 minutes of umount")
	}
	t.logf("unmounted cleanly")
	return nil
}

func (t *torture) uniquePending() []*pending {
	var ps []*pending
	for _, p := range t.m.pending {
		if !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	// Resolve in journal order of their paths, so runs repeat.
	sort.Slice(ps, func(i, j int) bool { return ps[i].rec.Path < ps[j].rec.Path })
	return ps
}

// look reads what the mount holds at p: nil and false if absent.
func (t *torture) look(p string) ([]byte, bool, error) {
	b, err := os.ReadFile(filepath.Join(t.mnt, p))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	return b, err == nil, err
}

func (t *torture) is(b []byte, c *content) bool {
	return c != nil && int64(len(b)) == c.Size && bytes.Equal(b, t.expected(c.Key, c.Gen, c.Size))
}

// resolve settles each change left pending by a kill (or a failed call) as
// one of the outcomes the mount allows, recording a failure otherwise.
// Callers hold t.mu, with no operation under way.
func (t *torture) resolve() {
	for _, p := range t.uniquePending() {
		r := p.rec
		switch r.Op {
		case "write":
			b, ok, err := t.look(r.Path)
			if err != nil {
				t.fail("after kill: reading %s: %v", r.Path, err)
				t.drop(r.Path)
				continue
			}
			n := *r.New
			if r.Synced > 0 {
				t.st.CutAfterFsync++
			}
			switch {
			case !ok && p.before == nil && r.Synced == 0:
				t.record(record{T: "resolved", Path: r.Path})
				t.st.ResolvedOld++
			case ok && r.Synced == 0 && t.is(b, p.before):
				t.record(record{T: "resolved", Path: r.Path, New: p.before})
				t.st.ResolvedOld++
			case ok && int64(len(b)) >= r.Synced && int64(len(b)) <= n.Size &&
				bytes.Equal(b, t.expected(n.Key, n.Gen, int64(len(b)))):
				got := content{Key: n.Key, Gen: n.Gen, Size: int64(len(b))}
				t.record(record{T: "resolved", Path: r.Path, New: &got})
				if got.Size == n.Size {
					t.st.ResolvedNew++
				} else {
					t.st.ResolvedPrefix++
				}
			default:
				t.fail("write of %s (%d bytes, %d fsync'd) cut by a kill left %s; allowed: its previous content (%s) or a prefix of at least %d bytes",
					r.Path, n.Size, r.Synced, describe(b, ok, t.expected(n.Key, n.Gen, n.Size)), sizeOf(p.before), r.Synced)
				t.drop(r.Path)
			}
		case "rename":
			src, sok, err1 := t.look(r.Path)
			dst, dok, err2 := t.look(r.To)
			if err := errors.Join(err1, err2); err != nil {
				t.fail("after kill: reading %s and %s: %v", r.Path, r.To, err)
				t.drop(r.Path)
				t.drop(r.To)
				continue
			}
			switch {
			case sok && t.is(src, p.before) && ((!dok && p.target == nil) || (dok && t.is(dst, p.target))):
				t.record(record{T: "resolved", Path: r.Path, New: p.before})
				t.record(record{T: "resolved", Path: r.To, New: p.target})
				t.st.ResolvedOld++
			case !sok && dok && t.is(dst, p.before):
				t.record(record{T: "resolved", Path: r.Path})
				t.record(record{T: "resolved", Path: r.To, New: p.before})
				t.st.ResolvedNew++
			default:
				t.fail("rename %s -> %s cut by a kill left the source %s and the target %s",
					r.Path, r.To, describe(src, sok, t.expected(p.before.Key, p.before.Gen, p.before.Size)), describeC(t, dst, dok, p.target))
				t.drop(r.Path)
				t.drop(r.To)
			}
		case "unlink":
			b, ok, err := t.look(r.Path)
			switch {
			case err != nil:
				t.fail("after kill: reading %s: %v", r.Path, err)
				t.drop(r.Path)
			case !ok:
				t.record(record{T: "resolved", Path: r.Path})
				t.st.ResolvedNew++
			case t.is(b, p.before):
				t.record(record{T: "resolved", Path: r.Path, New: p.before})
				t.st.ResolvedOld++
			default:
				t.fail("unlink of %s cut by a kill left %s", r.Path, describe(b, ok, t.expected(p.before.Key, p.before.Gen, p.before.Size)))
				t.drop(r.Path)
			}
		}
	}
	clear(t.busy)
}

// drop removes p from the mount and the model after a failure, so that the
// run goes on from a known tree; a -check-only run only reports.
func (t *torture) drop(p string) {
	if t.cfg.checkOnly {
		return // only look
	}
	if err := os.Remove(filepath.Join(t.mnt, p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.logf("removing %s after a failure: %v", p, err)
	}
	t.record(record{T: "resolved", Path: p})
}

func sizeOf(c *content) string {
	if c == nil {
		return "absent"
	}
	return fmt.Sprintf("%d bytes", c.Size)
}

func describeC(t *torture, b []byte, ok bool, c *content) string {
	if c == nil {
		return describe(b, ok, nil)
	}
	return describe(b, ok, t.expected(c.Key, c.Gen, c.Size))
}

// describe says how b differs from want.
func describe(b []byte, ok bool, want []byte) string {
	if !ok {
		return "no file"
	}
	if want == nil {
		return fmt.Sprintf("%d bytes, starting %q", len(b), b[:min(len(b), 48)])
	}
	if d := diff(b, want); d != "" {
		return fmt.Sprintf("%d bytes (%s)", len(b), d)
	}
	return fmt.Sprintf("%d bytes, as expected", len(b))
}

// diff is "" when got == want, else where they part.
func diff(got, want []byte) string {
	if bytes.Equal(got, want) {
		return ""
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	zeros := 0
	for j := i; j < len(got) && got[j] == 0; j++ {
		zeros++
	}
	head := got[:min(len(got), 48)]
	return fmt.Sprintf("%d bytes, want %d; first difference at byte %d (%d zero bytes from there); starts %q", len(got), len(want), i, zeros, head)
}

// check compares the whole tree on the mount with the model: the same names
// in every directory, each file with exactly its content. Callers hold t.mu,
// with no operation under way and nothing pending.
func (t *torture) check(when string) {
	began := time.Now()
	var files int
	var size int64
	onDisk := map[string]bool{}
	for d := range t.cfg.dirs {
		ents, err := os.ReadDir(filepath.Join(t.mnt, t.dir(d)))
		if err != nil {
			t.fail("%s: listing %s: %v", when, t.dir(d), err)
			continue
		}
		for _, e := range ents {
			onDisk[filepath.Join(t.dir(d), e.Name())] = true
		}
	}
	for p := range onDisk {
		if _, ok := t.m.files[p]; !ok {
			b, ok, _ := t.look(p)
			t.fail("%s: %s is there (%s) but was deleted, renamed away or never written", when, p, describe(b, ok, nil))
			if t.cfg.checkOnly {
				continue
			}
			if err := os.Remove(filepath.Join(t.mnt, p)); err != nil {
				t.logf("removing %s: %v", p, err)
			}
		}
	}
	names := make([]string, 0, len(t.m.files))
	for p := range t.m.files {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		c := t.m.files[p]
		if !onDisk[p] {
			t.fail("%s: %s is missing (it should hold %d bytes of %s gen %d)", when, p, c.Size, c.Key, c.Gen)
			t.drop(p)
			continue
		}
		b, ok, err := t.look(p)
		if err != nil || !ok {
			t.fail("%s: reading %s: %v", when, p, err)
			t.drop(p)
			continue
		}
		if d := diff(b, t.expected(c.Key, c.Gen, c.Size)); d != "" {
			t.fail("%s: %s (%s gen %d): %s", when, p, c.Key, c.Gen, d)
			t.drop(p)
			continue
		}
		files++
		size += c.Size
	}
	t.st.Checks++
	t.st.FilesChecked += files
	t.st.BytesChecked += size
	t.logf("check %s: %d files as expected, %d bytes; %d failure(s) so far (%s)", when, files, size, len(t.st.Failures), time.Since(began).Round(time.Millisecond))
}

func (t *torture) report() {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, _ := json.MarshalIndent(t.st, "", "  ")
	t.logf("summary (seed %d):\n%s", t.cfg.seed, b)
	os.WriteFile(filepath.Join(t.cfg.work, "summary.json"), b, 0o644)
	if len(t.st.Failures) == 0 {
		t.logf("PASS: 0 failures")
	} else {
		t.logf("FAIL: %d failure(s)", len(t.st.Failures))
	}
}
