//go:build !purego

#include "textflag.h"

// Each 64-byte block holds the 32 low bytes, then the 32 high bytes, of 32
// GF(2^16) elements. The loops do one block per iteration: calls are often
// only a few blocks long, and out-of-order execution overlaps iterations.

// ---- AVX2: VPSHUFB lookups in the nibble tables of a nibbleTable ----

// AVX2_SETUP broadcasts the eight 16-byte tables to Y7..Y14 (Y7..Y10: low
// product bytes for nibbles 0..3, Y11..Y14: high bytes) and the nibble mask
// to Y15 (X15 is scratch in ABI0 code).
#define AVX2_SETUP(tab) \
	VBROADCASTI128 0(tab), Y7;    \
	VBROADCASTI128 16(tab), Y8;   \
	VBROADCASTI128 32(tab), Y9;   \
	VBROADCASTI128 48(tab), Y10;  \
	VBROADCASTI128 64(tab), Y11;  \
	VBROADCASTI128 80(tab), Y12;  \
	VBROADCASTI128 96(tab), Y13;  \
	VBROADCASTI128 112(tab), Y14; \
	MOVQ           $0x0f0f0f0f0f0f0f0f, R8; \
	VMOVQ          R8, X15;       \
	VPBROADCASTQ   X15, Y15

// AVX2_MUL sets Y4 (low bytes), Y5 (high bytes) to m times the elements
// whose low bytes are in Y0 and high bytes in Y1. Clobbers Y0..Y3, Y6.
// VPSRLQ shifts whole qwords; the mask drops the bits crossing bytes.
#define AVX2_MUL \
	VPSRLQ  $4, Y0, Y2;   \
	VPSRLQ  $4, Y1, Y3;   \
	VPAND   Y15, Y0, Y0;  \
	VPAND   Y15, Y1, Y1;  \
	VPAND   Y15, Y2, Y2;  \
	VPAND   Y15, Y3, Y3;  \
	VPSHUFB Y0, Y7, Y4;   \
	VPSHUFB Y2, Y8, Y5;   \
	VPXOR   Y5, Y4, Y4;   \
	VPSHUFB Y1, Y9, Y5;   \
	VPSHUFB Y3, Y10, Y6;  \
	VPXOR   Y6, Y5, Y5;   \
	VPXOR   Y5, Y4, Y4;   \
	VPSHUFB Y0, Y11, Y0;  \
	VPSHUFB Y2, Y12, Y2;  \
	VPXOR   Y2, Y0, Y0;   \
	VPSHUFB Y1, Y13, Y1;  \
	VPSHUFB Y3, Y14, Y3;  \
	VPXOR   Y3, Y1, Y1;   \
	VPXOR   Y1, Y0, Y5

// func fftAVX2(x, y []byte, tab *nibbleTable)
// x ^= y·m; y ^= x
TEXT ·fftAVX2(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), SI
	MOVQ tab+48(FP), AX
	SHRQ $6, CX
	JZ   fftAVX2Done
	AVX2_SETUP(AX)

fftAVX2Loop:
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y1
	AVX2_MUL
	VPXOR   (DI), Y4, Y4
	VPXOR   32(DI), Y5, Y5
	VMOVDQU Y4, (DI)
	VMOVDQU Y5, 32(DI)
	VPXOR   (SI), Y4, Y4
	VPXOR   32(SI), Y5, Y5
	VMOVDQU Y4, (SI)
	VMOVDQU Y5, 32(SI)
	ADDQ    $64, DI
	ADDQ    $64, SI
	DECQ    CX
	JNZ     fftAVX2Loop
	VZEROUPPER

fftAVX2Done:
	RET

// func ifftAVX2(x, y []byte, tab *nibbleTable)
// y ^= x; x ^= y·m
TEXT ·ifftAVX2(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), SI
	MOVQ tab+48(FP), AX
	SHRQ $6, CX
	JZ   ifftAVX2Done
	AVX2_SETUP(AX)

ifftAVX2Loop:
	VMOVDQU (DI), Y0
	VMOVDQU 32(DI), Y1
	VPXOR   (SI), Y0, Y0
	VPXOR   32(SI), Y1, Y1
	VMOVDQU Y0, (SI)
	VMOVDQU Y1, 32(SI)
	AVX2_MUL
	VPXOR   (DI), Y4, Y4
	VPXOR   32(DI), Y5, Y5
	VMOVDQU Y4, (DI)
	VMOVDQU Y5, 32(DI)
	ADDQ    $64, DI
	ADDQ    $64, SI
	DECQ    CX
	JNZ     ifftAVX2Loop
	VZEROUPPER

