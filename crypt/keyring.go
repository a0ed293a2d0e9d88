package crypt

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"golang.org/x/crypto/hkdf"
)

// The files of a keyring, in the directory that holds it.
const (
	// IdentityFile holds the identity, as age-keygen writes it (0600).
	IdentityFile = "identity.txt"
	// RecipientsFile lists the recipients added besides the identity's
	// own (a backup key, another machine's), as age -R reads them.
	RecipientsFile = "recipients.txt"
)

// Keyring is the key material of a tree: the identity that opens it, the
// recipients everything is encrypted to (the identity's own first), and a
// key for deduplicating content without revealing it.
type Keyring struct {
	Dir        string
	Identity   age.Identity
	Recipients []age.Recipient
	// Public is the identity's own recipient, as text.
	Public   string
	dedupKey []byte
	// self wraps file keys for the identity alone (see selfRecipient).
	self selfRecipient
}

// ErrNoKeyring means the directory holds no identity yet.
var ErrNoKeyring = errors.New("no identity")

// CreateKeyring makes a new hybrid post-quantum identity in dir, written
// 0600, and returns the keyring; an identity already there is kept.
func CreateKeyring(dir string) (*Keyring, bool, error) {
	k, err := LoadKeyring(dir)
	if err == nil || !errors.Is(err, ErrNoKeyring) {
		return k, false, err
	}
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, false, fmt.Errorf("generate an identity: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, err
	}
	text := fmt.Sprintf("# created: %s\n# public key: %s\n%s\n", time.Now().Format(time.RFC3339), id.Recipient(), id)
	path := filepath.Join(dir, IdentityFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("write the identity: %w", err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		os.Remove(path)
		return nil, false, fmt.Errorf("write the identity: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, false, fmt.Errorf("write the identity: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, err
	}
	k, err = LoadKeyring(dir)
	return k, true, err
}

// LoadKeyring reads the keyring in dir: its identity (exactly one) and the
// recipients added to it.
func LoadKeyring(dir string) (*Keyring, error) {
	path := filepath.Join(dir, IdentityFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", ErrNoKeyring, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read the identity: %w", err)
	}
	return keyringFrom(dir, string(b))
}

// LoadKeyringFile reads a keyring from an identity file alone (no added
// recipients): a mount given --identity. A file protected by a passphrase
// is opened with the one passphrase returns, when it is given.
func LoadKeyringFile(path string, passphrase ...func() (string, error)) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the identity: %w", err)
	}
	if Protected(b) {
		if len(passphrase) == 0 {
			return nil, fmt.Errorf("identity file %s is protected by a passphrase", path)
		}
		pass, err := passphrase[0]()
		if err != nil {
			return nil, err
		}
		if b, err = openProtected(b, pass); err != nil {
			return nil, err
		}
	}
	return keyringFrom("", string(b))
}

