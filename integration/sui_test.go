package integration

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/sui/wallet"
	"github.com/walrusfs/walrusfs/internal/officialsdk"
)

// devnetSetup reads the Walrus and Sui configuration a devnet wrote.
func devnetSetup(t *testing.T, dir string) (string, *wallet.Setup) {
	t.Helper()
	cfg := filepath.Join(dir, "client_config.yaml")
	setup, err := wallet.Load(wallet.LoadOptions{ConfigPath: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, setup
}

func shaHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestDevnetServesWalrusOnSui: a devnet's own Walrus and Sui configuration
// is all that `walrusfs store|read|info` and the official SDK need; the SDK
// reads the blobs walrusfs stored and walrusfs reads the SDK's, byte for
// byte, through the devnet's Sui face.
func TestDevnetServesWalrusOnSui(t *testing.T) {
	dir := t.TempDir()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	metrics := lis.Addr().String()
	lis.Close()
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "100", "--metrics-listen", metrics)
	d.wait(t, time.Minute)
	cfg, setup := devnetSetup(t, dir)

	src := t.TempDir()
	sizes := map[string]int{"empty": 0, "small": 1000, "big": 1<<20 + 17}
	data := map[string][]byte{}
	var paths []string
	for name, size := range sizes {
		b := make([]byte, size)
		rand.Read(b)
		data[name] = b
		p := filepath.Join(src, name)
		must(t, os.WriteFile(p, b, 0o644))
		paths = append(paths, p)
	}
	res := mustRun(t, 2*time.Minute, append([]string{"store", "--config", cfg, "--epochs", "3", "--json"}, paths...)...)
	stored := map[string]string{} // blob ID → file name
	for _, line := range bytes.Split(bytes.TrimSpace(res.stdout), []byte("\n")) {
		var o struct {
			File, BlobID string
			CostWal      *uint64 `json:"costWal"`
		}
		must(t, json.Unmarshal(line, &o))
		if o.CostWal == nil || *o.CostWal == 0 {
			t.Errorf("%s: store reports no WAL cost: %s", o.File, line)
		}
		stored[o.BlobID] = filepath.Base(o.File)
	}
	if !strings.Contains(string(res.stderr), "WAL (storage and writes)") {
		t.Errorf("store printed no cost summary: %s", res.stderr)
	}

	var ids []string
	for id := range stored {
		ids = append(ids, id)
	}
	in, _ := json.Marshal(map[string]any{
		"baseUrl": setup.RPCURLs[0], "system": ledger.FormatObjectID(setup.SystemObject), "staking": ledger.FormatObjectID(setup.StakingObject),
		"secretHex": hex.EncodeToString(setup.Signer.Seed()), "readBlobIds": ids, "writeSizes": []int{0, 2<<20 + 3},
	})
	var out struct {
		Read    map[string]string `json:"read"`
		Written []struct {
			Size   int    `json:"size"`
			BlobID string `json:"blobId"`
			Sha256 string `json:"sha256"`
		} `json:"written"`
	}
	must(t, json.Unmarshal(officialsdk.Run(t, 3*time.Minute, "testdata/sdk_devnet.mjs", string(in)), &out))
	for id, name := range stored {
		if out.Read[id] != shaHex(data[name]) {
			t.Errorf("the SDK read walrusfs's %s (%s) as %s, want %s", name, id, out.Read[id], shaHex(data[name]))
		}
	}
	for _, w := range out.Written {
		o := filepath.Join(t.TempDir(), "out")
		mustRun(t, time.Minute, "read", "--config", cfg, w.BlobID, "-o", o)
		got, err := os.ReadFile(o)
		must(t, err)
		if shaHex(got) != w.Sha256 {
			t.Errorf("walrusfs read the SDK's %d-byte blob %s as %s, want %s", w.Size, w.BlobID, shaHex(got), w.Sha256)
		}
	}

	var info struct {
		NShards int `json:"nShards"`
		Nodes   []struct {
			Shards int `json:"shards"`
		} `json:"nodes"`
		Wallet *struct {
			Address string `json:"address"`
			WAL     uint64 `json:"wal"`
			SUI     uint64 `json:"sui"`
		} `json:"wallet"`
	}
	must(t, json.Unmarshal(mustRun(t, time.Minute, "info", "--config", cfg, "--json").stdout, &info))
	for id := range stored {
		var bs struct {
			Status string `json:"status"`
			Source *struct {
				From           string `json:"from"`
				AgreeingShards int    `json:"agreeingShards"`
			} `json:"source"`
		}
		must(t, json.Unmarshal(mustRun(t, time.Minute, "blob-status", "--config", cfg, id, "--json").stdout, &bs))
		if bs.Status != "certified" || bs.Source == nil || bs.Source.From != "storageNodes" || bs.Source.AgreeingShards <= 33 {
			t.Errorf("blob-status of %s on Sui: %+v (source %+v), want certified, from the storage nodes", id, bs, bs.Source)
		}
		break
	}

	resp, err := http.Get("http://" + metrics + "/metrics")
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte(`walrusfs_sui_requests_total{code="OK",method="ExecuteTransaction"}`)) {
		t.Errorf("the devnet's metrics count no executed Sui transaction:\n%s", body)
	}
	if info.NShards != 100 || len(info.Nodes) != 4 || info.Wallet == nil || info.Wallet.Address != ledger.FormatAddress(setup.Address) || info.Wallet.WAL == 0 || info.Wallet.SUI == 0 {
		t.Errorf("walrusfs info: %+v", info)
	}
}

