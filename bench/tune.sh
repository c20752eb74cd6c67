#!/usr/bin/env bash
# bench/tune.sh: what an operator can tune, measured. Runs the production
# chain (prometheus, errors, cache, trafficflow, file) as the baseline and
# one server variant after another, each changed in one way (an environment
# variable, a Corefile line, a build), alternating with the baseline.
#
#   bench/tune.sh                           # every variant below, case weighted
#   bench/tune.sh --variants "gogc200 log"  # some of them
#   bench/tune.sh --case geo --rate 15000
#
# Options: --case C (a bench/run.sh case, default weighted), --duration S
# (per run, default 5), --rounds N (default 3), --rate Q (the fixed rate of
# the latency runs, default 15000 queries/s: about half of what the
# baseline answers at full load on one core), --port P (default 15353),
# --clients C and --outstanding Q (dnsperf -c/-q, default 8/256),
# --geoip test|real|FILE (as bench/run.sh).
#
# Variants (each compared with the baseline runs next to it):
#   gogc200, gogc400      GOGC=200, GOGC=400 (the default is 100)
#   gogcoff               GOGC=off GOMEMLIMIT=256MiB (collect only near the limit)
#   stackstart            GODEBUG=adaptivestackstart=1 (new goroutines start
#                         with the average stack size seen at the last GC)
#   procs2                GOMAXPROCS=2 on the one CPU (a limit the runtime
#                         does not see; Go >= 1.25 reads cgroup CPU limits)
#   multisocket           multisocket 2 (two UDP sockets, SO_REUSEPORT)
#   noprom                without prometheus
#   nocache               without cache
#   cachefirst            cache before trafficflow (a build with that order:
#                         steered answers are cached and served to everyone;
#                         measured to show what it would give, never use it)
#   log                   log (every query, to stdout, which goes to a file)
#   logdenial             log { class denial } (only NXDOMAIN/NODATA: none here)
#   metricsnone           trafficflow's metrics none (no per-record counters)
#   metricsrecords        metrics records (requests per record, no answers_total)
#   metricsoff            metrics off (per-zone totals only)
#   udpworkers            miekg/dns with docs/patches/miekg-dns-udp-workers.patch:
#                         UDP queries served by reused goroutines (a
#                         benchmark-only build by bench/patched.sh, see
#                         docs/performance.md)
#   udpbatch              the same and docs/patches/miekg-dns-udp-recvmmsg.patch:
#                         UDP queries read in batches with recvmmsg
#
# Each round runs, for every variant: the baseline, then the variant; and the
# baseline once more at the end. Each of those starts its own server (pinned
# to CPU 0, GOMAXPROCS=1 unless the variant says otherwise), warms it for a
# second, then measures twice with dnsperf (pinned to CPU 1): at full load
# (QPS, server CPU per query) and at --rate (average latency, server CPU per
# query). benchtool tune prints the table (medians over the rounds of each
# variant's ratios to the baseline runs next to it) into
# bench/results/<date>-tune/table.md. Defaults: about 20 minutes for all
# the variants, 90 s per variant. Needs what bench/run.sh needs; the
# variants udpworkers and udpbatch also need `patch`.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
cmdline="bench/tune.sh$(printf ' %q' "$@")"

all_variants="gogc200 gogc400 gogcoff stackstart procs2 multisocket noprom nocache cachefirst log logdenial metricsnone metricsrecords metricsoff udpworkers udpbatch"
geoip=test
tcase=weighted
duration=5
rounds=3
fixed_rate=15000
port=15353
pprof_port=16060
clients=8
outstanding=256
variants=$all_variants

while [ $# -gt 0 ]; do
	case "$1" in
	--geoip) geoip=$2; shift 2 ;;
	--case) tcase=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--rate) fixed_rate=$2; shift 2 ;;
	--port) port=$2; shift 2 ;;
	--clients) clients=$2; shift 2 ;;
	--outstanding) outstanding=$2; shift 2 ;;
	--variants) variants=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$here/tune.sh" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "tune.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
for v in $variants; do
	[[ " $all_variants " == *" $v "* ]] || { echo "tune.sh: unknown variant $v (variants: $all_variants)" >&2; exit 2; }
done
for tool in go dnsperf taskset dig; do
	command -v "$tool" >/dev/null || { echo "tune.sh: $tool is not installed (dnsperf, dig: apt-get install dnsperf bind9-dnsutils)" >&2; exit 1; }
done
if [ "$(nproc)" -lt 2 ]; then
	echo "tune.sh: needs 2 CPUs (server on CPU 0, dnsperf on CPU 1)" >&2
	exit 1
fi

case "$geoip" in
test) db=testdata/geoip/GeoIP2-City-Test.mmdb; tag=test ;;
real) db=bench/data/GeoLite2-City.mmdb; tag=geolite2
	[ -s "$db" ] || { echo "tune.sh: run bench/run.sh --geoip real once to fetch $db" >&2; exit 1; } ;;
*) db=$geoip; tag=$(basename "$db" .mmdb) ;;
esac
data=bench/data/$tag
res=bench/results/$(date +%Y%m%d-%H%M%S)-tune
mkdir -p bench/data "$data" "$res"