ifftAVX2Done:
	RET

// func mulAVX2(dst, src []byte, tab *nibbleTable)
TEXT ·mulAVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	MOVQ tab+48(FP), AX
	SHRQ $6, CX
	JZ   mulAVX2Done
	AVX2_SETUP(AX)

mulAVX2Loop:
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y1
	AVX2_MUL
	VMOVDQU Y4, (DI)
	VMOVDQU Y5, 32(DI)
	ADDQ    $64, DI
	ADDQ    $64, SI
	DECQ    CX
	JNZ     mulAVX2Loop
	VZEROUPPER

mulAVX2Done:
	RET

// ---- GFNI: VGF2P8AFFINEQB with the bit matrices of an affineTable ----

// GFNI_SETUP broadcasts the matrices low←low, low←high, high←low, high←high
// to Y8..Y11.
#define GFNI_SETUP(mat) \
	VPBROADCASTQ 0(mat), Y8;   \
	VPBROADCASTQ 8(mat), Y9;   \
	VPBROADCASTQ 16(mat), Y10; \
	VPBROADCASTQ 24(mat), Y11

// GFNI_TERMS sets Y2^Y3 (low bytes) and Y4^Y5 (high bytes) to m times the
// elements whose low bytes are in Y0 and high bytes in Y1; the XORs are left
// to the caller, which can often fold a third operand into them.
#define GFNI_TERMS \
	VGF2P8AFFINEQB $0, Y8, Y0, Y2;  \
	VGF2P8AFFINEQB $0, Y9, Y1, Y3;  \
	VGF2P8AFFINEQB $0, Y10, Y0, Y4; \
	VGF2P8AFFINEQB $0, Y11, Y1, Y5

// func fftGFNI(x, y []byte, mat *affineTable)
// x ^= y·m; y ^= x
TEXT ·fftGFNI(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), SI
	MOVQ mat+48(FP), AX
	SHRQ $6, CX
	JZ   fftGFNIDone
	GFNI_SETUP(AX)

fftGFNILoop:
	VMOVDQU    (SI), Y0
	VMOVDQU    32(SI), Y1
	GFNI_TERMS
	VPTERNLOGQ $0x96, (DI), Y3, Y2   // three-way XOR
	VPTERNLOGQ $0x96, 32(DI), Y5, Y4
	VMOVDQU    Y2, (DI)
	VMOVDQU    Y4, 32(DI)
	VPXOR      Y2, Y0, Y0
	VPXOR      Y4, Y1, Y1
	VMOVDQU    Y0, (SI)
	VMOVDQU    Y1, 32(SI)
	ADDQ       $64, DI
	ADDQ       $64, SI
	DECQ       CX
	JNZ        fftGFNILoop
	VZEROUPPER

fftGFNIDone:
	RET

// func ifftGFNI(x, y []byte, mat *affineTable)
// y ^= x; x ^= y·m
TEXT ·ifftGFNI(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), SI
	MOVQ mat+48(FP), AX
	SHRQ $6, CX
	JZ   ifftGFNIDone
	GFNI_SETUP(AX)

ifftGFNILoop:
	VMOVDQU    (DI), Y6
	VMOVDQU    32(DI), Y7
	VPXOR      (SI), Y6, Y0
	VPXOR      32(SI), Y7, Y1
	VMOVDQU    Y0, (SI)
	VMOVDQU    Y1, 32(SI)
	GFNI_TERMS
	VPTERNLOGQ $0x96, Y6, Y3, Y2
	VPTERNLOGQ $0x96, Y7, Y5, Y4
	VMOVDQU    Y2, (DI)
	VMOVDQU    Y4, 32(DI)
	ADDQ       $64, DI
	ADDQ       $64, SI
	DECQ       CX
	JNZ        ifftGFNILoop
	VZEROUPPER

ifftGFNIDone:
	RET

// func mulGFNI(dst, src []byte, mat *affineTable)
TEXT ·mulGFNI(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	MOVQ mat+48(FP), AX
	SHRQ $6, CX
	JZ   mulGFNIDone
	GFNI_SETUP(AX)

mulGFNILoop:
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y1
	GFNI_TERMS
	VPXOR   Y3, Y2, Y2
	VPXOR   Y5, Y4, Y4
	VMOVDQU Y2, (DI)
	VMOVDQU Y4, 32(DI)
	ADDQ    $64, DI
	ADDQ    $64, SI
	DECQ    CX
	JNZ     mulGFNILoop
	VZEROUPPER

mulGFNIDone:
	RET
