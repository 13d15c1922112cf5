#!/bin/sh
# bench/fs.sh: vlcnet-ls and vlcnet-stat against coreutils on a directory of
# 200,000 files. Prints, per case, the best of 5 wall-clock times of each tool
# (output to /dev/null) and their ratio, vlcnet / coreutils: at most 1.00 is
# the target. Usage: bench/fs.sh [BUILD_DIR]   (default: build/, or $VLCNET_BUILD)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${VLCNET_BUILD:-$top/build}}
for t in vlcnet-ls vlcnet-stat; do
	[ -x "$build/$t" ] || { echo "bench/fs.sh: $build/$t missing: run make" >&2; exit 2; }
done
command -v python3 >/dev/null || { echo "bench/fs.sh: python3 is needed" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vlcnet-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

python3 - "$tmp" "$build" <<'PY'
import os, subprocess, sys, time

tmp, build = sys.argv[1], sys.argv[2]
n, nstat, runs = 200000, 10000, 5
big = os.path.join(tmp, "big")
os.mkdir(big)
# Names of varied lengths, created out of order (one process, no touch(1)).
names = ["%d-%s.dat" % ((i * 7919) % n, "x" * (i % 13)) for i in range(n)]
for name in names:
    os.close(os.open(os.path.join(big, name), os.O_CREAT | os.O_WRONLY, 0o644))
paths = ["big/" + name for name in names[::n // nstat]][:nstat]

env = dict(os.environ, LC_ALL="C")
ls, stat = os.path.join(build, "vlcnet-ls"), os.path.join(build, "vlcnet-stat")

def best(cmd):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=tmp, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t)
    return min(times)

cases = [
    ("vlcnet-ls -U", [ls, "-U", "big"], "ls -f", ["ls", "-f", "big"]),
    ("vlcnet-ls", [ls, "big"], "LC_ALL=C ls", ["ls", "big"]),
    ("vlcnet-ls -l", [ls, "-l", "big"], "LC_ALL=C ls -l", ["ls", "-l", "big"]),
    ("vlcnet-stat -c '%n %s' (10k)", [stat, "-c", "%n %s"] + paths,
     "stat -c '%n %s' (10k)", ["stat", "-c", "%n %s"] + paths),
]
print("%d entries, best of %d runs" % (n, runs))
print("%-30s %9s   %-24s %9s   %s" % ("vlcnet", "seconds", "coreutils", "seconds", "ratio"))
worst = 0
for name, cmd, peer, pcmd in cases:
    best(cmd)   # warm the caches for both
    a, b = best(cmd), best(pcmd)
    worst = max(worst, a / b)
    print("%-30s %9.4f   %-24s %9.4f   %.2f" % (name, a, peer, b, a / b))
print("worst ratio: %.2f" % worst)
PY
