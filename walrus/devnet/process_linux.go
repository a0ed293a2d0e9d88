package devnet

import "syscall"

// childSysProcAttr makes the kernel send a node SIGTERM when the devnet
// dies, even by SIGKILL, so that no node outlives it.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
