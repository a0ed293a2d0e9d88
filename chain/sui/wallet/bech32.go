package wallet

import (
	"errors"
	"fmt"
	"strings"
)

// Bech32 (BIP 173) decoding, for private keys in the Sui keytool's export
// format: "suiprivkey1" followed by flag ‖ secret in 5-bit groups and a
// 6-character checksum. Errors describe the defect but never quote the
// string, which is a secret.

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// suiPrivateKeyHRP is the human-readable part of Sui private keys.
const suiPrivateKeyHRP = "suiprivkey"

var errBech32 = errors.New("invalid Bech32")

// decodeBech32 returns the human-readable part and the data of s, checking
// its checksum (Bech32, not Bech32m, as Sui uses).
func decodeBech32(s string) (hrp string, data []byte, err error) {
	if strings.ToLower(s) != s && strings.ToUpper(s) != s {
		return "", nil, fmt.Errorf("%w: mixed case", errBech32)
	}
	s = strings.ToLower(s)
	sep := strings.LastIndexByte(s, '1')
	if sep < 1 || len(s)-sep-1 < 6 {
		return "", nil, fmt.Errorf("%w: no separator or checksum too short", errBech32)
	}
	hrp = s[:sep]
	for _, c := range []byte(hrp) {
		if c < 33 || c > 126 {
			return "", nil, fmt.Errorf("%w: bad character in prefix", errBech32)
		}
	}
	groups := make([]byte, 0, len(s)-sep-1)
	for i := sep + 1; i < len(s); i++ {
		v := strings.IndexByte(bech32Charset, s[i])
		if v < 0 {
			return "", nil, fmt.Errorf("%w: character at position %d is not in the Bech32 alphabet", errBech32, i)
		}
		groups = append(groups, byte(v))
	}
	if bech32Polymod(append(hrpExpand(hrp), groups...)) != 1 {
		return "", nil, fmt.Errorf("%w: checksum mismatch", errBech32)
	}
	data, err = regroup5to8(groups[:len(groups)-6])
	if err != nil {
		return "", nil, err
	}
	return hrp, data, nil
}

// hrpExpand is the prefix as the checksum covers it: high bits of each
// character, a zero, then low bits.
func hrpExpand(hrp string) []byte {
	out := make([]byte, 0, 2*len(hrp)+1)
	for _, c := range []byte(hrp) {
		out = append(out, c>>5)
	}
	out = append(out, 0)
	for _, c := range []byte(hrp) {
		out = append(out, c&31)
	}
	return out
}

// bech32Polymod is BIP 173's BCH checksum over 5-bit values.
func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range gen {
			if top>>i&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

// regroup5to8 packs 5-bit groups into bytes; the padding left over must be
// fewer than 5 zero bits.
func regroup5to8(groups []byte) ([]byte, error) {
	var out []byte
	acc, bits := uint32(0), 0
	for _, g := range groups {
		acc = (acc<<5 | uint32(g)) & 0xfff // at most 12 unconsumed bits matter
		bits += 5
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	if bits >= 5 || acc&(1<<bits-1) != 0 {
		return nil, fmt.Errorf("%w: non-zero or excess padding", errBech32)
	}
	return out, nil
}
