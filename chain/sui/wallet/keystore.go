package wallet

import (
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
)

// Scheme is a key's signature scheme, by its Sui flag byte.
type Scheme byte

// The schemes a Sui keystore holds.
const (
	Ed25519   = Scheme(suikey.FlagEd25519)
	Secp256k1 = Scheme(suikey.FlagSecp256k1)
	Secp256r1 = Scheme(suikey.FlagSecp256r1)
)

func (s Scheme) String() string {
	switch s {
	case Ed25519:
		return "ed25519"
	case Secp256k1:
		return "secp256k1"
	case Secp256r1:
		return "secp256r1"
	}
	return fmt.Sprintf("scheme 0x%02x", byte(s))
}

// ErrUnsupportedScheme is returned when a key of a scheme other than Ed25519
// is chosen for signing.
var ErrUnsupportedScheme = errors.New("only Ed25519 keys can sign")

// Key is one entry of a keystore. Its secret stays inside: Key prints
// without it, and only Signer hands it on.
type Key struct {
	Scheme Scheme
	// Address is the key's Sui address, valid when HasAddress. It is not
	// derived for secp256k1 keys (no curve implementation here).
	Address    chain.Address
	HasAddress bool
	// Alias is the key's name in sui.aliases, "" if it has none.
	Alias string

	// secret is behind a pointer because fmt prints nested pointers as
	// addresses, even where it bypasses Format (e.g. a bad verb on a
	// *Wallet).
	secret *[32]byte
}

// Signer returns the key as a signer; keys of other schemes than Ed25519
// give ErrUnsupportedScheme.
func (k Key) Signer() (*suikey.KeyPair, error) {
	if k.Scheme != Ed25519 {
		return nil, fmt.Errorf("%w: key %s is %s", ErrUnsupportedScheme, k, k.Scheme)
	}
	return suikey.FromSeed(k.secret[:])
}

// String names the key by scheme, address and alias; never the secret.
func (k Key) String() string {
	s := k.Scheme.String()
	if k.HasAddress {
		a, _ := k.Address.MarshalText()
		s += " " + string(a)
	}
	if k.Alias != "" {
		s += " (" + k.Alias + ")"
	}
	return s
}

// Format prints String for every verb, so that %#v or %x cannot reveal the
// secret either.
func (k Key) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// Keystore is a Sui file keystore (sui.keystore) with the names of its keys
// from the aliases file beside it.
type Keystore struct {
	Path string
	Keys []Key // in file order
}

// Find returns the key with the given address.
func (ks *Keystore) Find(a chain.Address) (Key, bool) {
	for _, k := range ks.Keys {
		if k.HasAddress && k.Address == a {
			return k, true
		}
	}
	return Key{}, false
}

// ReadKeystore reads a keystore: a JSON array of private keys, each
// base64(flag ‖ 32-byte secret) as the Sui CLI writes them, or Bech32
// "suiprivkey1…" as the keytool exports them. The aliases file (same path
// with extension .aliases) is read if it exists.
func ReadKeystore(path string) (*Keystore, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read Sui keystore: %w", err)
	}
	var entries []string
	if err := json.Unmarshal(data, &entries); err != nil {
		// json errors may quote bytes of the file, which holds secrets.
		return nil, fmt.Errorf("%s: not a JSON array of strings", path)
	}
	ks := &Keystore{Path: path}
	for i, e := range entries {
		k, err := decodeEntry(e)
		if err != nil {
			return nil, fmt.Errorf("%s: entry %d: %w", path, i, err)
		}
		ks.Keys = append(ks.Keys, k)
	}
	aliases, err := readAliases(aliasesPath(path))
	if err != nil {
		return nil, err
	}
	for i, k := range ks.Keys {
		if k.HasAddress {
			ks.Keys[i].Alias = aliases[k.Address]
		}
	}
	return ks, nil
}

// aliasesPath is the keystore path with extension .aliases.
func aliasesPath(keystore string) string {
	return strings.TrimSuffix(keystore, filepath.Ext(keystore)) + ".aliases"
}

// decodeEntry decodes one keystore entry. Errors say what is wrong without
// quoting the entry.
func decodeEntry(e string) (Key, error) {
	var raw []byte
	if strings.HasPrefix(strings.ToLower(e), suiPrivateKeyHRP+"1") {
		hrp, data, err := decodeBech32(e)
		if err != nil {
			return Key{}, err
		}
		if hrp != suiPrivateKeyHRP {
			return Key{}, fmt.Errorf("%w: prefix is not %s", errBech32, suiPrivateKeyHRP)
		}
		raw = data
	} else {
		var err error
		if raw, err = base64.StdEncoding.DecodeString(e); err != nil {
			return Key{}, errors.New("neither base64 nor a suiprivkey1 Bech32 key")
		}
	}
	if len(raw) != 33 {
		return Key{}, fmt.Errorf("%d bytes, want 33 (scheme flag and 32-byte secret)", len(raw))
	}
	k := Key{Scheme: Scheme(raw[0]), secret: (*[32]byte)(raw[1:])}
	switch k.Scheme {
	case Ed25519:
		kp, err := suikey.FromSeed(k.secret[:])
		if err != nil {
			return Key{}, err
		}
		k.Address, k.HasAddress = kp.Address(), true
	case Secp256r1:
		pub, err := secp256r1PublicKey(k.secret[:])
		if err != nil {
			return Key{}, err
		}
		k.Address, k.HasAddress = suikey.AddressOf(suikey.FlagSecp256r1, pub), true
	case Secp256k1:
		// Listed without an address: it cannot sign here anyway.
	default:
		return Key{}, fmt.Errorf("unknown scheme flag 0x%02x", raw[0])
	}
	return k, nil
}

// secp256r1PublicKey returns the compressed (33-byte) public key Sui hashes
// into the address.
func secp256r1PublicKey(secret []byte) ([]byte, error) {
	priv, err := ecdh.P256().NewPrivateKey(secret)
	if err != nil {
		return nil, errors.New("not a valid secp256r1 secret")
	}
	xy := priv.PublicKey().Bytes() // 0x04 ‖ X ‖ Y
	x, y := xy[1:33], xy[33:]
	return append([]byte{0x02 | y[31]&1}, x...), nil
}

// aliasEntry is one element of sui.aliases.
type aliasEntry struct {
	Alias           string `json:"alias"`
	PublicKeyBase64 string `json:"public_key_base64"` // base64(flag ‖ public key)
}

// readAliases returns the alias of each address in an aliases file; a
// missing file is no aliases.
func readAliases(path string) (map[chain.Address]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read Sui aliases: %w", err)
	}
	var entries []aliasEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make(map[chain.Address]string, len(entries))
	for i, e := range entries {
		pk, err := base64.StdEncoding.DecodeString(e.PublicKeyBase64)
		if err != nil || len(pk) < 2 {
			return nil, fmt.Errorf("%s: entry %d (%q): public_key_base64 is not base64 of flag and public key", path, i, e.Alias)
		}
		out[suikey.AddressOf(pk[0], pk[1:])] = e.Alias
	}
	return out, nil
}

// encodeEntry is the keystore entry of an Ed25519 key, as the Sui CLI
// writes it. The result is a secret.
func encodeEntry(k *suikey.KeyPair) string {
	return base64.StdEncoding.EncodeToString(append([]byte{suikey.FlagEd25519}, k.Seed()...))
}

// encodePublicKey is the public_key_base64 of an Ed25519 key in sui.aliases.
func encodePublicKey(k *suikey.KeyPair) string {
	return base64.StdEncoding.EncodeToString(append([]byte{suikey.FlagEd25519}, k.PublicKey()...))
}
