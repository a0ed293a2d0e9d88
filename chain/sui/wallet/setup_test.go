package wallet

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
)

var (
	devnetSystem  = chain.ObjectID{0: 0x5a, 31: 0x5a}
	devnetStaking = chain.ObjectID{0: 0x5b, 31: 0x5b}
)

const devnetRPC = "http://127.0.0.1:9000"

func writeSevensDevnet(t *testing.T, dir string) DevnetFiles {
	t.Helper()
	files, err := WriteDevnet(Devnet{
		Dir: dir, Context: "devnet",
		SystemObject: devnetSystem, StakingObject: devnetStaking,
		NShards: 100, MaxEpochsAhead: 53,
		RPCURL: devnetRPC, Key: sevensKey(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestWriteDevnetRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "net")
	files := writeSevensDevnet(t, dir)

	// Found by searching the working directory, with no HOME at all: the
	// files must carry absolute paths and the active address.
	env := Environment{WorkDir: dir}
	s, err := Load(LoadOptions{Context: "devnet", Env: &env})
	if err != nil {
		t.Fatal(err)
	}
	if s.ConfigPath != files.ClientConfig || s.WalletPath != files.Wallet || s.Context != "devnet" {
		t.Errorf("read %s (%q) and %s", s.ConfigPath, s.Context, s.WalletPath)
	}
	if s.SystemObject != devnetSystem || s.StakingObject != devnetStaking || s.NShards != 100 || s.MaxEpochsAhead != 53 {
		t.Errorf("setup %+v", s)
	}
	if hexID(s.Address) != sevensAddress || s.Signer == nil || chain.Address(s.Signer.Address()) != s.Address {
		t.Errorf("address %s, signer %v", hexID(s.Address), s.Signer)
	}
	if !slices.Equal(s.RPCURLs, []string{devnetRPC}) || s.Env.Alias != "devnet" || s.Env.RPC != devnetRPC {
		t.Errorf("RPC URLs %v, env %v", s.RPCURLs, s.Env)
	}
	if out := fmt.Sprintf("%v %+v %#v", s, s, s); strings.Contains(out, "[7 7 7") || strings.Contains(out, "0x07, 0x07") {
		t.Errorf("Setup prints the secret: %s", out)
	}
	if w := s.Client.Wallet; w == nil || w.Path != files.Wallet || w.ActiveEnv != "devnet" || hexID(*w.ActiveAddress) != sevensAddress {
		t.Errorf("wallet_config %+v", w)
	}

	// The keystore is as the Sui CLI writes it, the aliases file as the CLI
	// would create it.
	if b, _ := os.ReadFile(files.Keystore); strings.TrimSpace(string(b)) != `["`+sevensEntry+`"]` {
		t.Errorf("keystore %s", b)
	}
	if b, _ := os.ReadFile(files.Aliases); !strings.Contains(string(b), `"public_key_base64": "`+sevensPubKey+`"`) ||
		!strings.Contains(string(b), `"alias": "devnet-key"`) {
		t.Errorf("aliases %s", b)
	}
	ks, err := ReadKeystore(files.Keystore)
	if err != nil || ks.Keys[0].Alias != "devnet-key" {
		t.Errorf("keystore read back: %v, %v", ks, err)
	}

	// Writing again over the same files works and leaves no temporaries.
	writeSevensDevnet(t, dir)
	for _, d := range []string{dir, filepath.Join(dir, "sui")} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if strings.Contains(e.Name(), ".tmp-") {
				t.Errorf("temporary file left: %s", e.Name())
			}
		}
	}
}

func TestWriteDevnetModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "net")
	files := writeSevensDevnet(t, dir)
	for path, want := range map[string]os.FileMode{
		dir:                        0o700 | os.ModeDir,
		filepath.Dir(files.Wallet): 0o700 | os.ModeDir,
		files.Keystore:             0o600,
		files.Aliases:              0o600,
		files.Wallet:               0o600,
		files.ClientConfig:         0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
	}
}

func TestWriteDevnetRefuses(t *testing.T) {
	base := Devnet{Dir: t.TempDir(), Context: "devnet", RPCURL: devnetRPC, Key: sevensKey(t)}
	for name, tc := range map[string]struct {
		edit func(*Devnet)
		want string
	}{
		"bad context": {func(d *Devnet) { d.Context = "1 net" }, "not a valid Sui alias"},
		"no key":      {func(d *Devnet) { d.Key = nil }, "no key"},
		"no RPC":      {func(d *Devnet) { d.RPCURL = "" }, "no RPC URL"},
	} {
		d := base
		tc.edit(&d)
		_, err := WriteDevnet(d)
		wantErr(t, err, tc.want)
		if err != nil && strings.Contains(err.Error(), sevensEntry) {
			t.Errorf("%s: error quotes the secret", name)
		}
	}
}

