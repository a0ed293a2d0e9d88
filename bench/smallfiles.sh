#!/usr/bin/env bash
# Small files, as a user meets them: "cp -a" of a real source tree (Go's own
# src, 11,478 files, by default) and 10,000 creates of 4 KiB files
# (bench/smallfiles), each timed until the command returns, into
#   - local disk (a directory of WORK),
#   - go-fuse's own loopback file system over local disk (example/loopback
#     of the go-fuse version in go.mod), and
#   - a walrusfs mount on its embedded network (default flags), its state in WORK,
# in the same run, one after the other, so that their ratios compare like
# with like on a machine whose disk speed varies between runs. Prints a
# table; ratio = loopback time ÷ walrusfs time (higher is better; the goal
# is ≥ 0.5).
#
#   bench/smallfiles.sh [SRC]          SRC: the tree to copy (default: $(go env GOROOT)/src)
#
# WORK (default a new directory under /var/tmp, on disk rather than tmpfs)
# is removed at the end unless KEEP=1. Needs fusermount3 and /dev/fuse.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
src=${1:-$(go env GOROOT)/src}
[[ -d $src ]] || { echo "no such tree: $src" >&2; exit 2; }
command -v fusermount3 >/dev/null || { echo "needs fusermount3 (Debian's fuse3)" >&2; exit 2; }

work=${WORK:-$(mktemp -d /var/tmp/walrusfs-smallfiles.XXXXXX)}
mkdir -p "$work/bin"
echo "building into $work/bin"
go build -o "$work/bin/walrusfs" ./cmd/walrusfs
go build -o "$work/bin/smallfiles" ./bench/smallfiles
go build -o "$work/bin/loopback" github.com/hanwen/go-fuse/v2/example/loopback

mnt=$work/mnt lb=$work/lb lbsrc=$work/lbsrc disk=$work/disk
mkdir -p "$mnt" "$lb" "$lbsrc" "$disk" "$work/home"
cleanup() {
	fusermount3 -u "$lb" 2>/dev/null || true
	if mountpoint -q "$mnt"; then
		# Not the queue's drain: what was copied is not waited for.
		kill -INT "$wpid" 2>/dev/null; sleep 1; kill -INT "$wpid" 2>/dev/null || true
		wait "$wpid" 2>/dev/null || true
	fi
	[[ ${KEEP:-} == 1 ]] || rm -rf "$work"
}
trap cleanup EXIT

"$work/bin/loopback" -q "$lb" "$lbsrc" &
HOME=$work/home "$work/bin/walrusfs" mount --state "$work/state" "$mnt" 2>"$work/mount.log" &
wpid=$!
for _ in $(seq 100); do mountpoint -q "$mnt" && mountpoint -q "$lb" && break; sleep 0.2; done
mountpoint -q "$mnt" || { cat "$work/mount.log" >&2; exit 1; }

files=$(find "$src" -type f | wc -l)
bytes=$(du -sb "$src" | cut -f1)
# The source in the page cache for all three.
tar cf - "$src" 2>/dev/null >/dev/null

secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
declare -A cp mk
for t in disk lb mnt; do
	dir=${!t}
	sync
	cp[$t]=$(secs cp -a "$src" "$dir/tree")
	sync
	mk[$t]=$(secs "$work/bin/smallfiles" "$dir/small")
done
# Every byte copied in reads back equal.
diff -r "$src" "$mnt/tree" >/dev/null || { echo "the mount's copy differs from $src" >&2; exit 1; }

printf '\n%s: %d files, %d MB; %s\n' "$src" "$files" $((bytes / 1000000)) "$(date -u +%F)"
printf '%-34s %10s %10s %10s %8s\n' measure disk loopback walrusfs ratio
for m in cp mk; do
	declare -n r=$m
	label="cp -a of the tree (s)"
	[[ $m == mk ]] && label="10,000 creates of 4 KiB (s)"
	printf '%-34s %10.2f %10.2f %10.2f %8.2f\n' "$label" "${r[disk]}" "${r[lb]}" "${r[mnt]}" "$(echo "${r[lb]} / ${r[mnt]}" | bc -l)"
done