// TestMountOnSuiFace mounts through a devnet's Sui face with its Walrus
// configuration, writes a tree, and mounts it again on a machine with no
// local state but the same wallet: the tree comes back from the manifest
// found through the wallet's Walrus blob attributes.
func TestMountOnSuiFace(t *testing.T) {
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "100")
	d.wait(t, time.Minute)
	cfg, _ := devnetSetup(t, dir)
	state, mnt := t.TempDir(), t.TempDir()
	args := []string{"--config", cfg, "--chunk-size", "1048576", "--publish-after", "300ms"}
	startMount(t, mnt, state, args...)
	src := t.TempDir()
	files := makeFiles(t, src, map[string]int{"a": 10, "b": 2<<20 + 5, "c": 0})
	must(t, os.Mkdir(filepath.Join(src, "sub"), 0o750))
	must(t, os.WriteFile(filepath.Join(src, "sub", "note"), []byte("on Sui\n"), 0o640))
	mustCmd(t, "cp", "-a", src+"/.", mnt)
	waitPublished(t, state, 1)

	var st []struct {
		Wallet *struct {
			Address  string `json:"address"`
			SpentWAL uint64 `json:"spentWal"`
			SpentSUI uint64 `json:"spentSui"`
		} `json:"wallet"`
	}
	must(t, json.Unmarshal(mustRun(t, 30*time.Second, "status", "--state", state, "--json").stdout, &st))
	if len(st) != 1 || st[0].Wallet == nil || st[0].Wallet.SpentWAL == 0 || st[0].Wallet.SpentSUI == 0 {
		t.Errorf("status shows no wallet spending: %+v", st)
	}
	mustRun(t, time.Minute, "umount", mnt)
	for deadline := time.Now().Add(time.Minute); isMounted(mnt); {
		if time.Now().After(deadline) {
			t.Fatal("still mounted")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Another machine, with the identity the tree is encrypted to.
	other := t.TempDir()
	startMount(t, mnt, other, append(args, "--identity", filepath.Join(state, "keys", "identity.txt"))...)
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(mnt, f.name))
		must(t, err)
		if !bytes.Equal(got, f.data) {
			t.Fatalf("%s: %d bytes differ from the %d written", f.name, len(got), len(f.data))
		}
	}
	if got, err := os.ReadFile(filepath.Join(mnt, "sub", "note")); err != nil || string(got) != "on Sui\n" {
		t.Fatalf("sub/note: %q, %v", got, err)
	}
}

