// Package crypt encrypts what walrusfs stores in the age format
// (age-encryption.org/v1, filippo.io/age): every encrypted blob, or range
// of a blob, is a standard age file, so the age command and the user's
// identity get the data back without walrusfs. Reads decrypt lazily: age
// encrypts in 64 KiB chunks, and a range of plaintext needs only the
// header and the chunks that hold it.
package crypt

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
)

// ErrNoIdentity means none of the identities given can open the data: it
// was encrypted to other recipients.
var ErrNoIdentity = errors.New("none of the identities given can decrypt it")

// ErrNotEncrypted means the data is not an age file: it was stored
// unencrypted, or it is damaged.
var ErrNotEncrypted = errors.New("not an age-encrypted file")

// ParseRecipients reads recipients as age -r and -R take them: each
// argument is a recipient (age1…, age1pq…) or a file listing recipients,
// one per line, with # comments.
func ParseRecipients(args []string) ([]age.Recipient, error) {
	var out []age.Recipient
	for _, a := range args {
		if strings.HasPrefix(a, "age1") && !strings.ContainsAny(a, "/\\") {
			rs, err := age.ParseRecipients(strings.NewReader(a))
			if err != nil {
				return nil, fmt.Errorf("recipient %q: %w", a, err)
			}
			out = append(out, rs...)
			continue
		}
		f, err := os.Open(a)
		if err != nil {
			return nil, fmt.Errorf("recipient %q is neither an age recipient nor a readable file: %w", a, err)
		}
		rs, err := age.ParseRecipients(bufio.NewReader(f))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("recipients file %s: %w", a, err)
		}
		out = append(out, rs...)
	}
	if len(out) == 0 {
		return nil, errors.New("no recipient given")
	}
	return out, nil
}

// ReadIdentities reads identity files as age -i does: AGE-SECRET-KEY-…
// lines (X25519 or hybrid post-quantum), with # comments. A file that is
// itself encrypted with a passphrase ("walrusfs key export --passphrase",
// "age -p") is opened with the one passphrase returns, when it is given.
func ReadIdentities(paths []string, passphrase ...func() (string, error)) ([]age.Identity, error) {
	var out []age.Identity
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("identity file: %w", err)
		}
		if Protected(b) {
			if len(passphrase) == 0 {
				return nil, fmt.Errorf("identity file %s is protected by a passphrase", p)
			}
			pass, err := passphrase[0]()
			if err != nil {
				return nil, err
			}
			if b, err = openProtected(b, pass); err != nil {
				return nil, fmt.Errorf("identity file %s: %w", p, err)
			}
		}
		ids, err := age.ParseIdentities(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("identity file %s: %w", p, err)
		}
		out = append(out, ids...)
	}
	if len(out) == 0 {
		return nil, errors.New("no identity given")
	}
	return out, nil
}

// Encrypt returns plaintext encrypted to recipients, as one age file.
func Encrypt(plaintext []byte, recipients []age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(plaintext) + len(plaintext)/(64<<10)*16 + 1024)
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	return buf.Bytes(), nil
}

// Decrypt returns the plaintext of an age file.
func Decrypt(ciphertext []byte, ids []age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ciphertext), ids...)
	if err != nil {
		return nil, explain(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	return out, nil
}

// OpenAt opens an age file of size bytes read through src for reading at
// random: it reads the header and the last chunk (which authenticates the
// plaintext size) at once, then only the chunks that reads need. It
// returns the plaintext and its size.
func OpenAt(src io.ReaderAt, size int64, ids []age.Identity) (io.ReaderAt, int64, error) {
	r, n, err := age.DecryptReaderAt(src, size, ids...)
	if err != nil {
		return nil, 0, explain(err)
	}
	return r, n, nil
}

// explain turns age's errors into ones that say what to do.
func explain(err error) error {
	var noMatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &noMatch):
		return fmt.Errorf("%w (%v)", ErrNoIdentity, err)
	case strings.Contains(err.Error(), "header") || strings.Contains(err.Error(), "intro"):
		return fmt.Errorf("%w: %v", ErrNotEncrypted, err)
	}
	return fmt.Errorf("decrypt: %w", err)
}
