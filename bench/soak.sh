#!/usr/bin/env bash
# bench/soak.sh: trafficflow's soak test, and its memory measurement.
#
#   bench/soak.sh                    # the soak: 60 s at half the maximum QPS
#   bench/soak.sh --duration 600     # longer
#   bench/soak.sh --memory           # a store of 100,000 records: load, reload, heap, RSS, /metrics
#
# The soak (about 1.5 minutes with the defaults):
#  1. Builds cmd/coredns and bench/soak into bench/data/ (coredns, soak).
#  2. Writes two policy stores into a temporary directory: "plain" (a plain
#     directory) and "cm" (laid out like a Kubernetes ConfigMap volume, files
#     behind a "..data" symlink). Each state record's answer encodes the
#     state it comes from: the address 10.0.0.0 + store<<22 + n from the
#     policy document, and the TTL n from records.json.
#  3. Starts the server on 127.0.0.1 (pinned to CPU 0, GOMAXPROCS=1) with a
#     Corefile of reload (2s), prometheus, pprof, ready, errors, trafficflow
#     on each store (reload 1s) and, in the plain block, cache and the file
#     plugin answering static.plain.soak. (the baseline name).
#  4. Measures the server's maximum QPS with dnsperf (pinned to CPU 1, like
#     bench/run.sh), then sends --rate of it (default 0.5) for --duration
#     seconds with its own load generator, over four names in turn: the two
#     state records, a failover record and the file plugin's name. Meanwhile:
#     - every --write-every (100 ms) each store gets a new state, about half
#       of them invalid (a version that does not exist, a document with an
#       error, a truncated records.json); the plain store is written
#       alternately with atomic renames and in place (truncate + write), the
#       ConfigMap store by swapping "..data" as the kubelet does;
#     - the health-check backends (TCP listeners the soak owns, probed every
#       second with FailureThreshold 1) are closed and reopened on a
#       one-second tick, steering the failover record;
#     - every --corefile-every (5 s) the Corefile changes: a cache TTL, a
#       third server block added, removed, and a block on a port the soak
#       holds open, whose restart must fail and leave nothing behind.
#  5. Then sends the same rate to the file plugin's name alone for
#     --file-duration seconds (default 10), the changes going on, so that
#     socket drops under load are told apart from trafficflow's losses.
#  6. Checks every answer (wrong: an answer from an invalid state or a state
#     never written, a mix of two states, a SERVFAIL, a failover answer more
#     than RequestInterval × FailureThreshold + --health-margin behind the
#     backends) and reports: queries sent, answered and lost, rcodes, wrong
#     answers, staleness, the server's goroutines, file descriptors, inotify
#     instances and RSS (start, peak, end), reloads_total, and each Corefile
#     edit's outcome.
#
# --memory: writes a store of --records (100,000) policy records with
# internal/storegen, serves it (same pinning) once per metrics mode
# (endpoints, records, off), and reports the first load time, the reload
# time after a change of records.json (5 times), the live heap after a GC,
# the RSS (start, peak, end) and the size of /metrics.
#
# Options (the soak's): --duration S, --rate F, --file-duration S,
# --write-every D (a Go duration), --corefile-every D, --health-margin D,
# --port P (the first of 7 loopback ports, default 15400), --conns N.
# --memory takes --records N and --port P.
#
# Reports go to bench/results/soak-DATE/ (report.txt or memory.txt, the
# Corefiles, the server's log, samples.csv). Everything runs on 127.0.0.1;
# the temporary directory and the server are removed on exit and on Ctrl-C.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

args=()
mode=soak
while [ $# -gt 0 ]; do
	case "$1" in
	--memory) mode=memory; args+=(-memory); shift ;;
	--duration | --file-duration) args+=("-${1#--}" "${2}s"); shift 2 ;;
	--rate | --write-every | --corefile-every | --health-margin | --port | --conns | --records | --flap-tick)
		args+=("-${1#--}" "$2"); shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$here/soak.sh" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "soak.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done

for tool in go dnsperf taskset; do
	command -v "$tool" >/dev/null || { echo "soak.sh: $tool is not installed (dnsperf: apt-get install dnsperf)" >&2; exit 1; }
done
if [ "$(nproc)" -lt 2 ]; then
	echo "soak.sh: needs 2 CPUs (server on CPU 0, load on CPU 1)" >&2
	exit 1
fi

echo "== building cmd/coredns and bench/soak"
mkdir -p bench/data bench/results
go build -o bench/data/coredns ./cmd/coredns
go build -o bench/data/soak ./bench/soak

work=$(mktemp -d)
res=bench/results/soak-$(date +%Y%m%d-%H%M%S)$([ "$mode" = memory ] && echo -memory || true)
pid=""
cleanup() {
	# The soak stops its server on SIGINT/SIGTERM; wait for it.
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The soak program (load generator, writers, checker) runs on CPU 1.
taskset -c 1 bench/data/soak -server bench/data/coredns -work "$work" -results "$res" "${args[@]}" &
pid=$!
wait "$pid"
pid=""
echo "== results: $res"
