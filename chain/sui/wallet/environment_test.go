package wallet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// testEnvironment is a home, an XDG config home and a working directory,
// all empty, under one temporary directory.
func testEnvironment(t *testing.T) Environment {
	root := t.TempDir()
	env := Environment{
		WorkDir:       filepath.Join(root, "work"),
		Home:          filepath.Join(root, "home"),
		XDGConfigHome: filepath.Join(root, "xdg"),
	}
	for _, d := range []string{env.WorkDir, env.Home, env.XDGConfigHome} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return env
}

func TestClientConfigSearchOrder(t *testing.T) {
	env := testEnvironment(t)
	want := []string{
		filepath.Join(env.WorkDir, "client_config.yaml"),
		filepath.Join(env.WorkDir, "client_config.yml"),
		filepath.Join(env.XDGConfigHome, "client_config.yaml"), // no walrus/ subdirectory
		filepath.Join(env.XDGConfigHome, "client_config.yml"),
		filepath.Join(env.Home, ".config", "walrus", "client_config.yaml"),
		filepath.Join(env.Home, ".config", "walrus", "client_config.yml"),
		filepath.Join(env.Home, ".walrus", "client_config.yaml"),
		filepath.Join(env.Home, ".walrus", "client_config.yml"),
	}
	if got := env.ClientConfigPaths(); !slices.Equal(got, want) {
		t.Fatalf("paths\n%v\nwant\n%v", got, want)
	}
	// A wallet for every config, found through SUI_CONFIG_DIR.
	files := writeSevensDevnet(t, filepath.Join(t.TempDir(), "devnet"))
	env.SuiConfigDir = filepath.Dir(files.Wallet)
	// Create every candidate, each with its own system object, then remove
	// them from the front: each time the next one must be chosen.
	for i, p := range want {
		writeFile(t, p, fmt.Sprintf("system_object: 0x%x\nstaking_object: 0x1\n", i+1))
	}
	for i, p := range want {
		s, err := Load(LoadOptions{Env: &env})
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if s.ConfigPath != p || s.SystemObject[31] != byte(i+1) {
			t.Fatalf("step %d: chose %s (system %x), want %s", i, s.ConfigPath, s.SystemObject, p)
		}
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Load(LoadOptions{Env: &env})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err %v, want ErrNotFound", err)
	}
	wantErr(t, err, "walrus client config", want[0], want[7])
}

func TestClientConfigSearchWithoutXDGOrHome(t *testing.T) {
	env := Environment{WorkDir: "/w"}
	want := []string{"/w/client_config.yaml", "/w/client_config.yml"}
	if got := env.ClientConfigPaths(); !slices.Equal(got, want) {
		t.Errorf("paths %v, want %v", got, want)
	}
}

func TestWalletSearchOrder(t *testing.T) {
	env := testEnvironment(t)
	want := []string{
		filepath.Join(env.WorkDir, "sui_config.yaml"),
		filepath.Join(env.Home, ".sui", "sui_config", "client.yaml"),
	}
	if got := env.WalletPaths(); !slices.Equal(got, want) {
		t.Errorf("paths %v, want %v", got, want)
	}
	env.SuiConfigDir = "/etc/sui"
	if got := env.WalletPaths(); !slices.Equal(got, []string{want[0], "/etc/sui/client.yaml"}) {
		t.Errorf("with SUI_CONFIG_DIR: %v", got)
	}
}

func TestResolvePath(t *testing.T) {
	env := Environment{WorkDir: "/w", Home: "/h"}
	for in, want := range map[string]string{
		"~/.sui/client.yaml": "/h/.sui/client.yaml",
		"~":                  "/h",
		"~other/x":           "/w/~other/x", // only ~/ is expanded, like walrus
		"rel/c.yaml":         "/w/rel/c.yaml",
		"/abs/c.yaml":        "/abs/c.yaml",
	} {
		if got, err := env.resolve(in, true); err != nil || got != want {
			t.Errorf("resolve(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, _ := env.resolve("~/k", false); got != "/w/~/k" {
		t.Errorf("without home expansion: %q", got)
	}
	_, err := Environment{}.resolve("~/x", true)
	wantErr(t, err, "home directory unknown")
}

func TestProcessEnvironment(t *testing.T) {
	t.Setenv("HOME", "/home/someone")
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	t.Setenv("SUI_CONFIG_DIR", "/suicfg")
	want := Environment{Home: "/home/someone", XDGConfigHome: "/xdg", SuiConfigDir: "/suicfg"}
	if got := ProcessEnvironment(); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
