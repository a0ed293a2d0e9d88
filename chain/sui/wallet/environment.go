package wallet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Environment is what decides where configuration files are found: the
// working directory and the variables the walrus and sui CLIs read. Tests set
// it explicitly instead of changing the process's directory and variables.
type Environment struct {
	// WorkDir stands for the process's working directory: the ./ of the
	// search paths and the base of relative paths in the files. Empty means
	// the actual working directory.
	WorkDir string
	// Home is $HOME, for ~/ and the default directories. Empty disables
	// them.
	Home string
	// XDGConfigHome is $XDG_CONFIG_HOME; empty means unset.
	XDGConfigHome string
	// SuiConfigDir is $SUI_CONFIG_DIR, which replaces ~/.sui/sui_config;
	// empty means unset.
	SuiConfigDir string
}

// ProcessEnvironment returns the Environment of this process.
func ProcessEnvironment() Environment {
	home, _ := os.UserHomeDir() // no home: the home-based paths are skipped
	return Environment{
		Home:          home,
		XDGConfigHome: os.Getenv("XDG_CONFIG_HOME"),
		SuiConfigDir:  os.Getenv("SUI_CONFIG_DIR"),
	}
}

// Client config and wallet file names, as the CLIs spell them.
const (
	ClientConfigFile = "client_config.yaml"
	WalletFile       = "client.yaml"
	KeystoreFile     = "sui.keystore"
	AliasesFile      = "sui.aliases"
)

// ErrNotFound is returned when no configuration file exists at any of the
// default paths. The error lists the paths tried.
var ErrNotFound = errors.New("configuration file not found")

// ClientConfigPaths lists where the walrus CLI looks for its client config,
// in order: client_config.yaml and client_config.yml in ./,
// $XDG_CONFIG_HOME/, ~/.config/walrus/ and ~/.walrus/.
func (e Environment) ClientConfigPaths() []string {
	dirs := []string{e.dir(".")}
	if e.XDGConfigHome != "" {
		dirs = append(dirs, e.dir(e.XDGConfigHome))
	}
	if e.Home != "" {
		dirs = append(dirs, filepath.Join(e.Home, ".config", "walrus"), filepath.Join(e.Home, ".walrus"))
	}
	var paths []string
	for _, d := range dirs {
		paths = append(paths, filepath.Join(d, "client_config.yaml"), filepath.Join(d, "client_config.yml"))
	}
	return paths
}

// WalletPaths lists where a Sui wallet is looked for when none is named:
// ./sui_config.yaml, then client.yaml in the Sui config directory.
func (e Environment) WalletPaths() []string {
	paths := []string{filepath.Join(e.dir("."), "sui_config.yaml")}
	if d := e.suiConfigDir(); d != "" {
		paths = append(paths, filepath.Join(d, WalletFile))
	}
	return paths
}

// suiConfigDir is $SUI_CONFIG_DIR, else ~/.sui/sui_config, else "".
func (e Environment) suiConfigDir() string {
	if e.SuiConfigDir != "" {
		return e.dir(e.SuiConfigDir)
	}
	if e.Home != "" {
		return filepath.Join(e.Home, ".sui", "sui_config")
	}
	return ""
}

// dir resolves a directory path against WorkDir.
func (e Environment) dir(p string) string {
	if e.WorkDir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(e.WorkDir, p)
}

// resolve turns a path as written in a file or given on a command line into
// one this process can open: relative to WorkDir, and with ~/ expanded when
// expandHome is set (walrus expands it, sui does not).
func (e Environment) resolve(p string, expandHome bool) (string, error) {
	if expandHome && (p == "~" || strings.HasPrefix(p, "~/")) {
		if e.Home == "" {
			return "", fmt.Errorf("cannot expand %q: home directory unknown", p)
		}
		return filepath.Join(e.Home, strings.TrimPrefix(p, "~")), nil
	}
	return e.dir(p), nil
}

// firstExisting returns the first path that exists, as the CLIs choose; a
// path that exists but cannot be read fails later, when it is opened.
func firstExisting(paths []string) (string, bool) {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
	}
	return "", false
}

// notFound reports that none of paths exists.
func notFound(what string, paths []string) error {
	return fmt.Errorf("%w: no %s at %s", ErrNotFound, what, strings.Join(paths, ", "))
}
