//go:build !linux

package devnet

import "syscall"

// childSysProcAttr has no parent-death signal outside Linux: nodes of a
// devnet that is killed outright keep running until stopped.
func childSysProcAttr() *syscall.SysProcAttr { return nil }
