package integration

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

const (
	nodes  = 7
	shards = 100 // f = 33: two nodes of 14 shards may fail
)

// blobFile is a file the test stores, and what it learnt of it.
type blobFile struct {
	name string
	path string
	data []byte
	id   string
}

func makeFiles(t *testing.T, dir string, sizes map[string]int) []*blobFile {
	t.Helper()
	var out []*blobFile
	names := slices.SortedFunc(maps.Keys(sizes), func(a, b string) int { return cmp.Compare(sizes[a], sizes[b]) })
	for i, name := range names {
		size := sizes[name]
		data := make([]byte, size)
		rng := rand.NewChaCha8([32]byte{byte(i), 42})
		_, _ = rng.Read(data)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, &blobFile{name: name, path: p, data: data})
	}
	return out
}

// TestDevnet runs a devnet of 7 node processes and 100 shards and uses it
// as a user would: store files of 0 B to 100 MiB, read them back, kill -9
// nodes holding up to f shards and read again, restart the whole network
// and read the earlier blobs back, and see a crashed node restarted.
func TestDevnet(t *testing.T) {
	dir := t.TempDir()
	files := t.TempDir()
	sizes := map[string]int{"empty": 0, "one-byte": 1, "one-mib": 1 << 20, "hundred-mib": 100 << 20}
	if testing.Short() {
		delete(sizes, "hundred-mib")
	}
	blobs := makeFiles(t, files, sizes)

	// First run: nodes are not restarted, so that killed ones stay down.
	start := time.Now()
	d := startDevnet(t, dir, "--nodes", fmt.Sprint(nodes), "--shards", fmt.Sprint(shards), "--restart=false")
	cfg, com := d.wait(t, time.Minute)
	t.Logf("devnet up in %v: ledger %s, %d nodes, %d shards", time.Since(start).Round(time.Millisecond), cfg.Ledger, len(com.Members), com.NShards)
	if len(com.Members) != nodes || com.NShards != shards || cfg.NShards != shards {
		t.Fatalf("committee of %d nodes and %d shards, network.yaml says %d shards", len(com.Members), com.NShards, cfg.NShards)
	}
	for i := range nodes {
		if fi, err := os.Stat(filepath.Join(dir, fmt.Sprintf("node-%d", i), "key")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key of node %d: %v, mode %v", i, err, fi.Mode())
		}
		if !alive(d.nodePID(t, i)) {
			t.Fatalf("node %d: pid file %d names no running process", i, d.nodePID(t, i))
		}
	}
	network := d.network
	if res := walrusfs(t, 30*time.Second, "devnet", "--dir", dir); res.code != 1 || !bytes.Contains(res.stderr, []byte("another devnet is running")) {
		t.Fatalf("a second devnet on the same directory: status %d, stderr %s", res.code, res.stderr)
	}

	t.Run("store", func(t *testing.T) {
		// One command stores every file, and a missing one fails alone.
		args := []string{"store", "--network", network, "--epochs", "3"}
		for _, b := range blobs {
			args = append(args, b.path)
		}
		missing := filepath.Join(files, "missing")
		start := time.Now()
		res := walrusfs(t, 2*time.Minute, append(args, missing)...)
		t.Logf("stored %d files in %v", len(blobs), time.Since(start).Round(time.Millisecond))
		if res.code != 1 || !bytes.Contains(res.stderr, []byte(missing)) {
			t.Fatalf("store with a missing file: exit status %d, stderr:\n%s", res.code, res.stderr)
		}
		// The output is blob-id's, for the network's number of shards.
		var paths []string
		for _, b := range blobs {
			paths = append(paths, b.path)
		}
		want := mustRun(t, time.Minute, append([]string{"blob-id", "--n-shards", fmt.Sprint(shards)}, paths...)...)
		if !bytes.Equal(res.stdout, want.stdout) {
			t.Fatalf("store printed\n%s\nblob-id prints\n%s", res.stdout, want.stdout)
		}
		sc := bufio.NewScanner(bytes.NewReader(res.stdout))
		for i := 0; sc.Scan(); i++ {
			id, name, ok := strings.Cut(sc.Text(), "  ")
			if !ok || name != blobs[i].path {
				t.Fatalf("line %q", sc.Text())
			}
			blobs[i].id = id
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("store-json", func(t *testing.T) {
		small := blobs[2] // one MiB, stored again: a second object
		res := mustRun(t, time.Minute, "store", "--network", network, "--json", "--deletable", small.path)
		var out struct {
			File            string `json:"file"`
			BlobID          string `json:"blobId"`
			ObjectID        string `json:"objectId"`
			Size            uint64 `json:"size"`
			CertifiedEpoch  uint32 `json:"certifiedEpoch"`
			EndEpoch        uint32 `json:"endEpoch"`
			Deletable       bool   `json:"deletable"`
			ConfirmedShards int    `json:"confirmedShards"`
		}
		if err := json.Unmarshal(res.stdout, &out); err != nil {
			t.Fatalf("store --json: %v\n%s", err, res.stdout)
		}
		if out.File != small.path || out.BlobID != small.id || out.Size != uint64(len(small.data)) || !out.Deletable ||
			out.EndEpoch != 1 || !strings.HasPrefix(out.ObjectID, "0x") || 3*out.ConfirmedShards < 2*shards+1 {
			t.Fatalf("store --json: %+v", out)
		}
	})

	readAll := func(t *testing.T, what string) {
		t.Helper()
		for _, b := range blobs {
			out := filepath.Join(t.TempDir(), b.name)
			start := time.Now()
			mustRun(t, 2*time.Minute, "read", "--network", network, b.id, "-o", out)
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, b.data) {
				t.Fatalf("%s: read %s (%d bytes) back as %d different bytes", what, b.name, len(b.data), len(got))
			}
			t.Logf("%s: read %s (%d bytes) in %v", what, b.name, len(b.data), time.Since(start).Round(time.Millisecond))
		}
	}

	t.Run("read", func(t *testing.T) {
		readAll(t, "all nodes up")
		// Standard output, and a byte range.
		res := mustRun(t, time.Minute, "read", "--network", network, blobs[1].id)
		if !bytes.Equal(res.stdout, blobs[1].data) {
			t.Fatalf("read to stdout: %q", res.stdout)
		}
		mib := blobs[2]
		res = mustRun(t, time.Minute, "read", "--network", network, "--strict-consistency-check", mib.id)
		if !bytes.Equal(res.stdout, mib.data) {
			t.Fatal("strict read differs")
		}
		res = mustRun(t, time.Minute, "read", "--network", network, mib.id, "--range", "300000:5000")
		if !bytes.Equal(res.stdout, mib.data[300000:305000]) {
			t.Fatal("range read differs")
		}
		// A blob that does not exist fails and leaves no file behind.
		enc, _ := encoding.NewEncoder(shards)
		_, unknown, _ := enc.ComputeMetadata([]byte("never stored"))
		target := filepath.Join(t.TempDir(), "nothing")
		res = walrusfs(t, time.Minute, "read", "--network", network, unknown.String(), "-o", target)
		if res.code != 1 || !bytes.Contains(res.stderr, []byte("not found")) {
			t.Fatalf("read of an unknown blob: status %d, stderr %s", res.code, res.stderr)
		}
		if entries, _ := os.ReadDir(filepath.Dir(target)); len(entries) != 0 {
			t.Fatalf("failed read left %v", entries)
		}
	})

	t.Run("blob-status", func(t *testing.T) {
		b := blobs[2]
		res := mustRun(t, time.Minute, "blob-status", "--network", network, b.id)
		for _, want := range []string{"status:         certified", "blob ID:        " + b.id, "until epoch 3 (exclusive)", "deletable:      1 objects, 1 certified"} {
			if !bytes.Contains(res.stdout, []byte(want)) {
				t.Fatalf("blob-status lacks %q:\n%s", want, res.stdout)
			}
		}
		res = mustRun(t, time.Minute, "blob-status", "--network", network, "--json", b.id)
		var st struct {
			BlobID string `json:"blobId"`
			Status string `json:"status"`
			chain.BlobStatus
		}
		if err := json.Unmarshal(res.stdout, &st); err != nil {
			t.Fatal(err)
		}
		if st.BlobID != b.id || st.Status != "certified" || !st.Exists || st.Permanent == nil || !st.Permanent.IsCertified ||
			st.Permanent.EndEpoch != 3 || st.DeletableTotal != 1 {
			t.Fatalf("blob-status --json: %s", res.stdout)
		}
	})

	// Kill -9 the last nodes, holding at most f shards in all.
	var killed []int
	t.Run("read-with-f-down", func(t *testing.T) {
		weight := 0
		for i := nodes - 1; i >= 0; i-- {
			w := len(com.Members[i].Shards)
			if weight+w > encoding.MaxFaulty(shards) {
				continue
			}
			pid := d.nodePID(t, i)
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatalf("kill node %d (pid %d): %v", i, pid, err)
			}
			weight += w
			killed = append(killed, i)
		}
		t.Logf("killed nodes %v holding %d of %d shards", killed, weight, shards)
		for _, i := range killed {
			deadline := time.Now().Add(10 * time.Second)
			for healthy(com.Members[i]) || d.nodePID(t, i) != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("node %d still up, or its pid file still there, after kill -9", i)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		readAll(t, "f shards down")
	})
	if t.Failed() {
		t.FailNow()
	}

	// Stop the network, and start it again on the same directory.
	t.Run("stop", func(t *testing.T) {
		pids := map[int]int{}
		for i := range nodes {
			pids[i] = d.nodePID(t, i)
		}
		start := time.Now()
		d.stop(t, 30*time.Second)
		t.Logf("devnet stopped in %v", time.Since(start).Round(time.Millisecond))
		for i, pid := range pids {
			if alive(pid) {
				t.Fatalf("node %d (pid %d) outlived its devnet", i, pid)
			}
			if d.nodePID(t, i) != 0 {
				t.Fatalf("node %d: pid file left after the devnet stopped", i)
			}
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	start = time.Now()
	d = startDevnet(t, dir) // reuses the network; nodes restart when they die
	cfg2, com2 := d.wait(t, time.Minute)
	t.Logf("devnet up again in %v, ledger %s", time.Since(start).Round(time.Millisecond), cfg2.Ledger)
	if cfg2.Account != cfg.Account || cfg2.ChainID != cfg.ChainID {
		t.Fatalf("network.yaml changed identity: %+v then %+v", cfg, cfg2)
	}
	if len(com2.Members) != nodes || com2.Members[0].ID != com.Members[0].ID {
		t.Fatal("the committee changed across the restart")
	}

	t.Run("after-restart", func(t *testing.T) {
		readAll(t, "after restart")
		res := mustRun(t, time.Minute, "blob-status", "--network", network, "--json", blobs[len(blobs)-1].id)
		if !bytes.Contains(res.stdout, []byte(`"status":"certified"`)) {
			t.Fatalf("blob-status after restart: %s", res.stdout)
		}
		// The restarted network takes new blobs.
		extra := makeFiles(t, t.TempDir(), map[string]int{"one-byte": 1})[0]
		res = mustRun(t, time.Minute, "store", "--network", network, extra.path)
		id, _, _ := strings.Cut(string(res.stdout), "  ")
		res = mustRun(t, time.Minute, "read", "--network", network, id)
		if !bytes.Equal(res.stdout, extra.data) {
			t.Fatal("blob stored after the restart reads back wrong")
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("crashed-node-restarted", func(t *testing.T) {
		const victim = 0
		old := d.nodePID(t, victim)
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			pid := d.nodePID(t, victim)
			if pid != 0 && pid != old && alive(pid) && healthy(com.Members[victim]) {
				t.Logf("node %d: pid %d killed, pid %d serving", victim, old, pid)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d not restarted after kill -9\nlogs:\n%s", victim, d.logTail(30))
			}
			time.Sleep(50 * time.Millisecond)
		}
		if !strings.Contains(d.logTail(400), "node process died") {
			t.Error("the devnet did not log the node's death")
		}
		res := mustRun(t, time.Minute, "read", "--network", network, blobs[2].id)
		if !bytes.Equal(res.stdout, blobs[2].data) {
			t.Fatal("read after a node restart differs")
		}
	})
}

// TestCommandErrors checks exit statuses and messages of commands that
// fail before reaching a network.
func TestCommandErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("bogus: 1\nledger: http://127.0.0.1:1\nn_shards: 100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	down := filepath.Join(dir, "down.yaml")
	if err := os.WriteFile(down, []byte("ledger: http://127.0.0.1:1\nn_shards: 100\naccount: 0x"+strings.Repeat("ab", 32)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	id := "XMGyLbTt3Qjk9Gw4RrffPcuU45d0SLiRWNdRESjISAE"
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{}, 2, "no command"},
		{[]string{"devnet"}, 2, "--dir is required"},
		{[]string{"devnet", "--dir", dir, "--nodes", "5", "--shards", "3"}, 2, "--shards 3"},
		{[]string{"node", "--dir", dir}, 2, "--ledger is required"},
		{[]string{"node", "--dir", dir, "--ledger", "http://127.0.0.1:1"}, 1, "read key"},
		{[]string{"store", "--network", down, "--epochs", "0", "x"}, 2, "--epochs"},
		{[]string{"store", "x"}, 2, "no network given"},
		{[]string{"store", "--network", bad, "x"}, 1, "field bogus not found"},
		{[]string{"store", "--network", down, "x"}, 1, "cannot reach the ledger"},
		{[]string{"read", "--network", down, "not-a-blob-id"}, 2, "invalid blob ID"},
		{[]string{"read", "--network", down, id, "--range", "5"}, 2, "OFF:LEN"},
		{[]string{"read", "--network", down, id, "--range", "0:5", "--strict-consistency-check"}, 2, "whole blobs"},
		{[]string{"read", "--aggregator", "http://127.0.0.1:9", id + ":0:5", "--strict-consistency-check"}, 2, "whole blobs"},
		{[]string{"read", "--network", filepath.Join(dir, "none.yaml"), id}, 1, "no such file"},
		{[]string{"blob-status", "--network", down, id, "extra"}, 2, "accepts 1 arg"},
		{[]string{"store", "--log-format", "xml", "--network", down, "x"}, 2, "--log-format"},
	} {
		res := walrusfs(t, 30*time.Second, c.args...)
		if res.code != c.code || !bytes.Contains(res.stderr, []byte(c.msg)) {
			t.Errorf("walrusfs %s: status %d (want %d), stderr %q (want %q)", strings.Join(c.args, " "), res.code, c.code, res.stderr, c.msg)
		}
	}
}

// TestDevnetTLS runs a devnet whose nodes serve TLS pinned to network keys on
// chain, and stores and reads a file through it.
func TestDevnetTLS(t *testing.T) {
	dir := t.TempDir()
	blobs := makeFiles(t, t.TempDir(), map[string]int{"one-mib": 1 << 20})
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "10", "--tls")
	_, com := d.wait(t, time.Minute)
	for _, m := range com.Members {
		if len(m.NetworkPublicKey) == 0 {
			t.Fatalf("%s has no network key on chain", m.Name)
		}
		// Plain HTTP is refused.
		if resp, err := http.Get("http://" + m.Address + "/v1/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Fatalf("%s answers plain HTTP", m.Name)
			}
		}
	}
	res := mustRun(t, time.Minute, "store", "--network", d.network, blobs[0].path)
	id := string(bytes.Fields(res.stdout)[0])
	out := filepath.Join(t.TempDir(), "copy")
	mustRun(t, time.Minute, "read", "--network", d.network, id, "-o", out)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(blobs[0].path)
	if !bytes.Equal(got, want) {
		t.Fatal("read over TLS differs")
	}
}

// TestLyingNodes replaces two node processes of a devnet by ones that lie —
// one corrupts every sliver it serves, one every metadata — and reads back
// the exact bytes, the liar named in the reader's log.
func TestLyingNodes(t *testing.T) {
	dir := t.TempDir()
	blobs := makeFiles(t, t.TempDir(), map[string]int{"one-mib": 1 << 20})
	d := startDevnet(t, dir, "--nodes", "7", "--shards", "100", "--restart=false")
	cfg, com := d.wait(t, time.Minute)
	res := mustRun(t, time.Minute, "store", "--network", d.network, blobs[0].path)
	id := string(bytes.Fields(res.stdout)[0])

	// The sliver liar holds the shard of pair 0, a systematic sliver that
	// every read fetches; the metadata liar is another node.
	blobID, err := encoding.ParseBlobID(id)
	if err != nil {
		t.Fatal(err)
	}
	sliverLiar := com.ShardOwner(uint16(blobID.ShardForPair(0, com.NShards)))
	metadataLiar := (sliverLiar + 1) % len(com.Members)
	for _, liar := range []struct {
		i     int
		fault string
	}{{sliverLiar, "corrupt-slivers"}, {metadataLiar, "wrong-metadata"}} {
		i, fault := liar.i, liar.fault
		d.killNode(t, i, com.Members[i])
		startNode(t, dir, i, cfg.Ledger, "--fault", fault)
		for deadline := time.Now().Add(30 * time.Second); !healthy(com.Members[i]); {
			if time.Now().After(deadline) {
				t.Fatalf("lying node %d not up", i)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	want, _ := os.ReadFile(blobs[0].path)
	var warnings bytes.Buffer
	for r := range 3 {
		out := filepath.Join(t.TempDir(), "copy")
		res := mustRun(t, time.Minute, "read", "--network", d.network, "--log-level", "warn", id, "-o", out)
		warnings.Write(res.stderr)
		got, err := os.ReadFile(out)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("read %d with lying nodes: %v", r, err)
		}
	}
	if !bytes.Contains(warnings.Bytes(), []byte("invalid sliver")) || !bytes.Contains(warnings.Bytes(), []byte("node="+com.Members[sliverLiar].Name)) {
		t.Errorf("the node corrupting slivers is not named in the reader's log:\n%s", warnings.String())
	}
}

// TestSelfHealing stores a blob while nodes holding f shards are down; when
// they come back they rebuild their slivers from the other nodes, and the
// bytes each downloads (its metrics) grow with blob size / n, not with the
// blob size.
func TestSelfHealing(t *testing.T) {
	const size = 8 << 20
	dir := t.TempDir()
	blobs := makeFiles(t, t.TempDir(), map[string]int{"eight-mib": size})
	d := startDevnet(t, dir, "--nodes", "7", "--shards", "100", "--restart=false")
	cfg, com := d.wait(t, time.Minute)
	// Nodes 5 and 6 hold 28 of 100 shards, at most f = 33.
	down := []int{5, 6}
	for _, i := range down {
		d.killNode(t, i, com.Members[i])
	}
	mustRun(t, 2*time.Minute, "store", "--network", d.network, blobs[0].path)

	running := map[int]func(){}
	stopNode := func(i int) { running[i]() }
	for round, i := range append(down, down[0]) {
		if round == len(down) {
			// Last, a node whose data directory is wiped while it is
			// stopped rebuilds everything when it starts again.
			stopNode(i)
			if err := os.RemoveAll(filepath.Join(dir, fmt.Sprintf("node-%d", i), "store")); err != nil {
				t.Fatal(err)
			}
			t.Logf("wiped node %d's store", i)
		}
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		metrics := lis.Addr().String()
		lis.Close()
		running[i] = startNode(t, dir, i, cfg.Ledger, "--metrics-listen", metrics)
		shards := len(com.Members[i].Shards)
		var recovered, downloaded float64
		for deadline := time.Now().Add(time.Minute); ; {
			recovered = metric(metrics, "walrus_node_slivers_recovered_total")
			if recovered >= float64(2*shards) {
				downloaded = metric(metrics, "walrus_node_peer_bytes_received_total")
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d recovered %v of %d slivers", i, recovered, 2*shards)
			}
			time.Sleep(100 * time.Millisecond)
		}
		perShard := downloaded / float64(shards)
		ratio := perShard / (float64(size) / float64(com.NShards))
		t.Logf("node %d rebuilt %d shards of an %d MiB blob downloading %.0f bytes: %.0f per shard = %.1f × blob/n (a copy of the blob is %d)",
			i, shards, size>>20, downloaded, perShard, ratio, size)
		// A sliver pair is about 4.5 × blob/n; its symbols come with proofs.
		if ratio > 12 {
			t.Errorf("node %d downloaded %.1f × blob/n per shard", i, ratio)
		}
	}
}

// metric reads one counter from a Prometheus endpoint (0 when absent).
func metric(addr, name string) float64 {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			v, _ := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v
		}
	}
	return 0
}

// killNode kills node i of the devnet with SIGKILL and waits until it is gone.
func (d *devnet) killNode(t *testing.T, i int, m chain.Node) {
	t.Helper()
	pid := d.nodePID(t, i)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for deadline := time.Now().Add(10 * time.Second); alive(pid) || healthy(m); {
		if time.Now().After(deadline) {
			t.Fatalf("node %d still up after kill -9", i)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startNode runs `walrusfs node` for node i of the network in dir, outside
// the devnet, and returns a function that kills it (also run at cleanup).
func startNode(t *testing.T, dir string, i int, ledgerURL string, args ...string) (stop func()) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"node", "--dir", filepath.Join(dir, fmt.Sprintf("node-%d", i)), "--ledger", ledgerURL}, args...)...)
	inGroup(cmd)
	exited, err := startLocked(cmd)
	if err != nil {
		t.Fatal(err)
	}
	stop = func() {
		killGroup(cmd.Process.Pid)
		<-exited
	}
	t.Cleanup(stop)
	return stop
}
