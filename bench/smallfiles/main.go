// Command smallfiles creates N files of SIZE bytes in a directory, one after
// another (create, write, close), as an unpacking tool or a dataset writer
// does, and prints the files per second. bench/smallfiles.sh runs it on the
// mount and on its baselines.
//
//	smallfiles [-n 10000] [-size 4096] DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

func main() {
	n := flag.Int("n", 10000, "number of files")
	size := flag.Int("size", 4096, "bytes per file")
	flag.Parse()
	if flag.NArg() != 1 || *n < 1 || *size < 0 {
		fmt.Fprintln(os.Stderr, "usage: smallfiles [-n N] [-size BYTES] DIR")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *n, *size); err != nil {
		fmt.Fprintln(os.Stderr, "smallfiles:", err)
		os.Exit(1)
	}
}

func run(dir string, n, size int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	buf := make([]byte, size)
	start := time.Now()
	for i := range n {
		// Contents differ per file, as real files do (the mount dedups equal ones).
		for j := 0; j+8 <= len(buf); j += 8 {
			buf[j] = byte(i)
			buf[j+1] = byte(i >> 8)
			buf[j+2] = byte(i >> 16)
			buf[j+3] = byte(j)
		}
		// One directory per 1,000 files, as trees of real files are split.
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", i/1000))
		if i%1000 == 0 {
			if err := os.Mkdir(sub, 0o755); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%05d", i)), buf, 0o644); err != nil {
			return err
		}
	}
	d := time.Since(start)
	fmt.Printf("%d files of %d bytes in %.3f s: %.0f files/s\n", n, size, d.Seconds(), float64(n)/d.Seconds())
	return nil
}
