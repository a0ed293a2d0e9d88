// Package mountkeys holds what a mount encrypts with: the age identity kept
// in the state directory (or given as a file), and the check that it opens
// the tree being mounted. Package crypt reads and writes keyrings; this
// package decides which keyring a mount uses and when one is created.
package mountkeys

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"filippo.io/age"

	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/fs/meta"
)

// DirName is where a state directory keeps the user's keyring: the
// identity that opens their trees and the recipients added to it.
const DirName = "keys"

// encryptedToSetting is the tree setting that records the public key a
// tree was first encrypted to.
const encryptedToSetting = "encryptedTo"

// ErrNeedIdentity means the tree on the network is encrypted and this
// machine has no identity to open it.
var ErrNeedIdentity = errors.New(`the tree on the network is encrypted and this machine has no identity for it: import it with "walrusfs key import FILE" (what "walrusfs key export" printed) or mount with --identity FILE`)

// Keys is what a mount encrypts with: the zero Keys is a public mount's,
// which encrypts nothing.
type Keys struct {
	ring *crypt.Keyring // nil: public
}

// Ring is the keyring of a private mount, nil for a public one.
func (k Keys) Ring() *crypt.Keyring { return k.ring }

// Identities are the identities that open the tree: none for a public
// mount.
func (k Keys) Identities() []age.Identity {
	if k.ring == nil {
		return nil
	}
	return k.ring.Identities()
}

// Seal encrypts data to the keyring's recipients; nil for a public mount,
// which stores data as it is.
func (k Keys) Seal() func([]byte) ([]byte, error) {
	if k.ring == nil {
		return nil
	}
	return k.ring.Seal
}

// Sum is the keyed content hash used for deduplication; nil for a public
// mount, which uses a plain one.
func (k Keys) Sum() func([]byte) [32]byte {
	if k.ring == nil {
		return nil
	}
	return k.ring.Sum
}

// Open opens the keyring of a private mount: the identity file given, or
// the state directory's. ok is false when the state directory has none
// yet: Create makes it, once the network has no tree it cannot open.
func Open(state, identityFile string, public bool, passphrase func() (string, error)) (keys Keys, ok bool, err error) {
	if public {
		return Keys{}, true, nil
	}
	if identityFile != "" {
		ring, err := crypt.LoadKeyringFile(identityFile, passphrase)
		if err != nil {
			return Keys{}, false, fmt.Errorf("--identity: %w", err)
		}
		return Keys{ring: ring}, true, nil
	}
	ring, err := crypt.LoadKeyring(filepath.Join(state, DirName))
	if errors.Is(err, crypt.ErrNoKeyring) {
		return Keys{}, false, nil
	}
	if err != nil {
		return Keys{}, false, fmt.Errorf("keyring: %w", err)
	}
	return Keys{ring: ring}, true, nil
}

// Create makes the state directory's identity, saying once, plainly, on
// notice what losing it means and how to back it up. An identity already
// there is kept.
func Create(state string, notice io.Writer) (Keys, error) {
	dir := filepath.Join(state, DirName)
	ring, created, err := crypt.CreateKeyring(dir)
	if err != nil {
		return Keys{}, fmt.Errorf("keyring: %w", err)
	}
	if created {
		fmt.Fprintf(notice, `walrusfs: created your encryption identity in %s.
  Everything your mounts store is encrypted to it: if you lose it, you lose
  your data. Back it up now: "walrusfs key export --passphrase" prints a copy
  protected by a passphrase (plain "age -d" opens it too); "walrusfs key
  show" prints its public key.
`, filepath.Join(dir, crypt.IdentityFile))
	}
	return Keys{ring: ring}, nil
}

// CheckTree makes sure the keys open the tree in m: a tree keeps the
// public key it was first encrypted to, and another identity (or none, for
// a public mount of a private tree) fails now, not with EIO on every file.
func CheckTree(m *meta.Store, keys Keys) error {
	recorded, err := m.Setting(encryptedToSetting)
	if err != nil {
		return err
	}
	current := ""
	if keys.ring != nil {
		current = keys.ring.Public
	}
	switch {
	case recorded == "" && current == "":
		return nil
	case recorded == "":
		return m.SetSetting(encryptedToSetting, current)
	case current == "":
		return fmt.Errorf("this tree is encrypted to %s: mount it without --public, with its identity", recorded)
	case recorded != current:
		return fmt.Errorf("this tree is encrypted to %s, and the identity given is %s's: mount with the tree's identity (--identity FILE, or \"walrusfs key import\")", recorded, current)
	}
	return nil
}
