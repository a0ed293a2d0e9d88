//go:build !unix

package main

// lockDir does nothing where flock is missing; the ledger's own lock still
// keeps a second devnet off a directory that holds a network.
func lockDir(string) (func(), error) { return func() {}, nil }
