package wallet

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// entry is a keystore entry of flag ‖ secret.
func entry(flag byte, secret []byte) string {
	return base64.StdEncoding.EncodeToString(append([]byte{flag}, secret...))
}

func TestKeystoreEd25519AndBech32(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, filepath.Join(dir, "sui.keystore"), `["`+sevensEntry+`", "`+sevensBech32+`"]`)
	writeFile(t, filepath.Join(dir, "sui.aliases"), `[{"alias": "sevens", "public_key_base64": "`+sevensPubKey+`"}]`)

	ks, err := ReadKeystore(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.Keys) != 2 {
		t.Fatalf("%d keys, want 2", len(ks.Keys))
	}
	for i, k := range ks.Keys {
		if k.Scheme != Ed25519 || !k.HasAddress || hexID(k.Address) != sevensAddress || k.Alias != "sevens" {
			t.Errorf("key %d: %v, want ed25519 %s (sevens)", i, k, sevensAddress)
		}
		signer, err := k.Signer()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(signer.Seed(), bytes.Repeat([]byte{7}, 32)) {
			t.Errorf("key %d: signer has another secret", i)
		}
	}
	if k, ok := ks.Find(sevensKey(t).Address()); !ok || k.Alias != "sevens" {
		t.Errorf("Find: %v %v", k, ok)
	}
	if _, ok := ks.Find([32]byte{1}); ok {
		t.Error("Find found an address not in the keystore")
	}
}

func TestKeystoreOtherSchemesListedNotSigning(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	path := writeFile(t, filepath.Join(t.TempDir(), "sui.keystore"),
		fmt.Sprintf(`[%q, %q]`, entry(0x01, secret), entry(0x02, secret)))
	ks, err := ReadKeystore(path)
	if err != nil {
		t.Fatal(err)
	}
	k1, r1 := ks.Keys[0], ks.Keys[1]
	if k1.Scheme != Secp256k1 || k1.HasAddress {
		t.Errorf("secp256k1 key %v: want listed without address", k1)
	}
	if r1.Scheme != Secp256r1 || !r1.HasAddress || r1.Address == sevensKey(t).Address() {
		t.Errorf("secp256r1 key %v: want its own address", r1)
	}
	for _, k := range ks.Keys {
		_, err := k.Signer()
		if !errors.Is(err, ErrUnsupportedScheme) {
			t.Errorf("%v: Signer err %v, want ErrUnsupportedScheme", k, err)
		}
		wantErr(t, err, k.Scheme.String())
	}
}

func TestKeystoreMalformed(t *testing.T) {
	secret := bytes.Repeat([]byte{9}, 32)
	good := entry(0, secret)
	for name, tc := range map[string]struct {
		content string
		want    []string
	}{
		"not JSON":       {`[` + good, []string{"not a JSON array"}},
		"not strings":    {`[1]`, []string{"not a JSON array"}},
		"not base64":     {`["` + good + `", "@@` + good[2:] + `"]`, []string{"entry 1", "neither base64 nor"}},
		"short":          {`["` + entry(0, secret[:31]) + `"]`, []string{"entry 0", "32 bytes, want 33"}},
		"unknown flag":   {`["` + entry(0x05, secret) + `"]`, []string{"entry 0", "scheme flag 0x05"}},
		"bech32 damaged": {`["` + sevensBech32[:40] + "x" + sevensBech32[41:] + `"]`, []string{"entry 0", "checksum"}},
		"bad r1 secret":  {`["` + entry(0x02, bytes.Repeat([]byte{0xff}, 32)) + `"]`, []string{"entry 0", "secp256r1"}},
	} {
		path := writeFile(t, filepath.Join(t.TempDir(), "sui.keystore"), tc.content)
		_, err := ReadKeystore(path)
		wantErr(t, err, append(tc.want, path)...)
		if err != nil && (strings.Contains(err.Error(), good[4:20]) || strings.Contains(err.Error(), "qqrswpc8")) {
			t.Errorf("%s: error quotes a secret: %v", name, err)
		}
	}
}

func TestKeystoreBadAliases(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, filepath.Join(dir, "sui.keystore"), `["`+sevensEntry+`"]`)
	writeFile(t, filepath.Join(dir, "sui.aliases"), `[{"alias": "x", "public_key_base64": "!"}]`)
	_, err := ReadKeystore(path)
	wantErr(t, err, "sui.aliases", "entry 0", "public_key_base64")
}

func TestKeyNeverPrintsSecret(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "sui.keystore"), `["`+sevensEntry+`"]`)
	w := &Wallet{Keystore: must(ReadKeystore(path))}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		out := fmt.Sprintf(verb, w.Keystore) + fmt.Sprintf(verb, w.Keystore.Keys[0]) + fmt.Sprintf(verb, w)
		if strings.Contains(out, "0707070707") || strings.Contains(out, "[7 7 7") || strings.Contains(out, "BwcHBwcH") ||
			strings.Contains(out, "\\a\\a\\a") || strings.Contains(out, "\a\a\a") {
			t.Errorf("%s prints the secret: %s", verb, out)
		}
	}
	if s := fmt.Sprint(w.Keystore.Keys[0]); !strings.Contains(s, sevensAddress) {
		t.Errorf("key prints as %q, want its address", s)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
