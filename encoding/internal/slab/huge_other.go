//go:build !linux

package slab

func adviseHuge([]byte) {}
