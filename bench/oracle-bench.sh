#!/usr/bin/env bash
# Times the official Walrus encoder and decoder (npm @mysten/walrus-wasm,
# through the oracle beside the repository) and ours (BenchmarkEncode and
# BenchmarkDecode in encoding/) on the same blobs at n_shards = 1000, one after
# the other in this run, and prints two tables with the ratios official time /
# our time, for wall and CPU time.
#
#   bench/oracle-bench.sh [RUNS]
#
# RUNS (default 3) measured encodes of each blob on each side, after one
# unmeasured warm-up encode. The blobs are the xs42 inputs of 12 B, 1 MiB and
# 64 MiB (testvectors.Xorshift(42, size)); WALRUSFS_BENCH_LARGE=1 adds 1 GiB,
# which takes minutes and which the wasm encoder may be unable to hold in its
# 4 GiB of memory (the table then says "failed").
#
# Decode, for 12 B, 1 MiB and 64 MiB: the official decodePrimarySlivers from
# the last k = 334 primary slivers (333 of them parity) of the last measured
# encode, one warm-up and RUNS measured decodes, against BenchmarkDecode
# (RUNS runs of one decode each, from the same 334 slivers). Our CPU time per
# decode is that of a process decoding 1 + 2*RUNS times minus that of one
# decoding once, divided by 2*RUNS.
#
# Each size runs on the official side in a node process of its own, killed
# after WALRUSFS_BENCH_TIMEOUT seconds (default 3600); a size whose process
# fails or is killed is reported as failed. Our side runs one test binary,
# built at the start, so that edits made during the run do not mix in.
#
# Cold commands: the blob ID of a file of 1 B and of 64 MiB (xs42 inputs), each
# run as a fresh process, start to exit, RUNS times after one unmeasured run,
# the two sides alternating: the official encoder as a one-shot node script
# (bench/official-blob-id.mjs: load the SDK's wasm, read the file,
# computeMetadata) against `walrusfs blob-id FILE`, built at the start.
# WALRUSFS_BENCH_ONLY=cold runs only this part.
#
# The oracle is installed, as TestOfficialEncoderCrossCheck does it, in
# .cache/oracle: a copy of ../shared/oracle (or of the parent folder of
# $WALRUSFS_VECTORS) with `npm install` run in it, reused while its
# package.json matches. Needs go, node, npm and coreutils' timeout; the
# machine should be otherwise idle.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
runs=${1:-3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [RUNS]" >&2; exit 2; }
limit=${WALRUSFS_BENCH_TIMEOUT:-3600}
[[ $limit =~ ^[1-9][0-9]*$ ]] || { echo "WALRUSFS_BENCH_TIMEOUT must be a number of seconds" >&2; exit 2; }

for tool in go node npm timeout; do
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
decodeSizes=(12B 1MiB 64MiB) # BenchmarkDecode has no 1 GiB case

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The commit measured, and whether the Go code differs from it.
code="commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
[[ -z $(git status --porcelain -- encoding internal go.mod go.sum 2>/dev/null) ]] || code+=" with uncommitted changes to the Go code"
echo "building the test binary of ./encoding/ and walrusfs ($code)" >&2
go test -c -o "$work/encoding.test" ./encoding/
go build -o "$work/walrusfs" ./cmd/walrusfs
gobench() { # gobench ARGS...: runs the test binary in encoding/, as go test does
	(cd "$root/encoding" && "$work/encoding.test" -test.run '^$' -test.timeout 0 "$@")
}
cpuSeconds() { # cpuSeconds LOG COMMAND...: runs COMMAND, output to LOG; prints its user + sys CPU seconds
	local log=$1 t TIMEFORMAT='%3U %3S'
	shift
	t=$({ time "$@" >"$log" 2>&1; } 2>&1) || { cat "$log" >&2; return 1; }
	awk '{ printf "%.3f\n", $1 + $2 }' <<<"$t"
}

only=${WALRUSFS_BENCH_ONLY:-}
if [[ $only != cold ]]; then
echo "official encoder and decoder: node $(node --version), $runs run(s) per blob after a warm-up, one process per blob" >&2
for spec in "${specs[@]}"; do
	name=${spec%%:*}
	decode=()
	[[ " ${decodeSizes[*]} " == *" $name "* ]] && decode=(--decode)
	rc=0
	timeout -k 30 "$limit" node --expose-gc bench/oracle-bench.mjs time "$dst" "$runs" "${decode[@]}" "$spec" \
		>"$work/official.$name" 2>"$work/official.$name.err" || rc=$?
	cat "$work/official.$name.err" >&2
	if ((rc != 0)); then
		case $rc in
		124) why="timed out after $limit s" ;;
		137) why="killed (out of memory?)" ;;
		*) why="node exited with status $rc: $(grep -v '^\s*$' "$work/official.$name.err" | tail -n1 | tr -d '"\\' | cut -c1-200)" ;;
		esac
		printf '{"op":"any","name":"%s","size":%s,"error":"%s"}\n' "$name" "${spec#*:}" "$why" >>"$work/official.$name"
	fi
	tee -a "$work/official.jsonl" <"$work/official.$name" >&2
