//go:build amd64 && !purego

#include "textflag.h"

// Multi-buffer Blake2b compression. Vector register i holds state word v[i]
// of every message (lane k = message k), so the column and diagonal steps of
// a round need no shuffling: they just name different registers, and the
// G functions of one step are four independent dependency chains.

// ---------------------------------------------------------------------------
// AVX2, four lanes.
//
// All 16 YMM registers hold state. The transposed message block lives on the
// stack and is used through memory operands. The rotate by 63 needs a scratch
// register, so each half round parks one c word (Y11) in memory: c is not
// read again until the next half round's c += d, which then takes it
// straight from memory, giving the store time to complete.
//
// Stack frame (hardware SP):
//   0..511    message words m[0..15], 32 bytes (four lanes) each
//   512..543  Y11 while it is parked
//   544..575  IV[6] ^ f, the v[14] initialiser

#define MSG(i) (i*32)(SP)
#define PARK 512(SP)
#define IV6F 544(SP)

// TRANSPOSE2 moves message words 2j and 2j+1 of the four lanes into lane
// order: each 128-bit load holds two words of one lane; pairing lanes 0/2
// and 1/3 in the two register halves lets one unpack finish the transpose.
#define TRANSPOSE2(j, XA, YA, XB, YB, T0, T1) \
	VMOVDQU     (j*16)(R8), XA; \
	VINSERTI128 $1, (j*16)(R10), YA, YA; \
	VMOVDQU     (j*16)(R9), XB; \
	VINSERTI128 $1, (j*16)(R11), YB, YB; \
	VPUNPCKLQDQ YB, YA, T0; \
	VPUNPCKHQDQ YB, YA, T1; \
	VMOVDQU     T0, (j*64)(SP); \
	VMOVDQU     T1, (j*64+32)(SP)

// HALF runs G(a_i, b_i, c_i, d_i, m[x_i], m[y_i]) for i = 0..3, one
// instruction of each in turn. c3 must be Y11, which is parked on entry and
// on exit. Rotations: 32 by a dword shuffle, 24 and 16 by byte shuffles, 63
// as (x+x) | (x>>63).
#define HALF(a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, d0, d1, d2, d3, x0, x1, x2, x3, y0, y1, y2, y3) \
	VPADDQ  MSG(x0), a0, a0; \
	VPADDQ  MSG(x1), a1, a1; \
	VPADDQ  MSG(x2), a2, a2; \
	VPADDQ  MSG(x3), a3, a3; \
	VPADDQ  b0, a0, a0; \
	VPADDQ  b1, a1, a1; \
	VPADDQ  b2, a2, a2; \
	VPADDQ  b3, a3, a3; \
	VPXOR   a0, d0, d0; \
	VPXOR   a1, d1, d1; \
	VPXOR   a2, d2, d2; \
	VPXOR   a3, d3, d3; \
	VPSHUFD $0xb1, d0, d0; \
	VPSHUFD $0xb1, d1, d1; \
	VPSHUFD $0xb1, d2, d2; \
	VPSHUFD $0xb1, d3, d3; \
	VPADDQ  d0, c0, c0; \
	VPADDQ  d1, c1, c1; \
	VPADDQ  d2, c2, c2; \
	VPADDQ  PARK, d3, c3; \
	VPXOR   c0, b0, b0; \
	VPXOR   c1, b1, b1; \
	VPXOR   c2, b2, b2; \
	VPXOR   c3, b3, b3; \
	VPSHUFB rot24<>(SB), b0, b0; \
	VPSHUFB rot24<>(SB), b1, b1; \
	VPSHUFB rot24<>(SB), b2, b2; \
	VPSHUFB rot24<>(SB), b3, b3; \
	VPADDQ  MSG(y0), a0, a0; \
	VPADDQ  MSG(y1), a1, a1; \
	VPADDQ  MSG(y2), a2, a2; \
	VPADDQ  MSG(y3), a3, a3; \
	VPADDQ  b0, a0, a0; \
	VPADDQ  b1, a1, a1; \
	VPADDQ  b2, a2, a2; \
	VPADDQ  b3, a3, a3; \
	VPXOR   a0, d0, d0; \
	VPXOR   a1, d1, d1; \
	VPXOR   a2, d2, d2; \
	VPXOR   a3, d3, d3; \
	VPSHUFB rot16<>(SB), d0, d0; \
	VPSHUFB rot16<>(SB), d1, d1; \
	VPSHUFB rot16<>(SB), d2, d2; \
	VPSHUFB rot16<>(SB), d3, d3; \
	VPADDQ  d0, c0, c0; \
	VPADDQ  d1, c1, c1; \
	VPADDQ  d2, c2, c2; \
	VPADDQ  d3, c3, c3; \
	VPXOR   c0, b0, b0; \
	VPXOR   c1, b1, b1; \
	VPXOR   c2, b2, b2; \
	VPXOR   c3, b3, b3; \
	VMOVDQU c3, PARK; \
	VPSRLQ  $63, b0, c3; \
	VPADDQ  b0, b0, b0; \
	VPOR    c3, b0, b0; \
	VPSRLQ  $63, b1, c3; \
	VPADDQ  b1, b1, b1; \
	VPOR    c3, b1, b1; \
	VPSRLQ  $63, b2, c3; \
	VPADDQ  b2, b2, b2; \
	VPOR    c3, b2, b2; \
	VPSRLQ  $63, b3, c3; \
	VPADDQ  b3, b3, b3; \
	VPOR    c3, b3, b3

