// Package integration tests walrusfs end to end with real processes: it
// builds the walrusfs binary once, runs `walrusfs devnet` (the ledger and
// storage-node processes) in a temporary directory, and drives it with the
// command line as a user would — store, read, blob-status — through node
// crashes (kill -9) and restarts of the whole network.
//
// Every process a test starts runs in a process group of its own that the
// test kills when it ends, whatever the outcome.
package integration
