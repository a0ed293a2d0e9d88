#!/usr/bin/env bash
# Times the official Walrus encoder (npm @mysten/walrus-wasm, through the oracle
# beside the repository) and ours (BenchmarkEncode in encoding/) on the same
# blobs at n_shards = 1000, one after the other in this run, and prints a table
# with the ratio official seconds / our seconds.
#
#   bench/oracle-bench.sh [RUNS]
#
# RUNS (default 3) measured encodes of each blob on each side, after one
# unmeasured warm-up encode. The blobs are the xs42 inputs of 12 B, 1 MiB and
# 64 MiB (testvectors.Xorshift(42, size)); WALRUSFS_BENCH_LARGE=1 adds 1 GiB,
# which takes minutes and which the wasm encoder may be unable to hold in its
# 4 GiB of memory.
#
# The oracle is installed, as TestOfficialEncoderCrossCheck does it, in
# .cache/oracle: a copy of ../shared/oracle (or of the parent folder of
# $WALRUSFS_VECTORS) with `npm install` run in it, reused while its
# package.json matches. Needs go, node and npm; the machine should be otherwise
# idle.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
runs=${1:-3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [RUNS]" >&2; exit 2; }

for tool in go node npm; do
	command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done

if [[ -n ${WALRUSFS_VECTORS:-} ]]; then
	src=$(dirname "$WALRUSFS_VECTORS")
else
	src=$root/../shared/oracle
fi
[[ -f $src/lib.mjs && -f $src/package.json ]] || { echo "no oracle in $src" >&2; exit 1; }
src=$(cd "$src" && pwd)

# Install the oracle in .cache/oracle unless the copy there is complete
# (stamped with the SHA-256 of the package.json it was installed from).
dst=$root/.cache/oracle
stamp=.walrusfs-installed
want=$(sha256sum "$src/package.json" | cut -d' ' -f1)
if [[ -f $dst/$stamp && $(cat "$dst/$stamp") == "$want" ]] && cmp -s "$src/package.json" "$dst/package.json"; then
	# Refresh the oracle's own files (scripts, docs) that changed.
	for f in "$src"/*; do
		name=${f##*/}
		[[ -f $f && $name != package-lock.json ]] || continue
		cmp -s "$f" "$dst/$name" || { cp "$f" "$dst/$name.tmp.$$" && chmod u+w "$dst/$name.tmp.$$" && mv "$dst/$name.tmp.$$" "$dst/$name"; }
	done
else
	echo "installing the official encoder in $dst" >&2
	mkdir -p "$root/.cache"
	tmp=$(mktemp -d "$root/.cache/oracle.tmp-XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	(cd "$src" && tar --exclude=./node_modules --exclude=./package-lock.json --exclude=./scratch -cf - .) | (cd "$tmp" && tar -xf -)
	chmod -R u+w "$tmp"
	chmod 755 "$tmp"
	(cd "$tmp" && npm install --no-audit --no-fund >&2)
	echo "$want" >"$tmp/$stamp"
	old=$dst.old-$$
	if [[ -e $dst ]]; then mv "$dst" "$old"; fi
	mv "$tmp" "$dst"
	rm -rf "$old"
	trap - EXIT
fi

specs=(12B:12 1MiB:1048576 64MiB:67108864)
goSizes='12B|1MiB|64MiB'
if [[ ${WALRUSFS_BENCH_LARGE:-} == 1 ]]; then
	specs+=(1GiB:1073741824)
	goSizes+='|1GiB'
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "official encoder: node $(node --version), $runs run(s) per blob after a warm-up" >&2
node --expose-gc bench/oracle-bench.mjs time "$dst" "$runs" "${specs[@]}" | tee "$work/official.jsonl" >&2

echo "ours: $(go version)" >&2
go test -run '^$' -bench "^BenchmarkEncode\$/^n=1000\$/^($goSizes)\$" -benchtime=1x -count="$runs" \
	-timeout 0 ./encoding/ | tee "$work/go.txt" >&2

echo
echo "n_shards = 1000, $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), load average $(cut -d' ' -f1-3 /proc/loadavg)"
node bench/oracle-bench.mjs report "$work/official.jsonl" "$work/go.txt"