// ROUND is one Blake2b round with message schedule s: the column step
// G(v0,v4,v8,v12) .. G(v3,v7,v11,v15), then the diagonal step, ordered
// G(v0,v5,v10,v15), G(v2,v7,v8,v13), G(v3,v4,v9,v14), G(v1,v6,v11,v12) so
// that v11 is again the fourth c word.
#define ROUND(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15) \
	HALF(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15, s0, s2, s4, s6, s1, s3, s5, s7); \
	HALF(Y0, Y2, Y3, Y1, Y5, Y7, Y4, Y6, Y10, Y8, Y9, Y11, Y15, Y13, Y14, Y12, s8, s12, s14, s10, s9, s13, s15, s11)

// func hashBlocksAVX2(h *[32]uint64, buf *[4][128]byte, m *[4][]byte, off, blocks int, t, f uint64)
TEXT ·hashBlocksAVX2(SB), NOSPLIT, $576-56
	MOVQ  h+0(FP), DI
	MOVQ  m+16(FP), AX
	TESTQ AX, AX
	JZ    frombuf

	// In place: lane k starts at m[k][off:]. A slice header is 24 bytes,
	// data pointer first.
	MOVQ off+24(FP), DX
	MOVQ 0(AX), R8
	MOVQ 24(AX), R9
	MOVQ 48(AX), R10
	MOVQ 72(AX), R11
	ADDQ DX, R8
	ADDQ DX, R9
	ADDQ DX, R10
	ADDQ DX, R11
	JMP  start

frombuf:
	MOVQ buf+8(FP), R8
	LEAQ 128(R8), R9
	LEAQ 256(R8), R10
	LEAQ 384(R8), R11

start:
	MOVQ blocks+32(FP), CX
	MOVQ t+40(FP), AX

	VPBROADCASTQ f+48(FP), Y0
	VPBROADCASTQ iv<>+48(SB), Y1
	VPXOR        Y1, Y0, Y0
	VMOVDQU      Y0, IV6F