// TestMountWithEmptyWallet mounts a devnet with a wallet that holds no coins:
// written files stay queued, with the reason shown in the status, and none
// is lost; a store from the command line says what is missing. Stopping
// such a mount waits for its uploads at most --drain-timeout, and a second
// SIGTERM stops the wait at once; the queue is kept for the next mount.
func TestMountWithEmptyWallet(t *testing.T) {
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "100")
	d.wait(t, time.Minute)
	_, setup := devnetSetup(t, dir)
	key, err := suikey.NewKeyPair()
	must(t, err)
	poor, err := wallet.WriteDevnet(wallet.Devnet{
		Dir: t.TempDir(), Context: "poor", SystemObject: setup.SystemObject, StakingObject: setup.StakingObject,
		RPCURL: setup.RPCURLs[0], Key: key,
	})
	must(t, err)

	f := filepath.Join(t.TempDir(), "f")
	must(t, os.WriteFile(f, []byte("no money"), 0o644))
	res := walrusfs(t, time.Minute, "store", "--config", poor.ClientConfig, f)
	if res.code != 1 || !strings.Contains(string(res.stderr), "not enough") {
		t.Errorf("store from an empty wallet: exit %d, %s", res.code, res.stderr)
	}

	state, mnt := t.TempDir(), t.TempDir()
	m := startMount(t, mnt, state, "--config", poor.ClientConfig)
	must(t, os.WriteFile(filepath.Join(mnt, "kept"), []byte("kept while unpaid"), 0o644))
	for deadline := time.Now().Add(time.Minute); ; {
		var st []struct {
			Queue struct {
				Entries []struct {
					Path      string `json:"path"`
					Attempts  int    `json:"attempts"`
					LastError string `json:"lastError"`
				} `json:"entries"`
			} `json:"queue"`
		}
		must(t, json.Unmarshal(mustRun(t, 30*time.Second, "status", "--state", state, "--json").stdout, &st))
		if len(st) == 1 && len(st[0].Queue.Entries) == 1 && st[0].Queue.Entries[0].Attempts > 0 {
			if e := st[0].Queue.Entries[0]; !strings.Contains(e.LastError, "not enough") {
				t.Fatalf("queued %s failed with %q; want the missing coin named", e.Path, e.LastError)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failed upload attempt shown: %+v", st)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got, err := os.ReadFile(filepath.Join(mnt, "kept")); err != nil || string(got) != "kept while unpaid" {
		t.Fatalf("the unpaid file reads %q, %v", got, err)
	}

	// SIGTERM unmounts and waits for the upload that cannot happen; a
	// second SIGTERM ends the wait.
	must(t, m.cmd.Process.Signal(syscall.SIGTERM))
	waitLog(t, m, "waiting for 1 file(s)")
	must(t, m.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-m.exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("the mount still waits 20 s after a second SIGTERM:\n%s", m.logTail(20))
	}
	if code := m.cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(m.logTail(5), "1 file(s) stay queued") {
		t.Fatalf("exit %d after a second SIGTERM; log:\n%s", code, m.logTail(20))
	}

	// Unmounted from outside, the mount waits --drain-timeout at most.
	m = startMount(t, mnt, state, "--config", poor.ClientConfig, "--drain-timeout", "2s")
	if got, err := os.ReadFile(filepath.Join(mnt, "kept")); err != nil || string(got) != "kept while unpaid" {
		t.Fatalf("after the restart the unpaid file reads %q, %v", got, err)
	}
	mustRun(t, 30*time.Second, "umount", mnt)
	select {
	case <-m.exited:
	case <-time.After(time.Minute):
		t.Fatalf("the mount still waits a minute after unmounting with --drain-timeout 2s:\n%s", m.logTail(20))
	}
	if !strings.Contains(m.logTail(10), "1 file(s) stay queued") {
		t.Fatalf("no word of the file left queued:\n%s", m.logTail(20))
	}
}

// waitLog waits until a mount's log holds text.
func waitLog(t *testing.T, m *mountProc, text string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !strings.Contains(m.logTail(50), text); {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the mount's log after a minute:\n%s", text, m.logTail(20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestEmbeddedNetworkServedAsSui: a mount on the embedded network, asked
// with --sui-listen, serves it as Sui with a funded wallet, so that
// `walrusfs --config` (and the official SDK) can use the user's own network;
// the wallet key survives a remount.
func TestEmbeddedNetworkServedAsSui(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := lis.Addr().String()
	lis.Close()
	state, mnt := t.TempDir(), t.TempDir()
	m := startMount(t, mnt, state, "--sui-listen", addr)
	cfg := filepath.Join(state, "network", "client_config.yaml")
	setup, err := wallet.Load(wallet.LoadOptions{ConfigPath: cfg})
	must(t, err)
	if setup.RPCURLs[0] != "http://"+addr {
		t.Fatalf("the embedded network's config points at %v, want http://%s", setup.RPCURLs, addr)
	}
	f := filepath.Join(t.TempDir(), "f")
	must(t, os.WriteFile(f, []byte("through the embedded network's Sui face"), 0o644))
	id := strings.Fields(string(mustRun(t, time.Minute, "store", "--config", cfg, f).stdout))[0]
	o := filepath.Join(t.TempDir(), "o")
	mustRun(t, time.Minute, "read", "--config", cfg, id, "-o", o)
	if got, err := os.ReadFile(o); err != nil || string(got) != "through the embedded network's Sui face" {
		t.Fatalf("read back %q, %v", got, err)
	}
	mustRun(t, time.Minute, "umount", mnt)
	<-m.exited
	startMount(t, mnt, state, "--sui-listen", addr)
	again, err := wallet.Load(wallet.LoadOptions{ConfigPath: cfg})
	must(t, err)
	if again.Address != setup.Address {
		t.Fatalf("the wallet changed across mounts: %s then %s", ledger.FormatAddress(setup.Address), ledger.FormatAddress(again.Address))
	}
	mustRun(t, time.Minute, "read", "--config", cfg, id, "-o", o)
}

// TestBlobVerbs: list-blobs, extend and delete on the wallet's blob objects,
// as the walrus CLI's verbs of those names.
func TestBlobVerbs(t *testing.T) {
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "100")
	d.wait(t, time.Minute)
	cfg, _ := devnetSetup(t, dir)
	src := t.TempDir()
	perm, del := filepath.Join(src, "perm"), filepath.Join(src, "del")
	must(t, os.WriteFile(perm, []byte("permanent"), 0o644))
	must(t, os.WriteFile(del, []byte("deletable"), 0o644))
	permID := strings.Fields(string(mustRun(t, time.Minute, "store", "--config", cfg, "--epochs", "2", perm).stdout))[0]
	delID := strings.Fields(string(mustRun(t, time.Minute, "store", "--config", cfg, "--epochs", "2", "--deletable", del).stdout))[0]

	type blob struct {
		BlobID    string `json:"blobId"`
		ObjectID  string `json:"objectId"`
		Deletable bool   `json:"deletable"`
		Certified bool   `json:"certified"`
		EndEpoch  uint32 `json:"endEpoch"`
	}
	list := func() map[string]blob {
		out := map[string]blob{}
		res := mustRun(t, time.Minute, "list-blobs", "--config", cfg, "--json")
		for _, line := range bytes.Split(bytes.TrimSpace(res.stdout), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var b blob
			must(t, json.Unmarshal(line, &b))
			out[b.BlobID] = b
		}
		return out
	}
	blobs := list()
	if p, ok := blobs[permID]; !ok || p.Deletable || !p.Certified || p.EndEpoch != 2 {
		t.Fatalf("list-blobs: permanent blob %+v (found %v)", p, ok)
	}
	if b, ok := blobs[delID]; !ok || !b.Deletable {
		t.Fatalf("list-blobs: deletable blob %+v (found %v)", b, ok)
	}
	mustRun(t, time.Minute, "extend", "--config", cfg, "--epochs", "3", permID)
	if got := list()[permID].EndEpoch; got != 5 {
		t.Fatalf("after extending by 3: end epoch %d, want 5", got)
	}
	mustRun(t, time.Minute, "delete", "--config", cfg, blobs[delID].ObjectID)
	if _, ok := list()[delID]; ok {
		t.Fatal("the deleted blob object is still listed")
	}
	if res := walrusfs(t, time.Minute, "delete", "--config", cfg, permID); res.code != 1 {
		t.Fatalf("delete of a permanent blob: exit %d, %s", res.code, res.stderr)
	}
	if _, ok := list()[permID]; !ok {
		t.Fatal("a refused delete removed the permanent blob")
	}
}

// TestFilesOutliveTheirEpochs mounts a devnet whose epochs last 3 s with
// blobs bought for 2 epochs and kept 4 ahead: over many epochs the renewer
// extends them, so that every file stays readable from the network, by the
// blob IDs the mount reports, long after the epochs first paid for.
func TestFilesOutliveTheirEpochs(t *testing.T) {
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "100", "--epoch-duration", "3s")
	d.wait(t, time.Minute)
	cfg, _ := devnetSetup(t, dir)
	state, mnt := t.TempDir(), t.TempDir()
	startMount(t, mnt, state, "--config", cfg, "--epochs", "2", "--keep-epochs", "4", "--chunk-size", "1048576", "--publish-after", "300ms")
	src := t.TempDir()
	files := makeFiles(t, src, map[string]int{"small": 100, "big": 1<<20 + 100})
	mustCmd(t, "cp", "-a", src+"/.", mnt)
	waitPublished(t, state, 1)

	epochNow := func() uint32 {
		var info struct {
			Epoch uint32 `json:"epoch"`
		}
		must(t, json.Unmarshal(mustRun(t, time.Minute, "info", "--config", cfg, "--json").stdout, &info))
		return info.Epoch
	}
	start := epochNow()
	for epochNow() < start+6 {
		time.Sleep(time.Second)
	}
	for _, f := range files {
		// Every chunk's blob, read from the network, not the local copy.
		got := contentFromNetwork(t, []string{"--config", cfg}, xattr(t, filepath.Join(mnt, f.name), "user.walrus.blob_id"), state)
		if !bytes.Equal(got, f.data) {
			t.Fatalf("%s: %d bytes from the network after 6 epochs, want %d", f.name, len(got), len(f.data))
		}
	}
	var st []struct {
		Renewal *struct {
			Renewed int64  `json:"renewed"`
			Expired int    `json:"expired"`
			Epoch   uint32 `json:"epoch"`
		} `json:"renewal"`
		Wallet *struct {
			PerEpoch []struct {
				Epoch uint32 `json:"epoch"`
				WAL   uint64 `json:"wal"`
			} `json:"perEpoch"`
		} `json:"wallet"`
	}
	must(t, json.Unmarshal(mustRun(t, 30*time.Second, "status", "--state", state, "--json").stdout, &st))
	if len(st) != 1 || st[0].Renewal == nil || st[0].Renewal.Renewed == 0 || st[0].Renewal.Expired != 0 {
		t.Fatalf("renewal status: %+v", st)
	}
	// Stores in the first epochs, renewals in later ones: spending shows
	// per epoch.
	if w := st[0].Wallet; w == nil || len(w.PerEpoch) < 2 {
		t.Fatalf("spending per epoch: %+v", st[0].Wallet)
	}
}

// TestDevnetNodeLeaves: `walrusfs devnet leave` takes a node out of a
// running devnet's committee; the others rebuild its shards, so that with
// it killed and two more nodes down every blob still reads.
func TestDevnetNodeLeaves(t *testing.T) {
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "7", "--shards", "100", "--restart=false")
	d.wait(t, time.Minute)
	cfg, _ := devnetSetup(t, dir)
	src := t.TempDir()
	files := makeFiles(t, src, map[string]int{"a": 5000, "b": 300_000})
	ids := map[string]string{}
	for _, f := range files {
		ids[f.name] = strings.Fields(string(mustRun(t, time.Minute, "store", "--config", cfg, "--epochs", "5", filepath.Join(src, f.name)).stdout))[0]
	}
	out := mustRun(t, time.Minute, "devnet", "leave", "--dir", dir, "--node", "0")
	if !strings.Contains(string(out.stdout), "node-0 left") {
		t.Fatalf("devnet leave: %s", out.stdout)
	}
	// Wait until the others hold node 0's 15 shards (two slivers of two
	// blobs each, pulled from node 0 or rebuilt), then take away node 0 and
	// four more nodes: the 34 shards left, a read's worth, include them.
	for deadline := time.Now().Add(time.Minute); movedSlivers(t, d) < 15*2*2; {
		if time.Now().After(deadline) {
			t.Fatalf("node 0's shards not taken over after a minute: %d slivers", movedSlivers(t, d))
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, i := range []int{0, 2, 3, 4, 5} {
		pid := d.nodePID(t, i)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("kill node %d (pid %d): %v", i, pid, err)
		}
		for alive(pid) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, f := range files {
		o := filepath.Join(t.TempDir(), "o")
		mustRun(t, time.Minute, "read", "--config", cfg, ids[f.name], "-o", o)
		got, err := os.ReadFile(o)
		must(t, err)
		if !bytes.Equal(got, f.data) {
			t.Fatalf("%s after node 0 left: %d bytes, want %d", f.name, len(got), len(f.data))
		}
	}
	// The devnet restarts with its new committee: members are found by key,
	// not by number.
	d.stop(t, time.Minute)
	again := startDevnet(t, dir, "--restart=false")
	netcfg, _ := again.wait(t, time.Minute)
	for _, f := range files {
		o := filepath.Join(t.TempDir(), "o")
		mustRun(t, time.Minute, "read", "--config", cfg, ids[f.name], "-o", o)
		if got, err := os.ReadFile(o); err != nil || !bytes.Equal(got, f.data) {
			t.Fatalf("%s after the restart: %v", f.name, err)
		}
	}

	// A new node joins: the devnet starts it, the election gives it shards,
	// and it takes them over. With all but it and two others killed, fewer
	// shards are left than a read needs without it.
	out = mustRun(t, 2*time.Minute, "devnet", "join", "--dir", dir)
	if !strings.Contains(string(out.stdout), "node-7 registered") {
		t.Fatalf("devnet join: %s", out.stdout)
	}
	com := committee(t, netcfg.Ledger)
	joined := -1
	for i, m := range com.Members {
		if m.Name == "node-7" {
			joined = i
		}
	}
	if joined < 0 || len(com.Members) != 7 {
		t.Fatalf("committee after the join: %+v", com.Members)
	}
	keep := len(com.Members[joined].Shards)
	var others []int // node-N numbers of the two members kept besides node-7
	for _, m := range com.Members {
		if m.Name != "node-7" && len(others) < 2 {
			n, _ := strconv.Atoi(strings.TrimPrefix(m.Name, "node-"))
			others = append(others, n)
			keep += len(m.Shards)
		}
	}
	if keep < 34 || keep-len(com.Members[joined].Shards) >= 34 {
		t.Fatalf("kept %d shards, %d of them node-7's: the test needs node-7 to matter", keep, len(com.Members[joined].Shards))
	}
	for deadline := time.Now().Add(time.Minute); committee(t, netcfg.Ledger).Syncing; {
		if time.Now().After(deadline) {
			t.Fatal("the epoch change after the join did not complete")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, m := range com.Members {
		n, _ := strconv.Atoi(strings.TrimPrefix(m.Name, "node-"))
		if m.Name == "node-7" || slices.Contains(others, n) {
			continue
		}
		if pid := again.nodePID(t, n); pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	for _, f := range files {
		o := filepath.Join(t.TempDir(), "o")
		var got []byte
		for deadline := time.Now().Add(time.Minute); ; {
			// node-7 may still be taking its shards over.
			if walrusfs(t, time.Minute, "read", "--config", cfg, ids[f.name], "-o", o).code == 0 {
				got, _ = os.ReadFile(o)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s with node-7 and two others: unreadable", f.name)
			}
			time.Sleep(500 * time.Millisecond)
		}
		if !bytes.Equal(got, f.data) {
			t.Fatalf("%s with node-7 and two others: wrong bytes", f.name)
		}
	}
}

// movedSlivers sums the slivers the devnet's nodes pulled from a previous
// owner or rebuilt, from their metrics (whose addresses the devnet's
// summary lists).
func movedSlivers(t *testing.T, d *devnet) int {
	t.Helper()
	out, err := os.ReadFile(d.stdout)
	must(t, err)
	total := 0
	for _, line := range strings.Split(string(out), "\n") {
		i := strings.Index(line, "metrics http://")
		if i < 0 || !strings.Contains(line, "node-") {
			continue
		}
		resp, err := http.Get(strings.TrimSpace(line[i+len("metrics "):]))
		if err != nil {
			continue // a node that is down
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, l := range strings.Split(string(body), "\n") {
			for _, metric := range []string{"walrus_node_slivers_recovered_total ", "walrus_node_slivers_synced_total "} {
				if v, ok := strings.CutPrefix(l, metric); ok {
					var n float64
					fmt.Sscan(v, &n)
					total += int(n)
				}
			}
		}
	}
	return total
}

// TestMountReclaimsStorage: file contents are stored as deletable blobs;
// once a file is deleted or overwritten and no kept snapshot points at its
// old content, the mount deletes that blob (the storage nodes drop its
// data) and the Storage resource goes back to the wallet, where the next
// blob of a fitting size is registered on it instead of buying new space.
func TestMountReclaimsStorage(t *testing.T) {
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "100")
	d.wait(t, time.Minute)
	cfg, _ := devnetSetup(t, dir)
	state, mnt := t.TempDir(), t.TempDir()
	startMount(t, mnt, state, "--config", cfg, "--chunk-size", "1048576", "--publish-after", "300ms",
		"--gc-grace", "1s", "--keep-snapshots", "1")
	src := t.TempDir()
	makeFiles(t, src, map[string]int{"a": 300_000, "b": 400_000})
	mustCmd(t, "cp", "-a", src+"/.", mnt)
	waitPublished(t, state, 1)
	type listed struct {
		BlobID    string `json:"blobId"`
		ObjectID  string `json:"objectId"`
		Deletable bool   `json:"deletable"`
		Storage   struct {
			ID   string `json:"id"`
			Size uint64 `json:"storageSize"`
		} `json:"storage"`
	}
	listBlobs := func() map[string]listed {
		out := map[string]listed{}
		for _, line := range strings.Split(strings.TrimSpace(string(mustRun(t, time.Minute, "list-blobs", "--config", cfg, "--json").stdout)), "\n") {
			var b listed
			must(t, json.Unmarshal([]byte(line), &b))
			out[b.BlobID] = b
		}
		return out
	}
	// The blob of a file (its xattr names a range when the blob is padded).
	blobOf := func(name string) string {
		id, _, _ := strings.Cut(xattr(t, filepath.Join(mnt, name), "user.walrus.blob_id"), ":")
		return id
	}
	aID, oldB := blobOf("a"), blobOf("b")
	before := listBlobs()
	if !before[aID].Deletable || !before[oldB].Deletable {
		t.Fatalf("file contents are not deletable blobs: %+v", before)
	}

	// a deleted, b overwritten: once a new manifest replaces the only kept
	// snapshot, their old blobs and the old manifest go.
	must(t, os.Remove(filepath.Join(mnt, "a")))
	must(t, os.WriteFile(filepath.Join(mnt, "b"), []byte("new content of b"), 0o644))
	waitPublished(t, state, 2)
	// Both go once no kept manifest holds them (a manifest published while
	// b was still uploading holds its old content until the next one).
	var after map[string]listed
	for deadline := time.Now().Add(time.Minute); ; {
		after = listBlobs()
		_, aLeft := after[aID]
		_, bLeft := after[oldB]
		if !aLeft && !bLeft {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("blob objects still there after a minute: a %v, b's old content %v", aLeft, bLeft)
		}
		time.Sleep(300 * time.Millisecond)
	}
	var st []struct {
		Collect *struct {
			Deleted int `json:"deleted"`
		} `json:"collect"`
	}
	must(t, json.Unmarshal(mustRun(t, 30*time.Second, "status", "--state", state, "--json").stdout, &st))
	if len(st) != 1 || st[0].Collect == nil || st[0].Collect.Deleted < 2 { // a and b's old content, at least
		t.Fatalf("collector status: %+v", st[0].Collect)
	}
	// The storage nodes dropped the data: the blob no longer reads.
	if res := walrusfs(t, time.Minute, "read", "--config", cfg, aID, "-o", filepath.Join(t.TempDir(), "o")); res.code == 0 {
		t.Fatal("a deleted blob still reads")
	}

	// New content of a's size registers on the storage a gave back.
	again := makeFiles(t, t.TempDir(), map[string]int{"c": 300_000})
	must(t, os.WriteFile(filepath.Join(mnt, "c"), again[0].data, 0o644))
	waitPublished(t, state, 3)
	cID := blobOf("c")
	if got := listBlobs()[cID]; got.Storage.ID != before[aID].Storage.ID {
		t.Fatalf("c's blob is on storage %s, not on %s that a's deletion gave back", got.Storage.ID, before[aID].Storage.ID)
	}
	if got, err := os.ReadFile(filepath.Join(mnt, "b")); err != nil || string(got) != "new content of b" {
		t.Fatalf("b after the collection: %q, %v", got, err)
	}
}

// TestMountThroughEpochs runs a devnet of node processes through more than
// 20 epochs of a second, with Walrus's epoch state machine, while a node
// joins and another leaves (by stake, at the elections) and a mount writes,
// overwrites and deletes files throughout: every certified file reads back
// from the network, by its blob IDs, at every step and at the end; the
// blobs are renewed and none expires, and the storage of deleted content is
// reclaimed.
func TestMountThroughEpochs(t *testing.T) {
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "5", "--shards", "100", "--epoch-duration", "1s")
	netcfg, _ := d.wait(t, time.Minute)
	cfg, _ := devnetSetup(t, dir)
	state, mnt := t.TempDir(), t.TempDir()
	// Blobs bought for 5 epochs, renewed once 4 or fewer are left: seconds
	// of margin for a renewer that looks every second, on a loaded machine.
	startMount(t, mnt, state, "--config", cfg, "--epochs", "5", "--keep-epochs", "8", "--chunk-size", "1048576",
		"--publish-after", "300ms", "--gc-grace", "1s", "--keep-snapshots", "1",
		// Uploads at once, not held while the writers below never pause:
		// the versions they overwrite must be certified to be collected.
		"--write-back=0")
	readFromNetwork := func(name string, want []byte) {
		t.Helper()
		got := contentFromNetwork(t, []string{"--config", cfg}, xattr(t, filepath.Join(mnt, name), "user.walrus.blob_id"), state)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s in epoch %d: %d bytes from the network, want %d", name, committee(t, netcfg.Ledger).Epoch, len(got), len(want))
		}
	}
	start := committee(t, netcfg.Ledger).Epoch
	files := map[string][]byte{}
	var names []string
	step, changedAt := 0, uint32(0)
	for i := 0; ; i++ {
		name := fmt.Sprintf("f%03d", i)
		data := make([]byte, 30_000+7_000*(i%5))
		rand.Read(data)
		must(t, os.WriteFile(filepath.Join(mnt, name), data, 0o644))
		files[name], names = data, append(names, name)
		switch {
		case i%4 == 3: // the oldest file goes
			must(t, os.Remove(filepath.Join(mnt, names[0])))
			delete(files, names[0])
			names = names[1:]
		case i%4 == 1: // the oldest file changes
			data := []byte(fmt.Sprintf("rewritten in round %d", i))
			must(t, os.WriteFile(filepath.Join(mnt, names[0]), data, 0o644))
			files[names[0]] = data
		}
		// The oldest and the newest certified files, from the network.
		var certified []string
		for _, n := range names {
			if xattr(t, filepath.Join(mnt, n), "user.walrus.state") == "certified" {
				certified = append(certified, n)
			}
		}
		if len(certified) > 0 {
			readFromNetwork(certified[0], files[certified[0]])
			readFromNetwork(certified[len(certified)-1], files[certified[len(certified)-1]])
		}
		e := committee(t, netcfg.Ledger).Epoch
		switch {
		case step == 0 && e >= start+3:
			out := mustRun(t, 2*time.Minute, "devnet", "join", "--dir", dir, "--now=false")
			if !strings.Contains(string(out.stdout), "node-5 registered") {
				t.Fatalf("devnet join: %s", out.stdout)
			}
			step, changedAt = 1, e
		case step == 1 && e >= changedAt+4:
			mustRun(t, time.Minute, "devnet", "leave", "--dir", dir, "--node", "0", "--now=false")
			step, changedAt = 2, e
		}
		if step == 2 && e >= max(start+20, changedAt+3) {
			t.Logf("%d rounds over epochs %d to %d", i+1, start, e)
			break
		}
	}
	com := committee(t, netcfg.Ledger)
	has5, has0 := false, false
	for _, m := range com.Members {
		has5 = has5 || m.Name == "node-5"
		has0 = has0 || m.Name == "node-0"
	}
	if step != 2 || !has5 || has0 {
		t.Fatalf("step %d; committee of epoch %d: %+v", step, com.Epoch, com.Members)
	}
	waitPublished(t, state, 1)
	// A sample of the files, from the oldest on (a read is a process).
	for i := 0; i < len(names); i += 4 {
		readFromNetwork(names[i], files[names[i]])
	}
	var st []struct {
		Renewal *struct {
			Renewed int64 `json:"renewed"`
			Expired int   `json:"expired"`
		} `json:"renewal"`
		Collect *struct {
			Deleted int `json:"deleted"`
		} `json:"collect"`
	}
	for deadline := time.Now().Add(time.Minute); ; {
		must(t, json.Unmarshal(mustRun(t, 30*time.Second, "status", "--state", state, "--json").stdout, &st))
		if len(st) == 1 && st[0].Renewal != nil && st[0].Collect != nil && st[0].Renewal.Renewed > 0 && st[0].Collect.Deleted > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status: renewal %+v, collect %+v", st[0].Renewal, st[0].Collect)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if st[0].Renewal.Expired != 0 {
		t.Fatalf("%d blob(s) expired", st[0].Renewal.Expired)
	}
}