echo "== building cmd/coredns, bench/tool and the variants' builds"
go build -o bench/data/coredns ./cmd/coredns
go build -o bench/data/benchtool ./bench/tool
if [[ " $variants " == *" cachefirst "* ]]; then
	# cmd/coredns with trafficflow inserted after cache instead of before.
	mkdir -p bench/data/_cachefirst
	sed 's/slices.Insert(d, i, "trafficflow")/slices.Insert(d, i+1, "trafficflow")/' cmd/coredns/main.go >bench/data/_cachefirst/main.go
	grep -q 'i+1, "trafficflow"' bench/data/_cachefirst/main.go || { echo "tune.sh: cannot derive the cachefirst build from cmd/coredns/main.go" >&2; exit 1; }
	go build -o bench/data/coredns-cachefirst ./bench/data/_cachefirst
fi
if [[ " $variants " == *" udp"* ]]; then
	command -v patch >/dev/null || { echo "tune.sh: patch is not installed" >&2; exit 1; }
fi
if [[ " $variants " == *" udpworkers "* ]]; then
	"$here/patched.sh" bench/data/coredns-udpworkers docs/patches/miekg-dns-udp-workers.patch
fi
if [[ " $variants " == *" udpbatch "* ]]; then
	"$here/patched.sh" bench/data/coredns-udpbatch docs/patches/miekg-dns-udp-workers.patch docs/patches/miekg-dns-udp-recvmmsg.patch
fi
bench/data/benchtool gen -geoip "$db" -out "$data" -port "$port" >"$res/gen.txt"
grep -qx -- "$tcase" "$data/cases.txt" || { echo "tune.sh: unknown case $tcase (cases: $(tr '\n' ' ' <"$data/cases.txt"))" >&2; exit 2; }

# corefile VARIANT: the server block of the production chain, as changed by
# VARIANT.
corefile() {
	local prom="    prometheus 127.0.0.1:$((port + 2))" cache="    cache 30" extra="" metrics=endpoints
	case "$1" in
	noprom) prom="" ;;
	nocache) cache="" ;;
	multisocket) extra="    multisocket 2" ;;
	log) extra="    log" ;;
	logdenial) extra=$'    log {\n        class denial\n    }' ;;
	metricsnone) metrics=none ;;
	metricsrecords) metrics=records ;;
	metricsoff) metrics=off ;;
	esac
	cat <<EOF
# bench/tune.sh, variant $1: the production chain (prometheus, errors,
# cache, trafficflow, file), changed as the variant says.
example.org:$port {
    bind 127.0.0.1
$prom
$cache
$extra
    errors
    trafficflow $root/$data/store {
        geoip $root/$db
        metrics $metrics
    }
    file $root/$data/db.example.org
}
EOF
}

# start VARIANT NAME: starts the server of VARIANT (its environment, build
# and Corefile), logging to NAME.log, and waits until it answers.
start() {
	local v=$1 bin=bench/data/coredns env=(GOMAXPROCS=1)
	case "$v" in
	gogc200) env+=(GOGC=200) ;;
	gogc400) env+=(GOGC=400) ;;
	gogcoff) env+=(GOGC=off GOMEMLIMIT=256MiB) ;;
	stackstart) env+=(GODEBUG=adaptivestackstart=1) ;;
	procs2) env=(GOMAXPROCS=2) ;;
	cachefirst) bin=bench/data/coredns-cachefirst ;;
	udpworkers) bin=bench/data/coredns-udpworkers ;;
	udpbatch) bin=bench/data/coredns-udpbatch ;;
	esac
	corefile "$v" >"$res/$v.Corefile"
	env "${env[@]}" taskset -c 0 "$bin" -conf "$res/$v.Corefile" >"$2.log" 2>&1 &
	server=$!
	wait_ready "$2.log"
}
trap stop_server EXIT

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "command: $cmdline"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc), $(uname -sr)"
	echo "go: $(go version)"
	echo "case: $tcase, geoip: $db"
	echo "dnsperf: -B -c $clients -q $outstanding -l $duration (fixed rate: -Q $fixed_rate), taskset -c 1; server: taskset -c 0"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$res/machine.txt"

seqno=0
# session ROUND VARIANT: one server of VARIANT, measured at full load and at
# the fixed rate; both runs are listed in runs.txt for the report.
session() {
	local r=$1 v=$2 base
	seqno=$((seqno + 1))
	base=$(printf 'r%d-%02d-%s' "$r" "$seqno" "$v")
	start "$v" "$res/$base"
	rate="" measure "$tcase" 1 "$res/$base-warmup"
	rate="" measure "$tcase" "$duration" "$res/$base-full"
	rate=$fixed_rate measure "$tcase" "$duration" "$res/$base-rate"
	stop_server
	echo "$r $v full $base-full" >>"$res/runs.txt"
	echo "$r $v rate $base-rate" >>"$res/runs.txt"
	printf '   %-12s %6s QPS, %s at %s/s\n' "$v" \
		"$(sed -n 's/.*Queries per second: *\([0-9]*\).*/\1/p' "$res/$base-full.txt")" \
		"$(sed -n 's/.*Average Latency (s): *\([0-9.]*\).*/\1 s/p' "$res/$base-rate.txt")" "$fixed_rate"
}

for r in $(seq "$rounds"); do
	echo "== round $r of $rounds"
	for v in $variants; do
		session "$r" base
		session "$r" "$v"
	done
	session "$r" base
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$res/machine.txt"

echo
echo "== results: $res"
cat "$res/machine.txt"
echo
bench/data/benchtool tune -dir "$res"
