package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"filippo.io/age"

	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/fs/meta"
)

// keysDirName is where a state directory keeps the user's keyring: the
// identity that opens their trees and the recipients added to it.
const keysDirName = "keys"

// mountKeys is what a mount encrypts with: nothing for a public mount.
type mountKeys struct {
	ring *crypt.Keyring // nil: public
}

func (k mountKeys) identities() []age.Identity {
	if k.ring == nil {
		return nil
	}
	return []age.Identity{k.ring.Identity}
}

func (k mountKeys) seal() func([]byte) ([]byte, error) {
	if k.ring == nil {
		return nil
	}
	return k.ring.Seal
}

func (k mountKeys) sum() func([]byte) [32]byte {
	if k.ring == nil {
		return nil
	}
	return k.ring.Sum
}

// openKeys opens the keyring of a private mount: the identity file given,
// or the state directory's. ok is false when the state directory has none
// yet: createKeys makes it, once the network has no tree it cannot open.
func openKeys(state, identityFile string, public bool, passphrase func() (string, error)) (keys mountKeys, ok bool, err error) {
	if public {
		return mountKeys{}, true, nil
	}
	if identityFile != "" {
		ring, err := crypt.LoadKeyringFile(identityFile, passphrase)
		if err != nil {
			return mountKeys{}, false, fmt.Errorf("--identity: %w", err)
		}
		return mountKeys{ring: ring}, true, nil
	}
	ring, err := crypt.LoadKeyring(filepath.Join(state, keysDirName))
	if errors.Is(err, crypt.ErrNoKeyring) {
		return mountKeys{}, false, nil
	}
	if err != nil {
		return mountKeys{}, false, fmt.Errorf("keyring: %w", err)
	}
	return mountKeys{ring: ring}, true, nil
}

// createKeys makes the state directory's identity, saying once, plainly,
// what losing it means and how to back it up.
func createKeys(state string, notice io.Writer) (mountKeys, error) {
	dir := filepath.Join(state, keysDirName)
	ring, created, err := crypt.CreateKeyring(dir)
	if err != nil {
		return mountKeys{}, fmt.Errorf("keyring: %w", err)
	}
	if created {
		fmt.Fprintf(notice, `walrusfs: created your encryption identity in %s.
  Everything your mounts store is encrypted to it: if you lose it, you lose
  your data. Back it up now: "walrusfs key export --passphrase" prints a copy
  protected by a passphrase (plain "age -d" opens it too); "walrusfs key
  show" prints its public key.
`, filepath.Join(dir, crypt.IdentityFile))
	}
	return mountKeys{ring: ring}, nil
}

// checkTreeKey makes sure the identity opens the tree in m: a tree keeps
// the public key it was first encrypted to, and another identity (or none,
// for a public mount of a private tree) fails now, not with EIO on every
// file.
func checkTreeKey(m *meta.Store, keys mountKeys) error {
	recorded, err := m.Setting("encryptedTo")
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
		return m.SetSetting("encryptedTo", current)
	case current == "":
		return fmt.Errorf("this tree is encrypted to %s: mount it without --public, with its identity", recorded)
	case recorded != current:
		return fmt.Errorf("this tree is encrypted to %s, and the identity given is %s's: mount with the tree's identity (--identity FILE, or \"walrusfs key import\")", recorded, current)
	}
	return nil
}

var errNeedIdentity = errors.New(`the tree on the network is encrypted and this machine has no identity for it: import it with "walrusfs key import FILE" (what "walrusfs key export" printed) or mount with --identity FILE`)
