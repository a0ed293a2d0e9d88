package encoding

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/internal/officialsdk"
)

// The cross-check runs the official encoder (the oracle beside the
// repository, see testvectors.OracleDir) under node on random blobs and
// compares everything it outputs with ours. The oracle is installed once in
// <repo>/.cache/oracle, which bench/oracle-bench.sh shares.

// oracleSeedEnv fixes the seed of the random inputs; by default it changes at
// every run and is logged.
const oracleSeedEnv = "WALRUSFS_ORACLE_SEED"

// crossMaxBlob bounds the random blob sizes.
const crossMaxBlob = 4 << 20

// crossFullUpTo is the largest n whose slivers the oracle hands over whole;
// above it, it sends their SHA-256 digests.
const crossFullUpTo = 100

// crossMetadataUpTo is the largest blob on which the metadata-only paths are
// checked too (they cost another encode each).
const crossMetadataUpTo = 256 << 10

// TestOfficialEncoderCrossCheck encodes random blobs with the official Walrus
// encoder and with ours and compares the blob IDs, root hashes, metadata and
// every primary and secondary sliver byte for byte (at n > 100 through
// per-sliver SHA-256 digests). Sizes sit on and next to the symbol-size
// boundaries k_p·k_s·S, up to the largest blob n shards can encode and one
// byte past it, which both encoders must reject.
//
// It needs node and npm; without node it skips, except in CI (CI=true). In
// -short mode it leaves out n = 1000.
func TestOfficialEncoderCrossCheck(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node is required in CI for the cross-check with the official encoder: %v", err)
		}
		t.Skipf("node not found, cannot run the official encoder: %v", err)
	}
	oracle := officialsdk.Dir(t)

	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(oracleSeedEnv); s != "" {
		if seed, err = strconv.ParseUint(s, 0, 64); err != nil {
			t.Fatalf("%s=%q: %v", oracleSeedEnv, s, err)
		}
	}
	t.Logf("seed %d (rerun with %s=%d)", seed, oracleSeedEnv, seed)
	cases := crossCases(t, seed, testing.Short())

	// Write the inputs and the manifest, then let node encode them all while
	// we encode them too; its results arrive in order, one line per case.
	dir := t.TempDir()
	type manifestCase struct {
		Name    string `json:"name"`
		N       int    `json:"n"`
		Input   string `json:"input"`
		Output  string `json:"output"`
		Digests bool   `json:"digests"`
	}
	var manifest struct {
		Cases []manifestCase `json:"cases"`
	}
	var total int
	for i := range cases {
		c := &cases[i]
		c.input = filepath.Join(dir, fmt.Sprintf("%03d.in", i))
		c.output = filepath.Join(dir, fmt.Sprintf("%03d.out", i))
		if err := os.WriteFile(c.input, c.blob(), 0o644); err != nil {
			t.Fatal(err)
		}
		manifest.Cases = append(manifest.Cases, manifestCase{c.name, c.n, c.input, c.output, c.digests})
		total += c.size
	}
	t.Logf("%d blobs, %.1f MiB in all", len(cases), float64(total)/(1<<20))
	mf, err := json.Marshal(manifest)
	if err != nil {
		t.Fatal(err)
	}
	manifestPath := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(manifestPath, mf, 0o644); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "oracle_batch.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	results := startOracleBatch(t, node, script, oracle, manifestPath)

	start := time.Now()
	var oursTime, oracleTime time.Duration
	for i := range cases {
		c := &cases[i]
		// Take the result outside the subtest, so that the two stay in step
		// when -run leaves out some of the subtests.
		res, ok := results.next()
		if !ok {
			t.Fatalf("the official encoder stopped before %s: %s", c.name, results.finish())
		}
		if res.Name != c.name {
			t.Fatalf("the official encoder answered for %q instead of %q", res.Name, c.name)
		}
		oracleTime += time.Duration(res.Ms) * time.Millisecond
		t.Run(c.name, func(t *testing.T) {
			data := c.blob()
			// Every other case without the Leopard library, as blob-id and
			// storage nodes encode.
			enc, err := NewEncoderWith(c.n, EncoderOptions{LowMemory: i%2 == 1})
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Now()
			b, err := enc.Encode(data)
			oursTime += time.Since(t0)
			if err == nil {
				defer b.Release()
			}
			if !res.OK {
				if !strings.Contains(res.Error, "too large") {
					t.Fatalf("the official encoder failed: %s", res.Error)
				}
				if !errors.Is(err, ErrBlobTooLarge) {
					t.Fatalf("the official encoder rejects the blob (%s); Encode = %v, want ErrBlobTooLarge", res.Error, err)
				}
				return
			}
			if c.tooLarge {
				t.Errorf("the official encoder accepts a blob over MaxBlobSize")
			}
			if err != nil {
				t.Fatalf("Encode: %v (the official encoder accepts the blob)", err)
			}
			compareWithOracle(t, c, data, enc, b, res)
		})
		os.Remove(c.input)
		os.Remove(c.output)
	}
	if err := results.finish(); err != "" {
		t.Fatalf("the official encoder: %s", err)
	}
	t.Logf("%d blobs in %v: ours %v, the official encoder %v (encoding only)",
		len(cases), time.Since(start).Round(time.Millisecond), oursTime.Round(time.Millisecond), oracleTime.Round(time.Millisecond))
}

