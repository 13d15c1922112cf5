#!/usr/bin/env bash
# bench/tls.sh: send SIZE bytes (1 GiB) over loopback TLS through
# vlcnet-connect --tls -> vlcnet-listen --tls, then through ncat --ssl and socat
# OPENSSL / OPENSSL-LISTEN the same way, all with the same certificate (an EC
# P-256 one made for the run) and the cipher suite OpenSSL and libtls both pick
# by default (TLS 1.3, TLS_AES_256_GCM_SHA384; the line under the table says
# what vlcnet negotiated). Prints MB/s (10^6 bytes per second, best of RUNS),
# the ratios, and each tool's peak RSS (/usr/bin/time -f %M, the larger of its
# two ends).
#
#   bench/tls.sh                 VLCNET_BUILD=/tmp/b bench/tls.sh
#   BENCH_SIZE=256M BENCH_RUNS=3 bench/tls.sh
#
# Every client reads the bytes from a pipe (`head -c SIZE /dev/zero |`) and
# every server writes into a pipe to `head -c SIZE | wc -c`, which counts what
# arrived: a run that delivers another count fails, and so does the script
# (status 1). ncat and socat run one-way (--recv-only, -u); vlcnet runs as a
# user would run it, both ways with the server's stdin /dev/null (the server
# sends its close_notify at once and the client waits for the end of its own
# data).
# Nothing is installed: a missing peer is named with its Debian package and
# left out of the run.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${VLCNET_BUILD:-$TOP/build}
SIZE=${BENCH_SIZE:-1G}
RUNS=${BENCH_RUNS:-1}
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$TMP"' EXIT

require() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "tls.sh: $1 is needed: apt-get install $2" >&2
	exit 2
}
require openssl openssl
require python3 python3
require numfmt coreutils
[ -x /usr/bin/time ] || { echo "tls.sh: /usr/bin/time is needed: apt-get install time" >&2; exit 2; }
for t in vlcnet-listen vlcnet-connect; do
	[ -x "$BUILD/$t" ] || { echo "tls.sh: $BUILD/$t missing: run make" >&2; exit 2; }
done
bytes=$(numfmt --from=iec "$SIZE") || exit 2
CERT=$TMP/cert.pem KEY=$TMP/key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	-keyout "$KEY" -out "$CERT" 2>/dev/null || { echo "tls.sh: openssl req failed" >&2; exit 1; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# listening PORT: wait (5 s at most) until something listens on 127.0.0.1:PORT.
listening() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qi "$(printf ':%04X 00000000:0000 0A' "$1")" /proc/net/tcp && return 0
		sleep 0.05
	done
	return 1
}

# The server and client commands of each tool; PORT is replaced.
server_cmd() {
	case $1 in
	vlcnet) echo "'$BUILD/vlcnet-listen' --tls --tls-cert '$CERT' --tls-key '$KEY' 127.0.0.1 PORT </dev/null" ;;
	ncat) echo "ncat --ssl --ssl-cert '$CERT' --ssl-key '$KEY' --recv-only -l 127.0.0.1 PORT </dev/null" ;;
	socat) echo "socat -u OPENSSL-LISTEN:PORT,bind=127.0.0.1,reuseaddr,cert='$CERT',key='$KEY',verify=0 STDOUT" ;;
	esac
}
client_cmd() {
	case $1 in
	vlcnet) echo "'$BUILD/vlcnet-connect' --tls --tls-ca '$CERT' localhost PORT >/dev/null" ;;
	ncat) echo "ncat --ssl --ssl-verify --ssl-trustfile '$CERT' --send-only localhost PORT" ;;
	socat) echo "socat -u STDIN OPENSSL:localhost:PORT,cafile='$CERT'" ;;
	esac
}

