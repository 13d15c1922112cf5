#!/bin/sh
# bench/fs.sh: vlcnet-ls and vlcnet-stat against coreutils on a directory of
# 200,000 files. Prints, per case, the best of 5 wall-clock times of each tool
# (output to a file) and their ratio, vlcnet / coreutils: at most 1.00 is
# the target. Every run's output is counted: a tool that printed another
# number of lines than the names it was given fails the bench (exit 1).
# Usage: bench/fs.sh [BUILD_DIR]   (default: build/, or $VLCNET_BUILD)
# VLCNET_BENCH_FILES=N uses N files instead (a quick check of the script).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${VLCNET_BUILD:-$top/build}}
for t in vlcnet-ls vlcnet-stat; do
	[ -x "$build/$t" ] || { echo "bench/fs.sh: $build/$t missing: run make" >&2; exit 2; }
done
command -v python3 >/dev/null || { echo "bench/fs.sh: python3 is needed" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vlcnet-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

python3 - "$tmp" "$build" "${VLCNET_BENCH_FILES:-200000}" <<'PY'
import os, subprocess, sys, time

tmp, build = sys.argv[1], sys.argv[2]
n, runs = int(sys.argv[3]), 5
nstat = min(10000, n)
big = os.path.join(tmp, "big")
os.mkdir(big)
# Names of varied lengths, created out of order (one process, no touch(1)).
names = ["%d-%s.dat" % ((i * 7919) % n, "x" * (i % 13)) for i in range(n)]
for name in names:
    os.close(os.open(os.path.join(big, name), os.O_CREAT | os.O_WRONLY, 0o644))
paths = ["big/" + name for name in names[::n // nstat]][:nstat]

env = dict(os.environ, LC_ALL="C")
ls, stat = os.path.join(build, "vlcnet-ls"), os.path.join(build, "vlcnet-stat")

out = os.path.join(tmp, "out")

def best(cmd, lines):
    """The best time of cmd; every run must print `lines` lines."""
    times = []
    for _ in range(runs):
        with open(out, "wb") as f:
            t = time.perf_counter()
            subprocess.run(cmd, cwd=tmp, env=env, stdout=f, check=True)
            times.append(time.perf_counter() - t)
        with open(out, "rb") as f:
            got = f.read().count(b"\n")
        if got != lines:
            sys.exit("bench/fs.sh: %s printed %d lines, %d expected"
                     % (" ".join(cmd[:3]), got, lines))
    return min(times)

# name, command, lines printed: ls -f adds . and .., -l a total line.
cases = [
    ("vlcnet-ls -U", [ls, "-U", "big"], n, "ls -f", ["ls", "-f", "big"], n + 2),
    ("vlcnet-ls", [ls, "big"], n, "LC_ALL=C ls", ["ls", "big"], n),
    ("vlcnet-ls -l", [ls, "-l", "big"], n + 1, "LC_ALL=C ls -l", ["ls", "-l", "big"], n + 1),
    ("vlcnet-stat -c '%%n %%s' (%d)" % nstat, [stat, "-c", "%n %s"] + paths, nstat,
     "stat -c '%%n %%s' (%d)" % nstat, ["stat", "-c", "%n %s"] + paths, nstat),
]
print("%d entries, best of %d runs" % (n, runs))
print("%-30s %9s   %-24s %9s   %s" % ("vlcnet", "seconds", "coreutils", "seconds", "ratio"))
worst = 0
for name, cmd, lines, peer, pcmd, plines in cases:
    best(cmd, lines)   # warm the caches for both
    a, b = best(cmd, lines), best(pcmd, plines)
    worst = max(worst, a / b)
    print("%-30s %9.4f   %-24s %9.4f   %.2f" % (name, a, peer, b, a / b))
print("worst ratio: %.2f" % worst)
PY