// crossCase is one blob of the cross-check. Its bytes are a function of its
// fields, so they are made again when needed rather than kept.
type crossCase struct {
	name     string
	n        int
	size     int
	kind     string // "random", "zeros" or "sparse"
	seed     uint64
	tooLarge bool // over MaxBlobSize(n)
	digests  bool // compare slivers through their SHA-256

	input, output string // files of the batch
}

func (c *crossCase) blob() []byte {
	b := make([]byte, c.size)
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], c.seed)
	rng := rand.NewChaCha8(key)
	switch c.kind {
	case "random":
		_, _ = rng.Read(b)
	case "sparse":
		// Mostly zeros, a few random bytes, and a non-zero last byte: data
		// that ends just before the padding.
		if c.size > 0 {
			r := rand.New(rng)
			for range c.size/4096 + 1 {
				b[r.IntN(c.size)] = byte(r.Uint32())
			}
			b[c.size-1] = 0xff
		}
	}
	return b
}

// crossCases draws the blobs: for each n, the empty blob and one byte, sizes
// k_p·k_s·S − 1, k_p·k_s·S and k_p·k_s·S + 1 for S = 2, a small random even S
// and two large random S, three uniformly random sizes, and, when they fit in
// crossMaxBlob, MaxBlobSize(n) and one byte more. n = 1000 gets four blobs
// only (one over 2 MiB), because each costs the official encoder about 1.5 s.
func crossCases(t *testing.T, seed uint64, short bool) []crossCase {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	var cases []crossCase
	add := func(n, size int) {
		for _, c := range cases {
			if c.n == n && c.size == size {
				return
			}
		}
		maxBlob, err := MaxBlobSize(n)
		if err != nil {
			t.Fatal(err)
		}
		kind := "random"
		switch rng.IntN(6) {
		case 0:
			kind = "zeros"
		case 1:
			kind = "sparse"
		}
		tooLarge := uint64(size) > maxBlob
		if tooLarge {
			kind = "zeros"
		}
		cases = append(cases, crossCase{
			name:     fmt.Sprintf("n=%d/%dB/%s", n, size, kind),
			n:        n,
			size:     size,
			kind:     kind,
			seed:     rng.Uint64(),
			tooLarge: tooLarge,
			digests:  n > crossFullUpTo,
		})
	}
	for _, n := range []int{4, 5, 7, 10, 13, 31, 100, 1000} {
		p, s, err := SourceSymbols(n)
		if err != nil {
			t.Fatal(err)
		}
		maxBlob, _ := MaxBlobSize(n)
		cells := p * s
		if n == DefaultShards {
			if short {
				continue
			}
			// A short blob, the step from S = s1 to s1 + 2, and a large blob.
			s1 := 4 + 2*rng.IntN(3)
			add(n, 1+rng.IntN(2000))
			add(n, cells*s1)
			add(n, cells*s1+1)
			add(n, cells*(10+rng.IntN(7))+rng.IntN(3)-1)
			continue
		}
		limit := min(int(maxBlob), crossMaxBlob)
		aligned := func(S int) {
			for _, d := range []int{-1, 0, 1} {
				if size := cells*S + d; size <= limit {
					add(n, size)
				}
			}
		}
		add(n, 0)
		add(n, 1)
		add(n, 2+rng.IntN(3*cells))
		aligned(2)
		aligned(4 + 2*rng.IntN(31))
		largeS := min(MaxSymbolSize, crossMaxBlob/cells)
		for range 2 {
			aligned(65 + rng.IntN(largeS-64))
		}
		for range 3 {
			add(n, rng.IntN(limit+1))
		}
		if int(maxBlob)+1 <= crossMaxBlob {
			add(n, int(maxBlob))
			add(n, int(maxBlob)+1)
		}
	}
	return cases
}

