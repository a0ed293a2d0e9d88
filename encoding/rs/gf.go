package rs

import "sync"

const (
	fieldBits = 16
	order     = 1 << fieldBits // number of field elements
	modulus   = order - 1      // log-domain modulus; also "multiply by zero" marker
	poly      = 0x1002D        // LFSR polynomial of reed-solomon-simd and Leopard
)

// cantorBasis is the basis that maps the LFSR's logarithms into the additive
// FFT's polynomial basis; the values are fixed by reed-solomon-simd.
var cantorBasis = [fieldBits]uint16{
	0x0001, 0xACCA, 0x3C0E, 0x163E, 0xC582, 0xED2E, 0x914C, 0x4012,
	0x6C98, 0x10D8, 0x6A72, 0xB900, 0xFDB8, 0xFB34, 0xFF38, 0x991E,
}

// fieldTables are built once, on first use, so that importing the package is free.
type fieldTables struct {
	log  [order]uint16
	exp  [order]uint16
	skew [modulus]uint16 // log-domain twiddle factors of the FFT

	// logWalsh, the Walsh transform of log, serves only decoding (the
	// error locator), so encoders never build it.
	logWalshOnce sync.Once
	logWalshTab  *[order]uint16
}

var (
	tablesOnce sync.Once
	tbl        *fieldTables
)

func tables() *fieldTables {
	tablesOnce.Do(func() {
		t := new(fieldTables)
		t.initExpLog()
		t.initSkew()
		tbl = t
	})
	return tbl
}

func (t *fieldTables) initExpLog() {
	// Step numbers of the LFSR, indexed by state, go into exp for now.
	state := uint32(1)
	for i := uint32(0); i < modulus; i++ {
		t.exp[state] = uint16(i)
		state <<= 1
		if state >= order {
			state ^= poly
		}
	}
	t.exp[0] = modulus

	t.log[0] = 0
	for i := 0; i < fieldBits; i++ {
		width := 1 << i
		for j := 0; j < width; j++ {
			t.log[j+width] = t.log[j] ^ cantorBasis[i]
		}
	}
	for i := range t.log {
		t.log[i] = t.exp[t.log[i]]
	}
	for i := range t.log {
		t.exp[t.log[i]] = uint16(i)
	}
	t.exp[modulus] = t.exp[0]
}

// addMod adds two logarithms modulo 2^16-1.
func addMod(x, y uint16) uint16 {
	s := uint32(x) + uint32(y)
	return uint16(s + s>>16)
}

// subMod subtracts two logarithms modulo 2^16-1.
func subMod(x, y uint16) uint16 {
	d := uint32(x) - uint32(y)
	return uint16(d + d>>16)
}

// mul multiplies x by the element whose logarithm is logM.
func (t *fieldTables) mul(x, logM uint16) uint16 {
	if x == 0 {
		return 0
	}
	return t.exp[addMod(t.log[x], logM)]
}

func (t *fieldTables) initSkew() {
	var temp [fieldBits - 1]uint16
	for i := 1; i < fieldBits; i++ {
		temp[i-1] = uint16(1 << i)
	}
	for m := 0; m < fieldBits-1; m++ {
		step := 1 << (m + 1)
		t.skew[(1<<m)-1] = 0
		for i := m; i < fieldBits-1; i++ {
			s := 1 << (i + 1)
			for j := (1 << m) - 1; j < s; j += step {
				t.skew[j+s] = t.skew[j] ^ temp[i]
			}
		}
		temp[m] = modulus - t.log[t.mul(temp[m], t.log[temp[m]^1])]
		for i := m + 1; i < fieldBits-1; i++ {
			sum := addMod(t.log[temp[i]^1], temp[m])
			temp[i] = t.mul(temp[i], sum)
		}
	}
	for i := range t.skew {
		t.skew[i] = t.log[t.skew[i]]
	}
}

func (t *fieldTables) logWalsh() *[order]uint16 {
	t.logWalshOnce.Do(func() {
		w := t.log
		w[0] = 0
		fwht(&w)
		t.logWalshTab = &w
	})
	return t.logWalshTab
}

// fwht is the fast Walsh–Hadamard transform modulo 2^16-1.
func fwht(data *[order]uint16) {
	for width := 1; width < order; width <<= 1 {
		for i := 0; i < order; i += 2 * width {
			for j := i; j < i+width; j++ {
				a, b := data[j], data[j+width]
				data[j], data[j+width] = addMod(a, b), subMod(a, b)
			}
		}
	}
}
