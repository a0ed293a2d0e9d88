// Package encoding is Red Stuff (Walrus encoding type RS2): the two-dimensional
// Reed–Solomon encoding of a blob into sliver pairs, the Merkle commitments and
// blob ID over them, sliver verification, decoding, sliver recovery and
// inconsistency proofs. It is byte-compatible with the official Walrus encoder:
// the same blob gives the same slivers, metadata and blob ID.
//
// Vocabulary (n shards, f = ⌊(n−1)/3⌋):
//   - symbol: S bytes (S even), one cell of the blob's matrix.
//   - message matrix: the blob, zero-padded, as k_p = n−2f rows × k_s = n−f
//     columns of symbols, row-major.
//   - expanded matrix E: n × n symbols; every row is the secondary code (k_s →
//     n) of its first k_s symbols, every column the primary code (k_p → n) of
//     its first k_p symbols.
//   - primary sliver i: E[i][0:k_s]; secondary sliver j: E[0:k_p][j].
//   - sliver pair p: primary sliver p and secondary sliver n−1−p; pair p lives
//     on shard (p + rotation) mod n, rotation = blob ID (big-endian) mod n.
//   - primary hash of pair p: Merkle root over row p of E; secondary hash:
//     Merkle root over column n−1−p. Both are Blake2b-256 trees.
//   - metadata: the n pairs of hashes; root hash: Merkle root over the pairs;
//     blob ID: Blake2b-256(encoding type ‖ length ‖ root hash).
//   - recovery symbol: one cell of E, with its Merkle proof, that a holder of
//     one sliver sends so that another node can rebuild a sliver it lacks.
//
// Decisions that are easy to break by accident:
//   - The 1-D code is reed-solomon-simd's (see package rs), not a generic RS.
//   - The blob ID is little-endian as a Move u256 but the shard rotation reads
//     it big-endian.
//   - Merkle levels with an odd count are padded with 32 zero bytes, not with a
//     hash; proofs carry that padding as the Empty node.
//   - Nothing received from the network is trusted: every sliver and symbol is
//     checked against the metadata, and the metadata against the blob ID.
package encoding
