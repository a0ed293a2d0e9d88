#!/usr/bin/env bash
# Crash torture of the mount, a long run outside CI's time: for DURATION,
# writers, a reader, and a goroutine that renames (within and across
# directories) and deletes work in parallel on a walrusfs mount of the
# embedded network, while the mount is killed with SIGKILL every 20-90 s
# and mounted again (every other mount with --no-passthrough). It checks the
# mount's promises: a file whose close() returned survives a kill with its
# name and exact content, fsync'd data survives, deleted and renamed-away
# names stay gone, and a file being written at the kill holds its previous
# content or a prefix of the new one. After each remount, and after a final
# clean unmount and mount, every file is read and compared; see
# bench/torture/main.go for how.
#
#   bench/torture.sh [DURATION] [torture flags...]
#
# DURATION is a Go duration, default 30m (2m makes a short run that still
# sees a kill or two: add -kill-min 15s -kill-max 40s). Further flags go to
# the program (-seed N repeats a run's contents and choices; -writers,
# -readers, -movers, -max-size, -pace, -mix-passthrough=false; see
# `go run ./bench/torture -h`). The work directory, WORK (default a new one
# under /tmp), keeps journal.jsonl (the fsync'd journal), torture.log,
# mount.log and summary.json. Exits 0 only if no failure was found.
set -euo pipefail

cd "$(dirname "$0")/.."
duration=${1:-30m}
shift || true
command -v fusermount3 >/dev/null || { echo "needs fusermount3 (Debian's fuse3)" >&2; exit 2; }
bin=$PWD/.cache/torture
mkdir -p "$bin"
go build -o "$bin/walrusfs" ./cmd/walrusfs
go build -o "$bin/torture" ./bench/torture
work=${WORK:-$(mktemp -d /tmp/walrusfs-torture.XXXXXX)}
exec "$bin/torture" -walrusfs "$bin/walrusfs" -work "$work" -duration "$duration" "$@"
