package wallet

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// writeWallet writes a client.yaml whose keystore (KEYSTORE in the text)
// holds the given entries.
func writeWallet(t *testing.T, clientYAML string, entries ...string) string {
	t.Helper()
	dir := t.TempDir()
	ks := filepath.Join(dir, "sui.keystore")
	quoted := make([]string, len(entries))
	for i, e := range entries {
		quoted[i] = `"` + e + `"`
	}
	writeFile(t, ks, "["+strings.Join(quoted, ", ")+"]")
	return writeFile(t, filepath.Join(dir, "client.yaml"), strings.ReplaceAll(clientYAML, "KEYSTORE", ks))
}

const twoEnvs = `
keystore:
  File: KEYSTORE
envs:
  - alias: localnet
    rpc: "http://127.0.0.1:9000"
    ws: ~
    basic_auth: "user:hunter2"
  - alias: testnet
    rpc: "https://fullnode.testnet.sui.io:443"
    ws: ~
    basic_auth: ~
    chain_id: 4c78adac
external_keys: ~
`

func TestWalletDefaultsToFirstEnvAndKey(t *testing.T) {
	other := entry(0, []byte(strings.Repeat("\x09", 32)))
	w, err := ReadWallet(writeWallet(t, twoEnvs, sevensEntry, other), Environment{})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := w.Select("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Env.Alias != "localnet" || acc.Env.BasicAuth != "user:hunter2" || hexID(acc.Key.Address) != sevensAddress {
		t.Errorf("selected %v %v", acc.Env, acc.Key)
	}
	if s := fmt.Sprintf("%v %+v %#v", acc, acc.Env, w.Config); strings.Contains(s, "hunter2") {
		t.Errorf("basic auth printed: %s", s)
	}
	acc, err = w.Select("testnet", &w.Keystore.Keys[1].Address)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Env.ChainID != "4c78adac" || acc.Key.Address != w.Keystore.Keys[1].Address {
		t.Errorf("selected %v %v", acc.Env, acc.Key)
	}
}

func TestWalletActiveValues(t *testing.T) {
	path := writeWallet(t, twoEnvs+"active_env: testnet\nactive_address: \""+sevensAddress+"\"\n",
		entry(0, []byte(strings.Repeat("\x09", 32))), sevensEntry)
	w, err := ReadWallet(path, Environment{})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := w.Select("", nil)
	if err != nil || acc.Env.Alias != "testnet" || hexID(acc.Key.Address) != sevensAddress {
		t.Fatalf("selected %v %v, %v", acc.Env, acc.Key, err)
	}
}

func TestWalletErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		yaml string
		want []string
	}{
		"in-memory keystore": {"keystore:\n  InMem: {}\nenvs: []\n", []string{"only a File keystore", "InMem"}},
		"no keystore":        {"envs: []\n", []string{"missing required key keystore"}},
		"no envs":            {"keystore: {File: KEYSTORE}\n", []string{"missing required key envs"}},
		"env without rpc":    {"keystore: {File: KEYSTORE}\nenvs:\n  - alias: a\n", []string{"missing required key envs[0].rpc"}},
		"env not mapping":    {"keystore: {File: KEYSTORE}\nenvs: [a]\n", []string{"envs[0]", "want a mapping"}},
		"bad active address": {twoEnvs + "active_address: 0xabcg\n", []string{"active_address (line", "not hex"}},
	} {
		_, err := ReadWallet(writeWallet(t, tc.yaml, sevensEntry), Environment{})
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		wantErr(t, err, append(tc.want, "client.yaml")...)
	}

	for name, tc := range map[string]struct {
		yaml string
		want []string
	}{
		"active_env unknown":     {twoEnvs + "active_env: devnet\n", []string{`active_env of`, `"devnet" is not an env alias`, "localnet, testnet"}},
		"active_address unknown": {twoEnvs + "active_address: \"0x42\"\n", []string{"active_address of", "0x0000000000000000000000000000000000000000000000000000000000000042 is", "not in keystore"}},
		"empty envs":             {"keystore: {File: KEYSTORE}\nenvs: []\n", []string{"no envs"}},
	} {
		w, err := ReadWallet(writeWallet(t, tc.yaml, sevensEntry), Environment{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = w.Select("", nil)
		wantErr(t, err, tc.want...)
	}

	w, err := ReadWallet(writeWallet(t, twoEnvs), Environment{})
	if err == nil {
		_, err = w.Select("", nil)
	}
	wantErr(t, err, "holds no keys")
}

func TestWalletMissingKeystore(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "client.yaml"), "keystore:\n  File: gone.keystore\nenvs: []\n")
	_, err := ReadWallet(path, Environment{WorkDir: "/nonexistent"})
	wantErr(t, err, "keystore of "+path, "/nonexistent/gone.keystore")
}
