// Package ledger is the default implementation of chain.Chain: an embedded
// ledger that keeps Walrus's on-chain state on one machine, with no outside
// service, and that separate processes share over HTTP.
//
// Vocabulary:
//   - transaction: one state change sent by an account (the sender): reserve
//     storage, register, certify, invalidate, delete or extend a blob,
//     publish a filesystem manifest, or, for the administrator, advance the
//     epoch. It happens entirely, with its events, or returns an error and
//     changes nothing.
//   - record: a transaction as the log stores it — inputs, sender, time,
//     sequence number and digest, never outputs.
//   - log: the append-only file LogFile in the ledger's directory. The state
//     is what replaying its records through the rules gives.
//   - digest: a transaction's name, base58 of Blake2b-256 over the previous
//     digest and the record; chained, so unique within a ledger. Object IDs
//     are Blake2b-256 of the digest and the object's index in the
//     transaction; event IDs are (digest, index of the event in it).
//   - account: a Sui-style address. Blob and storage objects belong to the
//     account that created them; only it may use, certify, extend or delete
//     them. Objects are public to read.
//   - cursor: a position in the event stream, the number of events before it;
//     stable for the life of the ledger, across restarts.
//   - chain ID: a random value chosen at genesis that tells ledgers apart.
//
// Decisions that are easy to break by accident:
//   - Write-ahead, then apply. A transaction is checked against the rules
//     without changing anything, its record is written and fsynced, and only
//     then does the state change and do waiting consumers wake. A transaction
//     that returned is on disk; one that failed left nothing on disk.
//   - The state is deterministic: rules read no clock and draw no randomness
//     (the record carries its time), so replay gives the same IDs, digests,
//     events and cursors. Replay skips only the BLS checks, which passed
//     before the record was written; every other rule runs again, and a
//     record it refuses is reported as ErrCorrupt rather than half-applied.
//   - A crash can tear only the last record, because appends are serial and
//     each is fsynced before the next. Open drops a torn last record (cut
//     short, failing its checksum at the end of the file, or zeros) and
//     truncates the file; that transaction never returned. Damage anywhere
//     else is ErrCorrupt and the file is left as it is: dropping it would
//     lose acknowledged transactions. Each record header carries its own
//     checksum, so a damaged length is not mistaken for a short write.
//   - A failed write is truncated away and the ledger goes on; a failed fsync
//     (or a failed truncation) makes the ledger refuse every further
//     transaction with ErrFailed until it is reopened, since the page cache
//     may no longer match the disk.
//   - One process owns the log (an flock on it); others use the HTTP API.
//   - Certificates are BLS-checked before the lock is taken, against the
//     committee of the moment; under the lock the result is used only if the
//     epoch is unchanged, otherwise the check runs again.
//   - Epoch changes emit EpochChangeStart and EpochChangeDone in one
//     transaction: the ledger does not wait for nodes to sync shards. With
//     Genesis.EpochDuration the ledger changes epochs itself, one at a time,
//     once the duration has passed since the last change (manual or not).
//   - End epochs are exclusive: an object expires when the current epoch
//     reaches its end epoch. Expired blob objects stay readable with Blob but
//     count for nothing in BlobStatus and can be neither certified, extended
//     nor deleted.
//   - Filesystem records are keyed by (owner, name) and keep the object ID
//     they got when created. PublishManifest is a compare and swap on their
//     version, and accepts only a manifest blob ID that a live certified
//     object registers at that moment; it emits no event.
//   - BlobStatus: among live permanent objects a certified one wins over
//     uncertified ones, then the longest-lived; InitialCertifiedEpoch is the
//     earliest certification among live objects.
//   - Members keep the order of their registrations; certificate signer
//     indices refer to it. Nodes registered without an ID get one derived
//     from their BLS key, so it stays the same across epochs.
//   - Its own records buy storage for free; Sui transactions pay. The ledger
//     also keeps what its Sui face needs (chain/suiface): coins (Coin<SUI>
//     and Coin<WAL>, granted at genesis or minted by the administrator),
//     Sui object versions (the lamport version of the record that last
//     wrote an object, seq + 1), blob attributes, and the Sui transactions
//     executed. A Sui transaction is logged as its signed bytes and replayed
//     through the same interpreter (sui_ptb.go), which applies Walrus's Move
//     rules with the checks the ledger's own records use, on copies of the
//     objects it touches: a transaction refused before execution (bad
//     signature, stale object version, too little gas) is not logged; one
//     that fails while executing (a Move abort, too little WAL) is logged,
//     charged its gas and changes nothing else, as on Sui.
//   - Events long-polls: Account.Events and Client.Events return as soon
//     as an event exists, and return nothing (no error) when the context's
//     deadline passes first, so a consumer polls with a per-call timeout and
//     never spins; a context already done is an error.
//   - The HTTP API believes no header on its own. Reads are open: chain
//     state, the committee and the nodes' TLS pins with it, is public.
//     Every transaction is signed by its sender's Sui Ed25519 key over the
//     chain ID, method, path, body digest, time and a nonce; the server
//     derives the sender from the public key, as Sui does, and accepts each
//     signed request once, within RequestWindow of its clock (the memory of
//     requests is in the handler, so requests signed before it started are
//     refused too). Sync reports are the exception: the member's BLS
//     signature in them is the proof. Admin requests (epoch changes,
//     stakes, hence the committee) need the operator's bearer token, kept
//     in a 0600 file (the devnet's DIR/ledger/admin-token, new each run),
//     and are refused from other hosts over plain HTTP. A token was chosen
//     over a unix socket so that one listener serves everything and the
//     CLI needs only the devnet's directory. Errors travel as codes that the
//     client maps back to the chain.Err* sentinels (401 Unauthenticated,
//     403 Forbidden for these refusals).
//
// Limits: the whole state, events included, lives in memory, and the log is
// never compacted, so opening replays every transaction (about 4 µs per
// small record on the development machine; BenchmarkReplay).
package ledger