// devnetWithConfig writes a devnet and replaces its client config.
func devnetWithConfig(t *testing.T, config string) (DevnetFiles, Environment) {
	dir := filepath.Join(t.TempDir(), "net")
	files := writeSevensDevnet(t, dir)
	config = strings.ReplaceAll(config, "WALLET", files.Wallet)
	writeFile(t, files.ClientConfig, config)
	return files, Environment{WorkDir: dir}
}

func TestLoadCombinesRPCURLsWalletFirst(t *testing.T) {
	_, env := devnetWithConfig(t, `
system_object: 0x1
staking_object: 0x2
wallet_config: WALLET
rpc_urls: [http://backup:9000, `+devnetRPC+`, http://other:9000]
`)
	s, err := Load(LoadOptions{Env: &env})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{devnetRPC, "http://backup:9000", "http://other:9000"}; !slices.Equal(s.RPCURLs, want) {
		t.Errorf("RPC URLs %v, want %v", s.RPCURLs, want)
	}
	if s.NShards != 0 || s.MaxEpochsAhead != 0 || s.Context != "" {
		t.Errorf("unset values: n_shards %d, max epochs %d, context %q", s.NShards, s.MaxEpochsAhead, s.Context)
	}
}

func TestLoadWalletRelativeAndHome(t *testing.T) {
	files, env := devnetWithConfig(t, "system_object: 0x1\nstaking_object: 0x2\nwallet_config: sui/client.yaml\n")
	s, err := Load(LoadOptions{Env: &env})
	if err != nil || s.WalletPath != files.Wallet {
		t.Fatalf("relative wallet path: %v, %v", s, err)
	}

	env.Home = filepath.Dir(filepath.Dir(files.Wallet))
	writeFile(t, files.ClientConfig, "system_object: 0x1\nstaking_object: 0x2\nwallet_config: {path: ~/sui/client.yaml}\n")
	if s, err = Load(LoadOptions{Env: &env}); err != nil || s.WalletPath != files.Wallet {
		t.Fatalf("~/ wallet path: %v, %v", s, err)
	}

	// A wallet_config with overrides but no path searches for the wallet.
	env.SuiConfigDir = filepath.Dir(files.Wallet)
	writeFile(t, files.ClientConfig, "system_object: 0x1\nstaking_object: 0x2\nwallet_config: {active_env: devnet}\n")
	if s, err = Load(LoadOptions{Env: &env}); err != nil || s.WalletPath != files.Wallet || s.Env.Alias != "devnet" {
		t.Fatalf("searched wallet: %v, %v", s, err)
	}
}

func TestLoadExplicitPathsAndAddress(t *testing.T) {
	files, env := devnetWithConfig(t, "system_object: 0x1\nstaking_object: 0x2\nwallet_config: /nonexistent/client.yaml\n")
	env.WorkDir = t.TempDir() // nothing to find by searching
	sevens := chain.Address(sevensKey(t).Address())
	s, err := Load(LoadOptions{ConfigPath: files.ClientConfig, WalletPath: files.Wallet, Address: &sevens, Env: &env})
	if err != nil {
		t.Fatal(err)
	}
	if s.WalletPath != files.Wallet || s.Address != sevens {
		t.Errorf("wallet %s, address %s", s.WalletPath, hexID(s.Address))
	}
	other := chain.Address{1}
	_, err = Load(LoadOptions{ConfigPath: files.ClientConfig, WalletPath: files.Wallet, Address: &other, Env: &env})
	wantErr(t, err, "selected address 0x0100", "is not in keystore", files.Keystore)
}

func TestLoadWalletConfigOverrides(t *testing.T) {
	_, env := devnetWithConfig(t, `
system_object: 0x1
staking_object: 0x2
wallet_config: {path: WALLET, active_env: testnet}
`)
	_, err := Load(LoadOptions{Env: &env})
	wantErr(t, err, `selected env "testnet" is not an env alias`, "envs: devnet")

	_, env = devnetWithConfig(t, `
system_object: 0x1
staking_object: 0x2
wallet_config: {path: WALLET, active_address: 0x42}
`)
	_, err = Load(LoadOptions{Env: &env})
	wantErr(t, err, "0x0000000000000000000000000000000000000000000000000000000000000042 is not in keystore", "1 keys")
}