# once TOOL: one transfer; prints "MB/s RSS_KB", or fails. The time runs from
# the client's start until `head -c SIZE` on the server's side has passed the
# SIZE bytes on to `wc -c`: ncat ends a connection at the end of its input
# before all of it has arrived (the rest is lost), so its input stays open 3 s
# longer, which the time does not count.
once() {
	local tool=$1 port s c t0 t1 got rss_s rss_c hold=0 i
	[ "$tool" = ncat ] && hold=3
	port=$(free_port)
	s=$(server_cmd "$tool") c=$(client_cmd "$tool")
	rm -f "$TMP/count"
	bash -c "/usr/bin/time -o '$TMP/rss.s' -f %M bash -c \"exec ${s//PORT/$port}\" |
		head -c $bytes | wc -c >'$TMP/count.part'; mv '$TMP/count.part' '$TMP/count'" &
	listening "$port" || { echo "tls.sh: $tool did not listen" >&2; return 1; }
	t0=$(date +%s.%N)
	{ head -c "$bytes" /dev/zero; sleep "$hold"; } |
		/usr/bin/time -o "$TMP/rss.c" -f %M bash -c "exec ${c//PORT/$port}" &
	for ((i = 0; i < 600000; i++)); do
		[ -e "$TMP/count" ] && break
		sleep 0.01
	done
	t1=$(date +%s.%N)
	wait
	got=$(cat "$TMP/count" 2>/dev/null)
	if [ "$got" != "$bytes" ]; then
		echo "tls.sh: $tool delivered ${got:-no} bytes of $bytes" >&2
		return 1
	fi
	rss_s=$(tail -n 1 "$TMP/rss.s") rss_c=$(tail -n 1 "$TMP/rss.c")
	python3 -c "import sys; print('%.0f %d' % ($bytes / ($t1 - $t0) / 1e6, max($rss_s, $rss_c)))"
}

declare -A mbs rss
failed=0
tools=(vlcnet)
command -v ncat >/dev/null && tools+=(ncat) || echo "tls.sh: ncat missing (apt-get install ncat): left out" >&2
command -v socat >/dev/null && tools+=(socat) || echo "tls.sh: socat missing (apt-get install socat): left out" >&2
for tool in "${tools[@]}"; do
	best=0 peak=0
	for ((r = 0; r < RUNS; r++)); do
		if ! out=$(once "$tool"); then
			failed=1
			continue
		fi
		read -r m k <<<"$out"
		((m > best)) && best=$m
		((k > peak)) && peak=$k
	done
	mbs[$tool]=$best rss[$tool]=$peak
done

echo "TLS over loopback, $SIZE, best of $RUNS:"
printf '%-8s %10s %12s\n' tool MB/s "peak RSS"
for tool in "${tools[@]}"; do
	printf '%-8s %10s %9s KB\n' "$tool" "${mbs[$tool]}" "${rss[$tool]}"
done
faster=0
for tool in "${tools[@]:1}"; do
	((${mbs[$tool]} > faster)) && faster=${mbs[$tool]}
	[ "${mbs[$tool]}" -gt 0 ] &&
		python3 -c "print('vlcnet / %s: %.2fx' % ('$tool', ${mbs[vlcnet]} / ${mbs[$tool]}))"
done
[ "$faster" -gt 0 ] &&
	python3 -c "print('vlcnet / the faster peer: %.2fx (target 1.3x); vlcnet peak RSS %d KB (target < 16384)' % (${mbs[vlcnet]} / $faster, ${rss[vlcnet]}))"
port=$(free_port)
"$BUILD/vlcnet-listen" --tls --tls-cert "$CERT" --tls-key "$KEY" 127.0.0.1 "$port" </dev/null >/dev/null 2>&1 &
listening "$port" && "$BUILD/vlcnet-connect" -v --tls --tls-ca "$CERT" localhost "$port" </dev/null 2>&1 >/dev/null |
	sed -n 's/^vlcnet-connect: TLS: \([^,]*\), \([^,]*\),.*/vlcnet negotiated: \1, \2/p'
wait
exit "$failed"
