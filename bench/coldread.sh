#!/usr/bin/env bash
# Cold reads of many small files: a tree (Go's own src, 11,478 files, by
# default) is copied into a walrusfs mount on its embedded network, uploaded
# and published; then the mount's tree and local copies are deleted (the
# embedded network's data and the keys stay), so that the next mount
# rebuilds the tree from the network and every file is remote. Timed, each
# after such a fresh rebuild:
#   - "tar cf - ." of the tree (listing order) into /dev/null, cold;
#   - "walrusfs warmup" of the tree, then the same tar, twice.
# For scale, the same tar through go-fuse's own loopback file system over a
# copy of the tree on local disk, in the page cache: what a FUSE file
# system that only passes calls on costs here, with no network at all; and
# through bench/memfuse, the tree held in memory by go-fuse with hour-long
# cache timeouts: no I/O at all, so the ceiling of any FUSE file system here
# (with -no-open, of one without file handles, which the kernel neither opens
# nor flushes).
# Each read is checked with "diff -r" against the source. Prints MB/s.
#
#   bench/coldread.sh [SRC]          SRC: the tree (default: $(go env GOROOT)/src)
#
# WORK (default a new directory under /var/tmp, on disk rather than tmpfs)
# is removed at the end unless KEEP=1; a kept WORK given again skips the
# copy. MOUNT_FLAGS are added to each mount; WARMUP=0 skips the warmup;
# BEFORE=BINARY also times the cold tar with another walrusfs binary (an
# older build, say), in the same run.
# Needs fusermount3, /dev/fuse and jq.
set -euo pipefail

cd "$(dirname "$0")/.."
src=${1:-$(go env GOROOT)/src}
[[ -d $src ]] || { echo "no such tree: $src" >&2; exit 2; }
src=$(cd "$src" && pwd)
for c in fusermount3 jq; do
	command -v $c >/dev/null || { echo "needs $c" >&2; exit 2; }
done

work=${WORK:-$(mktemp -d /var/tmp/walrusfs-coldread.XXXXXX)}
bin=$work/bin/walrusfs mnt=$work/mnt state=$work/state
mkdir -p "$work/bin" "$mnt" "$work/home"
echo "building into $work/bin"
go build -o "$bin" ./cmd/walrusfs
go build -o "$work/bin/loopback" github.com/hanwen/go-fuse/v2/example/loopback
go build -o "$work/bin/memfuse" ./bench/memfuse
export HOME=$work/home

wpid=
mount_fs() {
	local b=${1:-$bin}
	# shellcheck disable=SC2086
	"$b" mount --state "$state" --publish-after 300ms ${MOUNT_FLAGS:-} "$mnt" 2>>"$work/mount.log" &
	wpid=$!
	for _ in $(seq 600); do mountpoint -q "$mnt" && return; sleep 0.1; done
	tail -20 "$work/mount.log" >&2
	exit 1
}
unmount_fs() {
	# The kernel may hold the mount busy a moment after the last read.
	for i in $(seq 50); do
		"$bin" umount "$mnt" 2>/dev/null && break
		[[ $i == 50 ]] && { echo "cannot unmount $mnt" >&2; exit 1; }
		sleep 0.2
	done
	wait "$wpid" || true
	wpid=
}
cleanup() {
	fusermount3 -u "$work/lb" 2>/dev/null || true
	if [[ -n $wpid ]]; then
		kill -INT "$wpid" 2>/dev/null; sleep 1; kill -INT "$wpid" 2>/dev/null || true
		wait "$wpid" 2>/dev/null || true
	fi
	[[ ${KEEP:-} == 1 ]] || rm -rf "$work"
}
trap cleanup EXIT

# status prints the one mount's status as JSON.
status() { "$bin" status --state "$state" --json | jq '.[0]'; }

# forget deletes the mount's tree and local copies, keeping the embedded
# network (STATE/network) and the keys (STATE/keys): the next mount
# rebuilds the tree from the latest manifest, every file remote.
forget() { rm -rf "$state/fs/embedded/default"; }
# forgetTree is forget but for the on-disk read cache, which a restart keeps.
forgetTree() { find "$state/fs/embedded/default" -mindepth 1 -maxdepth 1 ! -name readcache -exec rm -rf {} +; }

