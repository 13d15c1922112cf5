#!/usr/bin/env bash
# bench/xform.sh: what the stream transforms of core/xform.c cost, and ncat's
# hex dump for reference. Builds bench/xform.c against the build's core
# objects and prints MB/s per second of CPU time (CPU time, not wall time, so
# that a loaded machine changes the figures less) for a plain memcpy, CRLF,
# the raw log and the hex log. Then sends SIZE bytes (50M) with
# `ncat --send-only` to an `ncat -l` on loopback, with and without -x, and
# prints the client's CPU seconds for each, the ratio (what -x costs ncat's
# relay), ncat's hex dump speed (SIZE over the CPU -x adds), and ours over it.
#
#   bench/xform.sh               BENCH_SIZE=200M bench/xform.sh
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${VLCNET_BUILD:-$TOP/build}
SIZE=${BENCH_SIZE:-50M}
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$TMP"' EXIT

[ -f "$BUILD/core/xform.o" ] || { echo "xform.sh: run make first" >&2; exit 2; }
# shellcheck disable=SC2046
cc -O2 -D_GNU_SOURCE -o "$TMP/xform" "$TOP/bench/xform.c" "$BUILD"/core/*.o \
	$(pkg-config --libs libidn2 libtls) -lm || exit 2
bytes=$(numfmt --from=iec "$SIZE") || exit 2
echo "core/xform.c, 64 KiB chunks of text (an LF every ~40 bytes), per CPU second:"
"$TMP/xform" "$((bytes / 1000000))" | tee "$TMP/ours" | sed 's/^/  /'

if ! command -v ncat >/dev/null; then
	echo "ncat is not installed (apt-get install ncat): no reference run"
	exit 0
fi
head -c "$bytes" /dev/urandom >"$TMP/data"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# ncat_cpu [OPTION...]: the CPU seconds of one ncat client sending the data.
ncat_cpu() {
	local t
	ncat -l 127.0.0.1 "$port" >/dev/null &
	for _ in $(seq 100); do
		grep -qi "$(printf ':%04X 00000000:0000 0A' "$port")" /proc/net/tcp && break
		sleep 0.05
	done
	TIMEFORMAT='%U %S'
	t=$( { time ncat "$@" --send-only 127.0.0.1 "$port" <"$TMP/data" 2>/dev/null; } 2>&1 )
	wait
	awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%.3f\n", a[1] + a[2] }'
}

plain=$(ncat_cpu)
hex=$(ncat_cpu -x /dev/null)   # both hex logs go to /dev/null
awk -v p="$plain" -v h="$hex" -v b="$bytes" -v size="$SIZE" \
    -v ours="$(awk '$1 == "hex-log" { print $2 }' "$TMP/ours")" 'BEGIN {
	printf "ncat --send-only %s: %.2f s CPU plain, %.2f s with -x (%.1fx)\n", size, p, h, h / p
	if (h > p) {
		n = b / 1e6 / (h - p)
		printf "ncat hex dump: %.0f MB/s; core/xform.c hex log: %.0f MB/s (%.1fx)\n", n, ours, ours / n
	}
}'
