#!/usr/bin/env bash
# Start-up times of walrusfs's daemons, each from the command's start until it
# is usable, RUNS times each (default 3), in one run:
#   - "walrusfs mount" on its embedded network (4 storage nodes in process,
#     n_shards = 100), until the mount point is live (mountpoint(1)): with a
#     fresh state directory, then again on the state the previous mount left;
#   - "walrusfs devnet --nodes 4" (the ledger in process, 4 "walrusfs node"
#     processes), until it has written network.yaml, which it does once every
#     node answers its health check: a fresh directory, then an existing one;
#   - one "walrusfs node" process joining that running devnet after its
#     predecessor was stopped, until it answers GET /v1/health.
# Prints one line per measure: min / median / max seconds.
#
#   bench/startup.sh [RUNS]
#
# WORK (default a new directory under /var/tmp) is removed at the end unless
# KEEP=1. Needs fusermount3, /dev/fuse, curl and a free port range from
# BASE_PORT (default 27400) to BASE_PORT+9.
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${1:-3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [RUNS]" >&2; exit 2; }
port=${BASE_PORT:-27400}
for tool in fusermount3 curl mountpoint; do
	command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done

work=${WORK:-$(mktemp -d /var/tmp/walrusfs-startup.XXXXXX)}
mkdir -p "$work/bin" "$work/home"
echo "building into $work/bin ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))" >&2
go build -o "$work/bin/walrusfs" ./cmd/walrusfs
wfs=$work/bin/walrusfs

declare -A pids # the processes started here and still running
cleanup() {
	for p in "${!pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${!pids[@]}"; do wait "$p" 2>/dev/null || true; done
	[[ ${KEEP:-} == 1 ]] || rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s%N; }
# waitFor SECONDS COMMAND...: polls COMMAND every 5 ms; prints the seconds since
# $t0 once it succeeds, fails after SECONDS.
waitFor() {
	local limit=$1
	shift
	local deadline=$(($(now) + limit * 1000000000))
	until "$@" >/dev/null 2>&1; do
		(($(now) < deadline)) || return 1
		sleep 0.005
	done
	echo "scale=3; ($(now) - $t0) / 1000000000" | bc
}
# stop PID: SIGINT, then waits for it to exit.
stop() {
	kill -INT "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	unset "pids[$1]"
}
declare -A times
record() { times[$1]+="$2 "; }

mnt=$work/mnt
mkdir -p "$mnt"
mountOnce() { # mountOnce STATE LABEL
	t0=$(now)
	HOME=$work/home "$wfs" mount --state "$1" "$mnt" 2>>"$work/mount.log" &
	local pid=$!
	pids[$pid]=1
	local s
	s=$(waitFor 120 mountpoint -q "$mnt") || { cat "$work/mount.log" >&2; exit 1; }
	record "$2" "$s"
	HOME=$work/home "$wfs" umount "$mnt" >/dev/null 2>>"$work/mount.log" || stop "$pid"
	wait "$pid" 2>/dev/null || true
	unset "pids[$pid]"
}
for r in $(seq "$runs"); do
	mountOnce "$work/state-$r" "mount, fresh state"
	mountOnce "$work/state-$r" "mount, existing state"
done

devnetOnce() { # devnetOnce DIR LABEL: leaves the devnet running, its PID in devnet
	rm -f "$1/network.yaml"
	t0=$(now)
	"$wfs" devnet --dir "$1" --nodes 4 --shards 100 --base-port "$port" --restart=false >/dev/null 2>>"$work/devnet.log" &
	devnet=$!
	pids[$devnet]=1
	local s
	s=$(waitFor 120 test -s "$1/network.yaml") || { cat "$work/devnet.log" >&2; exit 1; }
	record "$2" "$s"
}
for r in $(seq "$runs"); do
	devnetOnce "$work/devnet-$r" "devnet of 4 nodes, fresh"
	stop "$devnet"
	devnetOnce "$work/devnet-$r" "devnet of 4 nodes, existing"
	# Node 0 again, as its own process: stop the devnet's, start ours.
	node0=$work/devnet-$r/node-0
	kill -TERM "$(cat "$node0/pid")"
	waitFor 30 sh -c "! curl -skf https://127.0.0.1:$((port + 1))/v1/health && ! curl -sf http://127.0.0.1:$((port + 1))/v1/health" >/dev/null ||
		{ echo "node 0 did not stop" >&2; exit 1; }
	t0=$(now)
	"$wfs" node --dir "$node0" --ledger "http://127.0.0.1:$port" 2>>"$work/node.log" &
	node=$!
	pids[$node]=1
	s=$(waitFor 60 sh -c "curl -skf https://127.0.0.1:$((port + 1))/v1/health || curl -sf http://127.0.0.1:$((port + 1))/v1/health") ||
		{ cat "$work/node.log" >&2; exit 1; }
	record "node (joining a running devnet)" "$s"
	stop "$node"
	stop "$devnet"
done

echo
echo "start-up, $runs run(s) each, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-36s %8s %8s %8s\n' measure min median max
for m in "mount, fresh state" "mount, existing state" "devnet of 4 nodes, fresh" "devnet of 4 nodes, existing" "node (joining a running devnet)"; do
	read -r -a xs <<<"${times[$m]}"
	mapfile -t sorted < <(printf '%s\n' "${xs[@]}" | sort -g)
	printf '%-36s %8.3f %8.3f %8.3f\n' "$m" "${sorted[0]}" "${sorted[$((${#sorted[@]} / 2))]}" "${sorted[-1]}"
done