// keyringFrom builds a keyring from an identity file's text.
func keyringFrom(dir, text string) (*Keyring, error) {
	ids, err := age.ParseIdentities(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	if len(ids) != 1 {
		return nil, fmt.Errorf("identity: %d identities in one file, want 1", len(ids))
	}
	k := &Keyring{Dir: dir, Identity: ids[0]}
	var secret string
	switch id := ids[0].(type) {
	case *age.HybridIdentity:
		k.Recipients, k.Public, secret = []age.Recipient{id.Recipient()}, id.Recipient().String(), id.String()
		k.self.labels = []string{"postquantum"} // as the hybrid recipient's
	case *age.X25519Identity:
		k.Recipients, k.Public, secret = []age.Recipient{id.Recipient()}, id.Recipient().String(), id.String()
	default:
		return nil, fmt.Errorf("identity: a %T cannot be a tree's key", id)
	}
	// The dedup key depends on the identity alone: the same content under
	// two identities gives unrelated hashes.
	k.dedupKey = make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, []byte(secret), nil, []byte("walrusfs dedup key v1")), k.dedupKey); err != nil {
		return nil, err
	}
	if k.self.key, err = selfKey(secret); err != nil {
		return nil, err
	}
	if dir == "" {
		return k, nil
	}
	added, err := os.ReadFile(filepath.Join(dir, RecipientsFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if len(added) > 0 {
		rs, err := age.ParseRecipients(strings.NewReader(string(added)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", RecipientsFile, err)
		}
		k.Recipients = append(k.Recipients, rs...)
	}
	return k, nil
}

// AddRecipient lets another identity open what is encrypted from now on.
func (k *Keyring) AddRecipient(recipient string) error {
	if k.Dir == "" {
		return errors.New("this identity was given as a file: add recipients to the state directory's keyring")
	}
	rs, err := age.ParseRecipients(strings.NewReader(recipient))
	if err != nil || len(rs) != 1 {
		return fmt.Errorf("recipient %q: %v", recipient, err)
	}
	f, err := os.OpenFile(filepath.Join(k.Dir, RecipientsFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "%s\n", strings.TrimSpace(recipient))
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	k.Recipients = append(k.Recipients, rs...)
	return f.Close()
}

// RecipientStrings lists the recipients, the identity's own first.
func (k *Keyring) RecipientStrings() []string {
	out := make([]string, len(k.Recipients))
	for i, r := range k.Recipients {
		out[i] = fmt.Sprint(r)
	}
	return out
}

// Sum is the content hash used for deduplication: keyed by the identity,
// so that equal content in two users' trees is not recognisable.
func (k *Keyring) Sum(data []byte) [32]byte {
	m := hmac.New(sha256.New, k.dedupKey)
	m.Write(data)
	var out [32]byte
	m.Sum(out[:0])
	return out
}

// Seal encrypts data to the keyring's recipients, with a self stanza that
// lets the identity open it without a key exchange.
func (k *Keyring) Seal(data []byte) ([]byte, error) {
	return Encrypt(data, append([]age.Recipient{k.self}, k.Recipients...))
}

// Identities open what Seal sealed: the self stanza's key first, which
// opens it cheaply, then the identity (for files sealed without one). They
// are one identity: age tries its own kinds of identity before any other.
func (k *Keyring) Identities() []age.Identity {
	return []age.Identity{selfFirst{selfIdentity{k.self.key}, k.Identity}}
}

// Export returns the identity file's text, or with a passphrase, that text
// encrypted with it (age's scrypt) and armored, which "age -d" opens.
func (k *Keyring) Export(passphrase string) ([]byte, error) {
	text, err := os.ReadFile(filepath.Join(k.Dir, IdentityFile))
	if err != nil {
		return nil, err
	}
	if passphrase == "" {
		return text, nil
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, r)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(text); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Protected tells whether an exported identity is passphrase-protected
// (an age file, armored or not).
func Protected(exported []byte) bool {
	return bytes.HasPrefix(exported, []byte(armor.Header)) || bytes.HasPrefix(exported, []byte("age-encryption.org/v1\n"))
}

// openProtected opens a passphrase-protected age file, armored or not.
func openProtected(b []byte, passphrase string) ([]byte, error) {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, err
	}
	var src io.Reader = bytes.NewReader(b)
	if bytes.HasPrefix(b, []byte(armor.Header)) {
		src = armor.NewReader(src)
	}
	r, err := age.Decrypt(src, id)
	if err != nil {
		return nil, fmt.Errorf("open the exported identity (wrong passphrase?): %w", err)
	}
	text, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("open the exported identity: %w", err)
	}
	return text, nil
}

// ImportKeyring writes an exported identity into dir (which must have
// none), opening it with the passphrase if it was exported with one.
func ImportKeyring(dir string, exported []byte, passphrase string) (*Keyring, error) {
	text := exported
	if Protected(exported) {
		var err error
		if text, err = openProtected(exported, passphrase); err != nil {
			return nil, err
		}
	}
	if _, err := keyringFrom(dir, string(text)); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, IdentityFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("write the identity: %w", err)
	}
	if _, err := f.Write(text); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return LoadKeyring(dir)
}
