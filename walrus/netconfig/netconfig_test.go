package netconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
)

func TestRoundTrip(t *testing.T) {
	n := &Network{Ledger: "http://127.0.0.1:7070", NShards: 100, Account: chain.Address{1, 2, 3}, ChainID: "abc"}
	path := filepath.Join(t.TempDir(), "network.yaml")
	if err := n.Write(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "account: 0x010203") || !strings.Contains(string(data), "n_shards: 100") {
		t.Fatalf("file:\n%s", data)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *n {
		t.Fatalf("loaded %+v, wrote %+v", got, n)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
}

func TestInvalid(t *testing.T) {
	acct := "0x" + strings.Repeat("ab", 32)
	for _, doc := range []string{
		"ledger: http://x:1\nn_shards: 100\naccount: " + acct + "\nextra: 1\n",
		"ledger: ftp://x\nn_shards: 100\naccount: " + acct + "\n",
		"n_shards: 100\naccount: " + acct + "\n",
		"ledger: http://x:1\nn_shards: 2\naccount: " + acct + "\n",
		"ledger: http://x:1\nn_shards: 100\n",
		"ledger: http://x:1\nn_shards: 100\naccount: 0x12\n",
		"- a list\n",
	} {
		if _, err := Parse([]byte(doc)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", doc, err)
		}
	}
}