secs() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); echo "$e - $s" | bc; }
# readtree reads every file of the mount's copy in listing order; GNU tar
# skips reading when its archive is /dev/null, hence the pipe.
readtree() { (cd "$mnt/tree" && tar cf - . | cat >/dev/null); }
checktree() { diff -r "$src" "$mnt/tree" >/dev/null || { echo "the mount's copy differs from $src" >&2; exit 1; }; }

files=$(find "$src" -type f | wc -l)
bytes=$(du -sb --apparent-size "$src" | cut -f1)
tar cf - "$src" 2>/dev/null | cat >/dev/null # the source in the page cache

if [[ ! -e $work/published ]]; then
	mount_fs
	echo "copying $src in and waiting until it is published"
	cp -a "$src" "$mnt/tree"
	for i in $(seq 1200); do
		st=$(status)
		[[ $(jq '.queue.files == 0 and .manifest.upToDate == true' <<<"$st") == true ]] && break
		[[ $i == 1200 ]] && { echo "not published after 10 minutes: $st" >&2; exit 1; }
		sleep 0.5
	done
	unmount_fs
	touch "$work/published" # a kept WORK is reused from here
fi

forget
mount_fs
cold=$(secs readtree)
fetched=$(status | jq '.cache.fetchedBytes')
checktree
unmount_fs

before=0
if [[ -n ${BEFORE:-} ]]; then
	forget
	mount_fs "$BEFORE"
	before=$(secs readtree)
	checktree
	unmount_fs
fi

warm=0 after=0 again=0 misses=0 restarted=0 refetched=0
if [[ ${WARMUP:-1} == 1 ]]; then
	forget
	mount_fs
	warm=$(secs "$bin" warmup "$mnt/tree")
	m0=$(status | jq '.cache.misses')
	after=$(secs readtree)
	misses=$(($(status | jq '.cache.misses') - m0))
	again=$(secs readtree) # the same mount: the kernel keeps what it read
	checktree
	unmount_fs
	# A restart: the tree rebuilt again, the read cache on disk kept.
	forgetTree
	mount_fs
	restarted=$(secs readtree)
	refetched=$(status | jq '.cache.fetchedBytes')
	checktree
	unmount_fs
fi

# The loopback reference: a fresh mount (the kernel's caches of it cold),
# the copy under it in the page cache.
mkdir -p "$work/lb" "$work/lbsrc"
[[ -d $work/lbsrc/tree ]] || cp -a "$src" "$work/lbsrc/tree"
tar cf - "$work/lbsrc" | cat >/dev/null
"$work/bin/loopback" -q "$work/lb" "$work/lbsrc" &
lbpid=$!
for _ in $(seq 100); do mountpoint -q "$work/lb" && break; sleep 0.1; done
loopback=$(secs bash -c "cd '$work/lb/tree' && tar cf - . | cat >/dev/null")
fusermount3 -u "$work/lb"
wait "$lbpid" || true
inmemory() {
	"$work/bin/memfuse" "$@" "$work/lbsrc/tree" "$work/lb" &
	lbpid=$!
	for _ in $(seq 300); do mountpoint -q "$work/lb" && break; sleep 0.1; done
	secs bash -c "cd '$work/lb' && tar cf - . | cat >/dev/null"
	fusermount3 -u "$work/lb"
	wait "$lbpid" || true
}
inmemory=$(inmemory)
noopen=$(inmemory -no-open)

mbs() { echo "$bytes / 1000000 / $1" | bc -l; }
row() { printf '%-42s %8.2f %8.1f\n' "$1" "$2" "$(mbs "$2")"; }
printf '\n%s: %d files, %d MB; %s; load average %s\n' "$src" "$files" $((bytes / 1000000)) "$(date -u +%F)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-42s %8s %8s\n' measure seconds MB/s
row "tar through go-fuse's loopback (page cache)" "$loopback"
row "tar through bench/memfuse (in memory)" "$inmemory"
row "tar through bench/memfuse -no-open" "$noopen"
row "cold tar of the tree" "$cold"
[[ -n ${BEFORE:-} ]] && row "cold tar of the tree, BEFORE binary" "$before"
if [[ ${WARMUP:-1} == 1 ]]; then
	row "warmup of the tree" "$warm"
	row "tar of the tree after warmup" "$after"
	printf 'read cache misses of the tar after warmup: %d\n' "$misses"
	row "the same tar again" "$again"
	row "tar after a restart (disk read cache kept)" "$restarted"
	printf 'fetched during the tar after the restart: %d MB\n' $((refetched / 1000000))
fi
printf 'fetched during the cold tar: %d MB\n' $((fetched / 1000000))