// compareWithOracle compares our encoding of c with the official encoder's.
func compareWithOracle(t *testing.T, c *crossCase, data []byte, enc *Encoder, b *EncodedBlob, res oracleResult) {
	t.Helper()
	if got := b.ID.String(); got != res.BlobID {
		t.Errorf("blob ID %s, official %s", got, res.BlobID)
	}
	root := b.Metadata.RootHash()
	if got := hex.EncodeToString(root[:]); got != res.RootHash {
		t.Errorf("root hash %s, official %s", got, res.RootHash)
	}
	if b.Params.SymbolSize != res.SymbolSize {
		t.Errorf("symbol size %d, official %d", b.Params.SymbolSize, res.SymbolSize)
	}

	f, err := os.Open(c.output)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	frames := bufio.NewReaderSize(f, 1<<20)
	var frameErr error
	next := func() []byte {
		if frameErr != nil {
			return nil
		}
		var n [4]byte
		if _, frameErr = io.ReadFull(frames, n[:]); frameErr != nil {
			return nil
		}
		buf := make([]byte, binary.LittleEndian.Uint32(n[:]))
		if _, frameErr = io.ReadFull(frames, buf); frameErr != nil {
			return nil
		}
		return buf
	}

	officialMeta := next()
	if d := firstDiff(b.Metadata.MarshalBCS(), officialMeta); d != "" {
		t.Errorf("metadata BCS: %s", d)
	}
	mismatches := map[Axis]int{}
	for pair := 0; pair < c.n; pair++ {
		for _, axis := range []Axis{Primary, Secondary} {
			official := next()
			if frameErr != nil {
				t.Fatalf("official output, pair %d %s sliver: %v", pair, axis, frameErr)
			}
			ours := b.Sliver(axis, pair).MarshalBCS()
			var diff string
			if c.digests {
				if sum := sha256.Sum256(ours); !bytes.Equal(sum[:], official) {
					diff = fmt.Sprintf("SHA-256 %x, official %x", sum, official)
				}
			} else {
				diff = firstDiff(ours, official)
			}
			if diff != "" {
				if mismatches[axis] < 3 {
					t.Errorf("pair %d %s sliver BCS: %s", pair, axis, diff)
				}
				mismatches[axis]++
			}
		}
	}
	for _, axis := range []Axis{Primary, Secondary} {
		if mismatches[axis] > 0 {
			t.Errorf("%d of %d %s slivers differ", mismatches[axis], c.n, axis)
		}
	}
	if _, err := frames.ReadByte(); err != io.EOF {
		t.Errorf("official output has more than 1 + 2n frames")
	}

	if len(data) <= crossMetadataUpTo {
		m, id, err := enc.ComputeMetadata(data)
		if err != nil {
			t.Fatalf("ComputeMetadata: %v", err)
		}
		if id.String() != res.BlobID {
			t.Errorf("ComputeMetadata: blob ID %s, official %s", id, res.BlobID)
		}
		if d := firstDiff(m.MarshalBCS(), officialMeta); d != "" {
			t.Errorf("ComputeMetadata: metadata BCS: %s", d)
		}
		_, id, err = enc.ComputeMetadataFrom(bytes.NewReader(data), uint64(len(data)))
		if err != nil {
			t.Fatalf("ComputeMetadataFrom: %v", err)
		}
		if id.String() != res.BlobID {
			t.Errorf("ComputeMetadataFrom: blob ID %s, official %s", id, res.BlobID)
		}
	}
}

