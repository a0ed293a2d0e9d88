#!/usr/bin/env bash
# Runs fsx, the file system exerciser of xfstests (ltp/fsx.c), on a walrusfs
# mount of the embedded network: one file driven by NUMOPS random reads,
# writes, mapped reads and writes, truncates, fallocate, punch-hole,
# zero-range and copy-range calls, each checked against fsx's own copy of
# what the file should hold. A long run, outside CI's time.
#
#   XFSTESTS_SRC=/path/to/xfstests bench/fsx.sh [NUMOPS] [passthrough|no-passthrough]
#   FSX=/path/to/fsx bench/fsx.sh [NUMOPS] [MODE]
#
# NUMOPS defaults to 1000000. MODE passthrough (the default, what a user gets:
# reads and writes of local content go from the kernel to the cache file) or
# no-passthrough (every read and write goes through the walrusfs process).
# fsx closes and reopens the file about once in FSX_CLOSE (default 1000)
# operations, so that each close hands the file to the upload queue; its seed
# is FSX_SEED (default 1), extra fsx flags FSX_FLAGS.
#
# No Debian package ships fsx, so it is built here, with gcc, from an xfstests
# checkout given as XFSTESTS_SRC (ltp/fsx.c with src/global.h and src/statx.h;
# the configure step is replaced by a config.h written below), into
# .cache/fsx; or FSX names a built fsx. The mount uses the walrusfs built from
# this tree into .cache/fsx/walrusfs. Everything else lives in WORK (default
# a new directory under /tmp), which is kept: fsx's logs (fsx.out, and
# file.fsxlog/.fsxgood on failure) and the mount's log are there. Exits 0
# only if fsx completed every operation and the mount unmounted cleanly.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
numops=${1:-1000000}
mode=${2:-passthrough}
[[ $numops =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [NUMOPS] [passthrough|no-passthrough]" >&2; exit 2; }
case $mode in
passthrough) mountflags=() ;;
no-passthrough) mountflags=(--no-passthrough) ;;
*) echo "usage: $0 [NUMOPS] [passthrough|no-passthrough]" >&2; exit 2 ;;
esac
command -v fusermount3 >/dev/null || { echo "needs fusermount3 (Debian's fuse3)" >&2; exit 2; }

cache=$root/.cache/fsx
mkdir -p "$cache"
if [[ -z ${FSX:-} ]]; then
	src=${XFSTESTS_SRC:-}
	[[ -n $src && -f $src/ltp/fsx.c && -f $src/src/global.h && -f $src/src/statx.h ]] || {
		echo "set XFSTESTS_SRC to an xfstests checkout (with ltp/fsx.c), or FSX to a built fsx" >&2
		exit 2
	}
	command -v gcc >/dev/null || { echo "building fsx needs gcc" >&2; exit 2; }
	b=$cache/build
	rm -rf "$b" && mkdir -p "$b"
	cp "$src/ltp/fsx.c" "$src/src/global.h" "$src/src/statx.h" "$b/"
	# What xfstests' configure would find on a glibc Linux system; without
	# the XFS headers and libaio/liburing, fsx drops those features itself.
	cat >"$b/config.h" <<'EOF'
#define STDC_HEADERS 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_STATVFS_H 1
#define HAVE_SYS_TIME_H 1
#define HAVE_SYS_IOCTL_H 1
#define HAVE_SYS_WAIT_H 1
#define HAVE_MALLOC_H 1
#define HAVE_DIRENT_H 1
#define HAVE_STDLIB_H 1
#define HAVE_UNISTD_H 1
#define HAVE_ERRNO_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_FCNTL_H 1
#define HAVE_SYS_PARAM_H 1
#define HAVE_LIBGEN_H 1
#define HAVE_ASSERT_H 1
#define HAVE_ERR_H 1
#define HAVE_LINUX_FALLOC_H 1
#define HAVE_COPY_FILE_RANGE 1
#include <getopt.h>
EOF
	gcc -O2 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I"$b" -o "$cache/fsx" "$b/fsx.c" 2>"$b/gcc.log" || {
		cat "$b/gcc.log" >&2
		exit 1
	}
	FSX=$cache/fsx
fi
go build -o "$cache/walrusfs" ./cmd/walrusfs

work=${WORK:-$(mktemp -d /tmp/walrusfs-fsx.XXXXXX)}
mkdir -p "$work/mnt" "$work/logs"
mnt=$work/mnt
"$cache/walrusfs" mount --state "$work/state" "${mountflags[@]}" "$mnt" >"$work/mount.log" 2>&1 &
mpid=$!
cleanup() {
	if kill -0 "$mpid" 2>/dev/null; then
		"$cache/walrusfs" umount "$mnt" >/dev/null 2>&1 || kill "$mpid" 2>/dev/null || true
		wait "$mpid" 2>/dev/null || true
	fi
}
trap cleanup EXIT
for _ in $(seq 120); do
	mountpoint -q "$mnt" && break
	kill -0 "$mpid" 2>/dev/null || { cat "$work/mount.log" >&2; exit 1; }
	sleep 1
done
mountpoint -q "$mnt" || { echo "the mount did not come up in 120 s" >&2; exit 1; }

echo "fsx: $numops operations, $mode, seed ${FSX_SEED:-1}, close every ~${FSX_CLOSE:-1000}; work dir $work"
start=$(date +%s)
rc=0
# shellcheck disable=SC2086 # FSX_FLAGS is a list of flags
"$FSX" -N "$numops" -S "${FSX_SEED:-1}" -c "${FSX_CLOSE:-1000}" -p 100000 -P "$work/logs" \
	${FSX_FLAGS:-} "$mnt/file" >"$work/fsx.out" 2>&1 || rc=$?
end=$(date +%s)
tail -n 3 "$work/fsx.out"
echo "fsx exit status $rc after $((end - start)) s ($mode)"

"$cache/walrusfs" umount "$mnt"
mrc=0
wait "$mpid" || mrc=$?
trap - EXIT
echo "mount exit status $mrc"
[[ $rc -eq 0 && $mrc -eq 0 ]]
