#!/usr/bin/env bash
# The aggregator against the command line, as users meet them, in one run:
# a devnet of NODES storage node processes (default 4) with SHARDS shards
# (default 1000, as Walrus Mainnet), a blob of SIZE MiB (default 1024) of
# random bytes stored with "walrusfs store", and "walrusfs serve" (the
# aggregator) as a process. Then, RUNS times each (default 3), alternating:
#   - "walrusfs read BLOB_ID -o FILE", a fresh process each time, timed
#     from its start to its exit;
#   - curl of GET /v1/blobs/BLOB_ID from the aggregator into a file: time
#     to the first byte and to the last;
#   - curl of "Range: bytes=0-1048575" (the first MiB): time to the last
#     byte.
# Every copy is compared with the blob. Prints seconds and MB/s.
#
#   bench/aggregator.sh
#
# WORK (default a new directory under /var/tmp) is removed at the end unless
# KEEP=1. Needs curl and cmp.
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${RUNS:-3} size=${SIZE:-1024} nodes=${NODES:-4} shards=${SHARDS:-1000}
for tool in curl cmp; do
	command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done
work=${WORK:-$(mktemp -d /var/tmp/walrusfs-aggregator.XXXXXX)}
mkdir -p "$work/bin" "$work/home"
echo "building into $work/bin ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))" >&2
go build -o "$work/bin/walrusfs" ./cmd/walrusfs
wfs=$work/bin/walrusfs
export HOME=$work/home

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	[[ ${KEEP:-} == 1 ]] || rm -rf "$work"
}
trap cleanup EXIT

"$wfs" devnet --dir "$work/devnet" --nodes "$nodes" --shards "$shards" 2>"$work/devnet.log" &
pids+=($!)
for _ in $(seq 600); do [[ -e $work/devnet/network.yaml ]] && break; sleep 0.1; done
[[ -e $work/devnet/network.yaml ]] || { tail "$work/devnet.log" >&2; exit 1; }
cfg=$work/devnet/client_config.yaml

echo "writing and storing a blob of $size MiB" >&2
head -c "$((size << 20))" /dev/urandom >"$work/blob"
id=$("$wfs" store --config "$cfg" --epochs 5 "$work/blob" | cut -d' ' -f1)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$wfs" serve --config "$cfg" --listen "127.0.0.1:$port" 2>"$work/serve.log" &
pids+=($!)
url=http://127.0.0.1:$port
for _ in $(seq 100); do curl -fs "$url/status" >/dev/null && break; sleep 0.1; done

secs() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); echo "$e - $s" | bc; }
declare -a read whole first ranged
for i in $(seq "$runs"); do
	rm -f "$work/out"
	read+=("$(secs "$wfs" read --config "$cfg" "$id" -o "$work/out")")
	cmp -s "$work/out" "$work/blob" || { echo "walrusfs read: wrong bytes" >&2; exit 1; }
	rm -f "$work/out"
	t=$(curl -fsS -o "$work/out" -w '%{time_starttransfer} %{time_total}' "$url/v1/blobs/$id")
	first+=("${t% *}") whole+=("${t#* }")
	cmp -s "$work/out" "$work/blob" || { echo "aggregator: wrong bytes" >&2; exit 1; }
	ranged+=("$(curl -fsS -o "$work/range" -H 'Range: bytes=0-1048575' -w '%{time_total}' "$url/v1/blobs/$id")")
	cmp -s "$work/range" <(head -c 1048576 "$work/blob") || { echo "aggregator range: wrong bytes" >&2; exit 1; }
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mbs() { echo "$size * 1048576 / 1000000 / $1" | bc -l; }
printf '\n%d MiB blob, %d nodes, %d shards; %s; load average %s\n' "$size" "$nodes" "$shards" "$(date -u +%F)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %s\n' measure "seconds (runs; median)"
printf '%-44s %s; %.2f (%.0f MB/s)\n' "walrusfs read -o FILE (fresh process)" "${read[*]}" "$(median "${read[@]}")" "$(mbs "$(median "${read[@]}")")"
printf '%-44s %s; %.2f (%.0f MB/s)\n' "aggregator GET, whole blob" "${whole[*]}" "$(median "${whole[@]}")" "$(mbs "$(median "${whole[@]}")")"
printf '%-44s %s; %.3f\n' "aggregator GET, time to first byte" "${first[*]}" "$(median "${first[@]}")"
printf '%-44s %s; %.3f\n' "aggregator GET, Range of the first MiB" "${ranged[*]}" "$(median "${ranged[@]}")"
