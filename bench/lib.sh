# bench/lib.sh: what bench/run.sh and bench/tune.sh share. Sourced, not run.
#
# The functions use these variables of the sourcing script: server (the
# server's PID), data (the generated data directory), port, clients and
# outstanding (dnsperf -c and -q), pprof_port, and rate (dnsperf -Q; empty
# for as fast as the server answers).

clk=$(getconf CLK_TCK)

# cputicks PID: the user and system CPU ticks of process PID.
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# cpustat: the busy (user, nice, system), softirq, idle (with iowait) and
# steal ticks of CPUs 0 and 1.
cpustat() { awk '/^cpu[01] / {printf "%s %s %s %s ", $2 + $3 + $4, $8, $5 + $6, $9}' /proc/stat; }

# wait_ready LOG: waits until the server answers static.example.org on
# 127.0.0.1:$port; if it exits first, prints LOG and fails.
wait_ready() {
	for _ in $(seq 150); do
		if dig +short +time=1 +tries=1 -p "$port" @127.0.0.1 static.example.org A 2>/dev/null | grep -q .; then
			return 0
		fi
		if ! kill -0 "$server" 2>/dev/null; then
			cat "$1" >&2
			return 1
		fi
		sleep 0.2
	done
	echo "the server did not answer within 30 s (log: $1)" >&2
	return 1
}

# stop_server: stops the server (if it runs) and waits for it.
stop_server() {
	if [ -n "${server:-}" ] && kill -0 "$server" 2>/dev/null; then
		kill "$server"
		wait "$server" 2>/dev/null || true
	fi
}

# measure CASE LIMIT OUT [PROFILE]: one dnsperf run of LIMIT seconds, pinned
# to CPU 1; OUT.txt is dnsperf's output and OUT.meta the server's CPU time,
# dnsperf's CPU time, the wall time and both CPUs' accounting. With PROFILE,
# the server's CPU profile over the run (from the pprof plugin) goes there.
measure() {
	local c=$1 limit=$2 out=$3 t0 t1 s0 s1 c0 c1 times profiler="" q=()
	if [ -n "${rate:-}" ]; then
		q=(-Q "$rate")
	fi
	if [ -n "${4:-}" ]; then
		(sleep 1 && curl -s -o "$4" "http://127.0.0.1:$pprof_port/debug/pprof/profile?seconds=$((limit - 2))") &
		profiler=$!
	fi
	s0=$(cputicks "$server")
	c0=$(cpustat)
	t0=$(date +%s.%N)
	times=$( { TIMEFORMAT='%U %S'; time taskset -c 1 dnsperf -B -d "$data/queries/$c.bin" -s 127.0.0.1 -p "$port" \
		-l "$limit" -c "$clients" -q "$outstanding" "${q[@]}" -t 2 >"$out.txt" 2>&1; } 2>&1)
	t1=$(date +%s.%N)
	s1=$(cputicks "$server")
	c1=$(cpustat)
	if [ -n "$profiler" ]; then
		wait "$profiler"
	fi
	awk -v s0="$s0" -v s1="$s1" -v clk="$clk" -v t0="$t0" -v t1="$t1" -v times="$times" -v c0="$c0" -v c1="$c1" 'BEGIN {
		split(times, u, " "); split(c0, a, " "); split(c1, b, " ")
		printf "server_cpu_s=%.3f\ndnsperf_cpu_s=%.3f\nwall_s=%.3f\n", (s1 - s0) / clk, u[1] + u[2], t1 - t0
		for (cpu = 0; cpu < 2; cpu++) {
			i = cpu * 4
			printf "cpu%d_busy_s=%.3f\ncpu%d_softirq_s=%.3f\ncpu%d_idle_s=%.3f\ncpu%d_steal_s=%.3f\n",
				cpu, (b[i+1] - a[i+1]) / clk, cpu, (b[i+2] - a[i+2]) / clk, cpu, (b[i+3] - a[i+3]) / clk, cpu, (b[i+4] - a[i+4]) / clk
		}
	}' >"$out.meta"
}
