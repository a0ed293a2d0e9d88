// Package rs is the one-dimensional systematic Reed–Solomon code over GF(2^16)
// that Walrus's Red Stuff encoding applies along both axes of a blob.
//
// The code must be bit-exact with reed-solomon-simd 3.1, the crate the official
// Walrus encoder uses: the same field (polynomial 0x1002D, Leopard's Cantor
// basis), the same additive FFT in the Lin–Chung–Han polynomial basis, both of
// its "rates" (which give different recovery symbols for the same input) and the
// rule that picks one, and its byte layout inside a symbol.
//
// Vocabulary:
//   - element: one GF(2^16) value.
//   - symbol: S bytes (S even) holding S/2 elements. Bytes come in 64-byte
//     blocks, each holding 32 elements: the 32 low bytes, then the 32 high bytes.
//     A trailing partial block of t bytes holds t/2 low bytes, then t/2 high bytes.
//   - codeword: k original symbols followed by m recovery symbols.
//
// All operations are element-wise across a symbol, so a buffer may hold several
// symbols back to back; the code then works on all of them at once (batching).
//
// Decoding does not need to match the crate's algorithm, only to be correct: it
// uses the erasure decoder of Leopard (error-locator by Walsh transform, formal
// derivative) over each rate's layout of evaluation points.
package rs