done

echo "ours: $(go version)" >&2
gobench -test.bench "^BenchmarkEncode\$/^n=1000\$/^($goSizes)\$" -test.benchtime=1x -test.count="$runs" |
	tee "$work/go.txt" >&2
gobench -test.bench "^BenchmarkDecode\$/^n=1000\$/^(12B|1MiB|64MiB)\$" -test.benchtime=1x -test.count="$runs" |
	tee "$work/go-decode.txt" >&2
more=$((2 * runs))
for name in "${decodeSizes[@]}"; do
	bench="^BenchmarkDecode\$/^n=1000\$/^$name\$"
	one=$(cpuSeconds "$work/cpu.log" gobench -test.bench "$bench" -test.benchtime=1x)
	many=$(cpuSeconds "$work/cpu.log" gobench -test.bench "$bench" -test.benchtime=$((1 + more))x)
	echo "$name $more $one $many" | tee -a "$work/go-decode-cpu.txt" >&2
done
fi

# Cold commands: whole processes, the sides alternating.
coldSpecs=(1B:1 64MiB:67108864)
mkdir "$work/cold"
node bench/oracle-bench.mjs inputs "$dst" "$work/cold" "${coldSpecs[@]}"
timeProcess() { # timeProcess COMMAND...: prints "WALL_S CPU_S BLOB_ID" of one run
	local t TIMEFORMAT='%3R %3U %3S'
	t=$({ time "$@" >"$work/cold.out" 2>"$work/cold.err"; } 2>&1) || { cat "$work/cold.err" >&2; return 1; }
	awk -v id="$(cut -d' ' -f1 "$work/cold.out")" '{ printf "%.3f %.3f %s\n", $1, $2 + $3, id }' <<<"$t"
}
echo "cold commands: $runs run(s) of each after one unmeasured run" >&2
for r in $(seq 0 "$runs"); do
	for spec in "${coldSpecs[@]}"; do
		name=${spec%%:*}
		o=$(timeProcess node bench/official-blob-id.mjs "$dst" "$work/cold/$name")
		g=$(timeProcess "$work/walrusfs" blob-id "$work/cold/$name")
		((r == 0)) && continue
		echo "official $name $o" | tee -a "$work/cold.txt" >&2
		echo "ours $name $g" | tee -a "$work/cold.txt" >&2
	done
done

echo
echo "n_shards = 1000, $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "official: @mysten/walrus-wasm $(node -p "require('$dst/node_modules/@mysten/walrus-wasm/package.json').version" 2>/dev/null || echo '?'), node $(node --version); ours: $code, $(go version | cut -d' ' -f3-)"
echo
if [[ $only != cold ]]; then
	node bench/oracle-bench.mjs report "$work/official.jsonl" "$work/go.txt" "$work/go-decode.txt" "$work/go-decode-cpu.txt"
	echo
fi
node bench/oracle-bench.mjs cold-report "$work/cold.txt"