// firstDiff describes where two byte strings first differ, or returns "".
func firstDiff(ours, official []byte) string {
	if bytes.Equal(ours, official) {
		return ""
	}
	i := 0
	for i < len(ours) && i < len(official) && ours[i] == official[i] {
		i++
	}
	window := func(b []byte) string { return hex.EncodeToString(b[i:min(len(b), i+16)]) }
	return fmt.Sprintf("%d bytes, official %d; first difference at byte %d: %s…, official %s…",
		len(ours), len(official), i, window(ours), window(official))
}

// oracleResult is one line of oracle_batch.mjs.
type oracleResult struct {
	Name       string `json:"name"`
	OK         bool   `json:"ok"`
	Error      string `json:"error"`
	BlobID     string `json:"blob_id"`
	RootHash   string `json:"root_hash"`
	SymbolSize int    `json:"symbol_size"`
	Ms         int    `json:"ms"`
}

// oracleBatch is a running oracle_batch.mjs.
type oracleBatch struct {
	cmd     *exec.Cmd
	cancel  context.CancelFunc
	results chan oracleResult
	stderr  bytes.Buffer
	readErr error // set before results is closed

	once    sync.Once
	waitErr error
}

func startOracleBatch(t *testing.T, node, script, oracle, manifest string) *oracleBatch {
	ctx, cancel := context.WithCancel(context.Background())
	ob := &oracleBatch{cancel: cancel, results: make(chan oracleResult, 1024)}
	ob.cmd = exec.CommandContext(ctx, node, script, oracle, manifest)
	ob.cmd.Stderr = &ob.stderr
	out, err := ob.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ob.cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(ob.kill)
	go func() {
		defer close(ob.results)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var r oracleResult
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				ob.readErr = fmt.Errorf("unexpected output %q: %w", sc.Text(), err)
				return
			}
			ob.results <- r
		}
		ob.readErr = sc.Err()
	}()
	return ob
}

// next returns the next case's result, or false if the process ended.
func (ob *oracleBatch) next() (oracleResult, bool) {
	r, ok := <-ob.results
	return r, ok
}

// finish waits for the process to end after the last result and returns a
// description of anything that went wrong with it, or "".
func (ob *oracleBatch) finish() string {
	var msgs []string
	for r := range ob.results {
		msgs = append(msgs, fmt.Sprintf("unexpected result for %q", r.Name))
	}
	ob.once.Do(func() { ob.waitErr = ob.cmd.Wait() })
	ob.cancel()
	if ob.readErr != nil {
		msgs = append(msgs, ob.readErr.Error())
	}
	if ob.waitErr != nil {
		msgs = append(msgs, ob.waitErr.Error())
	}
	if len(msgs) == 0 {
		return ""
	}
	return strings.Join(msgs, "; ") + "\n" + ob.stderr.String()
}

// kill ends the process if it is still running, as when the test stops early.
func (ob *oracleBatch) kill() {
	ob.cancel()
	for range ob.results {
	}
	ob.once.Do(func() { ob.waitErr = ob.cmd.Wait() })
}
