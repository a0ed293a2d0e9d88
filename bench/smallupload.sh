#!/usr/bin/env bash
# Small files stored per second: FILES files (default 2000) of 1–8 KiB are
# copied into a fresh mount on its embedded network (4 storage nodes in
# process, 100 shards; --write-back=0, so uploads start at once), and the
# time from the copy's start until the upload queue is empty (every file
# certified) is measured. With BEFORE=REV (a git revision) the same is
# timed with walrusfs built at REV, alternating with this tree's, RUNS times
# each (default 2): quilts against the packs of files laid end to end that
# mounts stored before.
#
#   bench/smallupload.sh
#
# WORK (default a new directory under /var/tmp) is removed at the end unless
# KEEP=1. Needs fusermount3, /dev/fuse and jq.
set -euo pipefail

cd "$(dirname "$0")/.."
files=${FILES:-2000} runs=${RUNS:-2}
for tool in fusermount3 jq; do
	command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done
work=${WORK:-$(mktemp -d /var/tmp/walrusfs-smallupload.XXXXXX)}
mkdir -p "$work/bin" "$work/src"
echo "building into $work/bin" >&2
go build -o "$work/bin/now" ./cmd/walrusfs
bins=(now)
if [[ -n ${BEFORE:-} ]]; then
	git worktree add -q --detach "$work/before" "$BEFORE"
	(cd "$work/before" && go build -o "$work/bin/before" ./cmd/walrusfs)
	git worktree remove --force "$work/before"
	bins+=(before)
fi

wpid=
cleanup() {
	if [[ -n $wpid ]]; then kill -INT "$wpid" 2>/dev/null; sleep 1; kill -INT "$wpid" 2>/dev/null || true; wait "$wpid" 2>/dev/null || true; fi
	fusermount3 -uz "$work/mnt" 2>/dev/null || true
	[[ ${KEEP:-} == 1 ]] || rm -rf "$work"
}
trap cleanup EXIT

for i in $(seq "$files"); do
	head -c $((1024 + (i * 7919) % 7168)) /dev/urandom >"$work/src/f$i"
done
bytes=$(du -sb --apparent-size "$work/src" | cut -f1)

# one BIN: seconds from the copy's start until every file is certified.
one() {
	local b=$work/bin/$1 state=$work/state-$1 mnt=$work/mnt
	rm -rf "$state"
	mkdir -p "$mnt" "$work/home-$1"
	HOME=$work/home-$1 "$b" mount --state "$state" --write-back=0 "$mnt" 2>>"$work/mount-$1.log" &
	wpid=$!
	for _ in $(seq 300); do mountpoint -q "$mnt" && break; sleep 0.1; done
	local s e
	s=$(date +%s.%N)
	cp -a "$work/src" "$mnt/tree"
	for _ in $(seq 6000); do
		[[ $(HOME=$work/home-$1 "$b" status --state "$state" --json | jq '.[0].queue.files') == 0 ]] && break
		sleep 0.1
	done
	e=$(date +%s.%N)
	HOME=$work/home-$1 "$b" umount "$mnt"
	wait "$wpid" || true
	wpid=
	echo "$e - $s" | bc
}

declare -A times
for r in $(seq "$runs"); do
	for b in "${bins[@]}"; do
		times[$b]+="$(one "$b") "
	done
done

printf '\n%d files, %d bytes; %s; load average %s\n' "$files" "$bytes" "$(date -u +%F)" "$(cut -d' ' -f1-3 /proc/loadavg)"
for b in "${bins[@]}"; do
	best=$(printf '%s\n' ${times[$b]} | sort -g | head -1)
	printf '%-8s seconds: %s  best: %.2f s, %.0f files/s\n' "$b" "${times[$b]}" "$best" "$(echo "$files / $best" | bc -l)"
done
