#!/usr/bin/python3
"""test/client.py MODE ARGS...: the suite's python3 socket peers, clients
mostly (helper.bash's pyclient runs it, bounded in time). Every wait inside is
bounded at 10 s, but hold's.

talk [--from SRC] [--send TEXT] [--keep-open] HOST PORT
    Connect to HOST:PORT (from the address SRC), send the line TEXT, shut the
    sending side (not with --keep-open), and read until the server closes.
    Prints "got:DATA end:eof|reset|timeout", DATA stripped.
ends [--say FMT] N HOST PORT
    N connections one after another, each reading until the server ends it.
    Prints "eof N reset N data N timeout N": how each ended (data: the server
    sent something first). With --say, connection i first sends the line
    FMT % i and shuts its sending side.
dgram HOST PORT TEXT
    Send the datagram TEXT and print the one that comes back.
reset HOST PORT
    Connect, wait for data, and close with a reset (SO_LINGER 0): a client
    that breaks off mid-transfer. Prints its own port; fails if no data came.
port tcp|udp
    Print a port of 127.0.0.1 that was free a moment ago (bound, then closed).
hold [--rcvbuf N] [--no-accept [--fill]] [--udp] HOST
    A TCP server on HOST, port 0, that says "port N", accepts one connection
    (not with --no-accept: then its queue holds one, and later connects
    wait), and holds it 30 s without reading: a peer that never answers.
    --fill: the server first fills its queue with connections of its own, so
    that any connect from outside waits (its SYNs are dropped).
    With --udp: a UDP socket bound there, holding its port 30 s.
"""
import socket
import struct
import sys
import time


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def talk(args):
    src, send, keep = None, None, False
    while args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--from":
            src = args.pop(0)
        elif opt == "--send":
            send = args.pop(0)
        elif opt == "--keep-open":
            keep = True
        else:
            sys.exit("client.py talk: unknown option " + opt)
    host, port = args
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(10)
    if src:
        s.bind((src, 0))
    s.connect((host, int(port)))
    data, end = b"", "eof"
    try:
        if send is not None:
            s.sendall(send.encode() + b"\n")
        if not keep:
            s.shutdown(socket.SHUT_WR)
        while True:
            b = s.recv(4096)
            if not b:
                break
            data += b
    except (ConnectionResetError, BrokenPipeError):
        end = "reset"
    except socket.timeout:
        end = "timeout"
    print("got:%s end:%s" % (data.decode(errors="replace").strip(), end))


def ends(args):
    say = None
    if args[0] == "--say":
        say = args[1]
        args = args[2:]
    n, host, port = int(args[0]), args[1], int(args[2])
    count = dict.fromkeys(("eof", "reset", "data", "timeout"), 0)
    for i in range(n):
        s = socket.create_connection((host, port), timeout=10)
        try:
            if say is not None:
                s.sendall((say % i).encode() + b"\n")
                s.shutdown(socket.SHUT_WR)
            end = "eof" if s.recv(100) == b"" else "data"
        except ConnectionResetError:
            end = "reset"
        except socket.timeout:
            end = "timeout"
        count[end] += 1
        s.close()
    print(" ".join("%s %d" % kv for kv in count.items()))


def dgram(args):
    host, port, text = args
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(10)
    s.sendto(text.encode(), (host, int(port)))
    sys.stdout.write(s.recv(65536).decode(errors="replace"))


def reset(args):
    host, port = args
    s = socket.create_connection((host, int(port)), timeout=10)
    if not s.recv(1000):
        sys.exit("client.py reset: the server sent nothing")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    print(s.getsockname()[1])
    s.close()


def port(args):
    kind = {"tcp": socket.SOCK_STREAM, "udp": socket.SOCK_DGRAM}[args[0]]
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def hold(args):
    rcvbuf, accept, kind, fill = None, True, socket.SOCK_STREAM, False
    while args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--rcvbuf":
            rcvbuf = int(args.pop(0))
        elif opt == "--no-accept":
            accept = False
        elif opt == "--fill":
            fill = True
        elif opt == "--udp":
            kind = socket.SOCK_DGRAM
        else:
            sys.exit("client.py hold: unknown option " + opt)
    s = socket.socket(family(args[0]), kind)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((args[0], 0))
    if kind == socket.SOCK_DGRAM:
        accept = False
    else:
        s.listen(1 if accept else 0)
    held = []
    for _ in range(3 if fill else 0):
        c = socket.socket(family(args[0]), socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect(s.getsockname()[:2])
        except BlockingIOError:
            pass
        held.append(c)
    print("port", s.getsockname()[1], flush=True)
    if accept:
        c, _ = s.accept()
    time.sleep(30)


MODES = {"hold": hold, "talk": talk, "ends": ends, "dgram": dgram, "reset": reset, "port": port}

if len(sys.argv) < 2 or sys.argv[1] not in MODES:
    sys.exit("usage: client.py talk|ends|dgram|reset|port|hold ARGS... (see the file)")
MODES[sys.argv[1]](sys.argv[2:])