loop:
	TRANSPOSE2(0, X0, Y0, X1, Y1, Y2, Y3)
	TRANSPOSE2(1, X4, Y4, X5, Y5, Y6, Y7)
	TRANSPOSE2(2, X8, Y8, X9, Y9, Y10, Y11)
	TRANSPOSE2(3, X12, Y12, X13, Y13, Y14, Y15)
	TRANSPOSE2(4, X0, Y0, X1, Y1, Y2, Y3)
	TRANSPOSE2(5, X4, Y4, X5, Y5, Y6, Y7)
	TRANSPOSE2(6, X8, Y8, X9, Y9, Y10, Y11)
	TRANSPOSE2(7, X12, Y12, X13, Y13, Y14, Y15)

	// v[0..7] = h, v[8..15] = IV with the counter and final flag mixed in.
	// The counter's high word is always zero: messages are far below 2^64.
	VMOVDQU      (0*32)(DI), Y0
	VMOVDQU      (1*32)(DI), Y1
	VMOVDQU      (2*32)(DI), Y2
	VMOVDQU      (3*32)(DI), Y3
	VMOVDQU      (4*32)(DI), Y4
	VMOVDQU      (5*32)(DI), Y5
	VMOVDQU      (6*32)(DI), Y6
	VMOVDQU      (7*32)(DI), Y7
	VPBROADCASTQ iv<>+0(SB), Y8
	VPBROADCASTQ iv<>+8(SB), Y9
	VPBROADCASTQ iv<>+16(SB), Y10
	VPBROADCASTQ iv<>+24(SB), Y11
	VMOVDQU      Y11, PARK
	VMOVQ        AX, X12
	VPBROADCASTQ X12, Y12
	VPBROADCASTQ iv<>+32(SB), Y13
	VPXOR        Y13, Y12, Y12
	VPBROADCASTQ iv<>+40(SB), Y13
	VMOVDQU      IV6F, Y14
	VPBROADCASTQ iv<>+56(SB), Y15

	ROUND(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
	ROUND(14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3)
	ROUND(11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4)
	ROUND(7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8)
	ROUND(9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13)
	ROUND(2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9)
	ROUND(12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11)
	ROUND(13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10)
	ROUND(6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5)
	ROUND(10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0)
	ROUND(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
	ROUND(14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3)

	// h ^= v[0..7] ^ v[8..15]
	VPXOR   Y8, Y0, Y0
	VPXOR   Y9, Y1, Y1
	VPXOR   Y10, Y2, Y2
	VPXOR   PARK, Y3, Y3
	VPXOR   Y12, Y4, Y4
	VPXOR   Y13, Y5, Y5
	VPXOR   Y14, Y6, Y6
	VPXOR   Y15, Y7, Y7
	VPXOR   (0*32)(DI), Y0, Y0
	VPXOR   (1*32)(DI), Y1, Y1
	VPXOR   (2*32)(DI), Y2, Y2
	VPXOR   (3*32)(DI), Y3, Y3
	VPXOR   (4*32)(DI), Y4, Y4
	VPXOR   (5*32)(DI), Y5, Y5
	VPXOR   (6*32)(DI), Y6, Y6
	VPXOR   (7*32)(DI), Y7, Y7
	VMOVDQU Y0, (0*32)(DI)
	VMOVDQU Y1, (1*32)(DI)
	VMOVDQU Y2, (2*32)(DI)
	VMOVDQU Y3, (3*32)(DI)
	VMOVDQU Y4, (4*32)(DI)
	VMOVDQU Y5, (5*32)(DI)
	VMOVDQU Y6, (6*32)(DI)
	VMOVDQU Y7, (7*32)(DI)

	ADDQ $128, R8
	ADDQ $128, R9
	ADDQ $128, R10
	ADDQ $128, R11
	ADDQ $128, AX
	DECQ CX
	JNZ  loop

	VZEROUPPER
	RET

// ---------------------------------------------------------------------------
// AVX-512, eight lanes.
//
// With 32 ZMM registers the state (Z0..Z15) and the whole transposed
// message block (m[i] in Z16+i) stay in registers, and VPRORQ rotates in one
// instruction, so nothing is spilled.

// TRANSPOSE8 puts message words 2j and 2j+1 of the eight lanes into D0, D1:
// Z0 collects the 128-bit word pairs of lanes 0, 2, 4, 6, Z1 those of lanes
// 1, 3, 5, 7, and one unpack interleaves them.
#define TRANSPOSE8(j, D0, D1) \
	VMOVDQU      (j*16)(R8), X0; \
	VINSERTI32X4 $1, (j*16)(R10), Z0, Z0; \
	VINSERTI32X4 $2, (j*16)(R12), Z0, Z0; \
	VINSERTI32X4 $3, (j*16)(SI), Z0, Z0; \
	VMOVDQU      (j*16)(R9), X1; \
	VINSERTI32X4 $1, (j*16)(R11), Z1, Z1; \
	VINSERTI32X4 $2, (j*16)(R13), Z1, Z1; \
	VINSERTI32X4 $3, (j*16)(BX), Z1, Z1; \
	VPUNPCKLQDQ  Z1, Z0, D0; \
	VPUNPCKHQDQ  Z1, Z0, D1

// HALF8 is HALF with message words in registers and single-instruction
// rotations.
#define HALF8(a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, d0, d1, d2, d3, x0, x1, x2, x3, y0, y1, y2, y3) \
	VPADDQ x0, a0, a0; \
	VPADDQ x1, a1, a1; \
	VPADDQ x2, a2, a2; \
	VPADDQ x3, a3, a3; \
	VPADDQ b0, a0, a0; \
	VPADDQ b1, a1, a1; \
	VPADDQ b2, a2, a2; \
	VPADDQ b3, a3, a3; \
	VPXORQ a0, d0, d0; \
	VPXORQ a1, d1, d1; \
	VPXORQ a2, d2, d2; \
	VPXORQ a3, d3, d3; \
	VPRORQ $32, d0, d0; \
	VPRORQ $32, d1, d1; \
	VPRORQ $32, d2, d2; \
	VPRORQ $32, d3, d3; \
	VPADDQ d0, c0, c0; \
	VPADDQ d1, c1, c1; \
	VPADDQ d2, c2, c2; \
	VPADDQ d3, c3, c3; \
	VPXORQ c0, b0, b0; \
	VPXORQ c1, b1, b1; \
	VPXORQ c2, b2, b2; \
	VPXORQ c3, b3, b3; \
	VPRORQ $24, b0, b0; \
	VPRORQ $24, b1, b1; \
	VPRORQ $24, b2, b2; \
	VPRORQ $24, b3, b3; \
	VPADDQ y0, a0, a0; \
	VPADDQ y1, a1, a1; \
	VPADDQ y2, a2, a2; \
	VPADDQ y3, a3, a3; \
	VPADDQ b0, a0, a0; \
	VPADDQ b1, a1, a1; \
	VPADDQ b2, a2, a2; \
	VPADDQ b3, a3, a3; \
	VPXORQ a0, d0, d0; \
	VPXORQ a1, d1, d1; \
	VPXORQ a2, d2, d2; \
	VPXORQ a3, d3, d3; \
	VPRORQ $16, d0, d0; \
	VPRORQ $16, d1, d1; \
	VPRORQ $16, d2, d2; \
	VPRORQ $16, d3, d3; \
	VPADDQ d0, c0, c0; \
	VPADDQ d1, c1, c1; \
	VPADDQ d2, c2, c2; \
	VPADDQ d3, c3, c3; \
	VPXORQ c0, b0, b0; \
	VPXORQ c1, b1, b1; \
	VPXORQ c2, b2, b2; \
	VPXORQ c3, b3, b3; \
	VPRORQ $63, b0, b0; \
	VPRORQ $63, b1, b1; \
	VPRORQ $63, b2, b2; \
	VPRORQ $63, b3, b3

// Message word i lives in register Z16+i.
#define M0 Z16
#define M1 Z17
#define M2 Z18
#define M3 Z19
#define M4 Z20
#define M5 Z21
#define M6 Z22
#define M7 Z23
#define M8 Z24
#define M9 Z25
#define M10 Z26
#define M11 Z27
#define M12 Z28
#define M13 Z29
#define M14 Z30
#define M15 Z31

#define ROUND8(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15) \
	HALF8(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15, s0, s2, s4, s6, s1, s3, s5, s7); \
	HALF8(Z0, Z1, Z2, Z3, Z5, Z6, Z7, Z4, Z10, Z11, Z8, Z9, Z15, Z12, Z13, Z14, s8, s10, s12, s14, s9, s11, s13, s15)

// func hashBlocksAVX512(h *[64]uint64, buf *[8][128]byte, m *[8][]byte, off, blocks int, t, f uint64)
TEXT ·hashBlocksAVX512(SB), NOSPLIT, $0-56
	MOVQ  h+0(FP), DI
	MOVQ  m+16(FP), AX
	TESTQ AX, AX
	JZ    frombuf8

	MOVQ off+24(FP), DX
	MOVQ 0(AX), R8
	MOVQ 24(AX), R9
	MOVQ 48(AX), R10
	MOVQ 72(AX), R11
	MOVQ 96(AX), R12
	MOVQ 120(AX), R13
	MOVQ 144(AX), SI
	MOVQ 168(AX), BX
	ADDQ DX, R8
	ADDQ DX, R9
	ADDQ DX, R10
	ADDQ DX, R11
	ADDQ DX, R12
	ADDQ DX, R13
	ADDQ DX, SI
	ADDQ DX, BX
	JMP  start8

frombuf8:
	MOVQ buf+8(FP), R8
	LEAQ 128(R8), R9
	LEAQ 256(R8), R10
	LEAQ 384(R8), R11
	LEAQ 512(R8), R12
	LEAQ 640(R8), R13
	LEAQ 768(R8), SI
	LEAQ 896(R8), BX

start8:
	MOVQ blocks+32(FP), CX
	MOVQ t+40(FP), AX
	MOVQ f+48(FP), DX

loop8:
	TRANSPOSE8(0, M0, M1)
	TRANSPOSE8(1, M2, M3)
	TRANSPOSE8(2, M4, M5)
	TRANSPOSE8(3, M6, M7)
	TRANSPOSE8(4, M8, M9)
	TRANSPOSE8(5, M10, M11)
	TRANSPOSE8(6, M12, M13)
	TRANSPOSE8(7, M14, M15)

	VMOVDQU64    (0*64)(DI), Z0
	VMOVDQU64    (1*64)(DI), Z1
	VMOVDQU64    (2*64)(DI), Z2
	VMOVDQU64    (3*64)(DI), Z3
	VMOVDQU64    (4*64)(DI), Z4
	VMOVDQU64    (5*64)(DI), Z5
	VMOVDQU64    (6*64)(DI), Z6
	VMOVDQU64    (7*64)(DI), Z7
	VPBROADCASTQ iv<>+0(SB), Z8
	VPBROADCASTQ iv<>+8(SB), Z9
	VPBROADCASTQ iv<>+16(SB), Z10
	VPBROADCASTQ iv<>+24(SB), Z11
	VPBROADCASTQ AX, Z12
	VPBROADCASTQ iv<>+32(SB), Z13
	VPXORQ       Z13, Z12, Z12
	VPBROADCASTQ iv<>+40(SB), Z13
	VPBROADCASTQ DX, Z14
	VPBROADCASTQ iv<>+48(SB), Z15
	VPXORQ       Z15, Z14, Z14
	VPBROADCASTQ iv<>+56(SB), Z15

	ROUND8(M0, M1, M2, M3, M4, M5, M6, M7, M8, M9, M10, M11, M12, M13, M14, M15)
	ROUND8(M14, M10, M4, M8, M9, M15, M13, M6, M1, M12, M0, M2, M11, M7, M5, M3)
	ROUND8(M11, M8, M12, M0, M5, M2, M15, M13, M10, M14, M3, M6, M7, M1, M9, M4)
	ROUND8(M7, M9, M3, M1, M13, M12, M11, M14, M2, M6, M5, M10, M4, M0, M15, M8)
	ROUND8(M9, M0, M5, M7, M2, M4, M10, M15, M14, M1, M11, M12, M6, M8, M3, M13)
	ROUND8(M2, M12, M6, M10, M0, M11, M8, M3, M4, M13, M7, M5, M15, M14, M1, M9)
	ROUND8(M12, M5, M1, M15, M14, M13, M4, M10, M0, M7, M6, M3, M9, M2, M8, M11)
	ROUND8(M13, M11, M7, M14, M12, M1, M3, M9, M5, M0, M15, M4, M8, M6, M2, M10)
	ROUND8(M6, M15, M14, M9, M11, M3, M0, M8, M12, M2, M13, M7, M1, M4, M10, M5)
	ROUND8(M10, M2, M8, M4, M7, M6, M1, M5, M15, M11, M9, M14, M3, M12, M13, M0)
	ROUND8(M0, M1, M2, M3, M4, M5, M6, M7, M8, M9, M10, M11, M12, M13, M14, M15)
	ROUND8(M14, M10, M4, M8, M9, M15, M13, M6, M1, M12, M0, M2, M11, M7, M5, M3)

	// h ^= v[0..7] ^ v[8..15]: one three-way XOR each (truth table 0x96).
	VPTERNLOGQ $0x96, (0*64)(DI), Z8, Z0
	VPTERNLOGQ $0x96, (1*64)(DI), Z9, Z1
	VPTERNLOGQ $0x96, (2*64)(DI), Z10, Z2
	VPTERNLOGQ $0x96, (3*64)(DI), Z11, Z3
	VPTERNLOGQ $0x96, (4*64)(DI), Z12, Z4
	VPTERNLOGQ $0x96, (5*64)(DI), Z13, Z5
	VPTERNLOGQ $0x96, (6*64)(DI), Z14, Z6
	VPTERNLOGQ $0x96, (7*64)(DI), Z15, Z7
	VMOVDQU64  Z0, (0*64)(DI)
	VMOVDQU64  Z1, (1*64)(DI)
	VMOVDQU64  Z2, (2*64)(DI)
	VMOVDQU64  Z3, (3*64)(DI)
	VMOVDQU64  Z4, (4*64)(DI)
	VMOVDQU64  Z5, (5*64)(DI)
	VMOVDQU64  Z6, (6*64)(DI)
	VMOVDQU64  Z7, (7*64)(DI)

	ADDQ $128, R8
	ADDQ $128, R9
	ADDQ $128, R10
	ADDQ $128, R11
	ADDQ $128, R12
	ADDQ $128, R13
	ADDQ $128, SI
	ADDQ $128, BX
	ADDQ $128, AX
	DECQ CX
	JNZ  loop8

	VZEROUPPER
	RET

// Blake2b IV; each word is broadcast to all lanes where it is used.
DATA iv<>+0(SB)/8, $0x6a09e667f3bcc908
DATA iv<>+8(SB)/8, $0xbb67ae8584caa73b
DATA iv<>+16(SB)/8, $0x3c6ef372fe94f82b
DATA iv<>+24(SB)/8, $0xa54ff53a5f1d36f1
DATA iv<>+32(SB)/8, $0x510e527fade682d1
DATA iv<>+40(SB)/8, $0x9b05688c2b3e6c1f
DATA iv<>+48(SB)/8, $0x1f83d9abfb41bd6b
DATA iv<>+56(SB)/8, $0x5be0cd19137e2179
GLOBL iv<>(SB), RODATA|NOPTR, $64

// VPSHUFB masks rotating each 64-bit word right by 24 and by 16 bits: result
// byte i takes source byte (i+3) mod 8, resp. (i+2) mod 8, of its word.
DATA rot24<>+0(SB)/8, $0x0201000706050403
DATA rot24<>+8(SB)/8, $0x0a09080f0e0d0c0b
DATA rot24<>+16(SB)/8, $0x0201000706050403
DATA rot24<>+24(SB)/8, $0x0a09080f0e0d0c0b
GLOBL rot24<>(SB), RODATA|NOPTR, $32

DATA rot16<>+0(SB)/8, $0x0100070605040302
DATA rot16<>+8(SB)/8, $0x09080f0e0d0c0b0a
DATA rot16<>+16(SB)/8, $0x0100070605040302
DATA rot16<>+24(SB)/8, $0x09080f0e0d0c0b0a
GLOBL rot16<>(SB), RODATA|NOPTR, $32
