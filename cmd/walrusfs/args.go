package main

import (
	"strings"

	"github.com/walrusfs/walrusfs/encoding"
)

// Blob IDs are base64url, so one in 64 starts with "-" and would be taken
// for a flag. protectBlobIDs moves such arguments of the commands that take
// blob IDs behind a "--", where cobra reads them as arguments: the user may
// then paste a blob ID as it is printed.

// blobIDCommands take blob IDs as arguments.
var blobIDCommands = map[string]bool{"read": true, "blob-status": true}

// valueFlags are the flags of those commands (and the global ones) that
// take a separate value, which is never a blob ID to move.
var valueFlags = map[string]bool{
	"--network": true, "-o": true, "--output": true, "--range": true,
	"--log-format": true, "--log-level": true,
}

func protectBlobIDs(args []string) []string {
	// Find the command: the first argument that is no flag nor a flag's value.
	cmd := -1
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return args
		}
		if strings.HasPrefix(a, "-") {
			if valueFlags[a] {
				i++
			}
			continue
		}
		cmd = i
		break
	}
	if cmd < 0 || !blobIDCommands[args[cmd]] {
		return args
	}
	var kept, moved, after []string
	kept = append(kept, args[:cmd+1]...)
	for i := cmd + 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			after = args[i+1:]
			i = len(args)
		case valueFlags[a] && i+1 < len(args):
			kept = append(kept, a, args[i+1])
			i++
		case strings.HasPrefix(a, "-") && isBlobID(a):
			moved = append(moved, a)
		default:
			kept = append(kept, a)
		}
	}
	if len(moved) == 0 {
		return args
	}
	out := append(kept, "--")
	out = append(out, moved...)
	return append(out, after...)
}

func isBlobID(s string) bool {
	_, err := encoding.ParseBlobID(s)
	return err == nil
}
