#!/usr/bin/python3
"""A hostile artifact server for tests/e2e/hostile_fetcher.bats (standard library only).

Usage: hostile_fetcher.py WWW_DIR PORT_FILE CANARY_DIR LEVELS

Serves on 127.0.0.1 (a port the OS picks, written to PORT_FILE):
  /endless        200 with a body that never ends and no length
  /trickle        200 announcing 1 MiB, then one byte a second
  /chain.tar      links that each stay inside when read as text, chained so that
                  on disk they reach CANARY_DIR (LEVELS directories above the
                  sandbox), then a file written through them
  /chain-hardlink.tar  the same chain, then a hard link to CANARY_DIR/file that
                  carries data
  /stdout.tar     the same chain, then stdout and executor.log as links through
                  it: the agent and the executor open those after the fetch
  /absolute.tar   a link to CANARY_DIR, then a file written through it
  /bomb.tar.gz    about 4.5 MiB that expands to 1 GiB of zeros in 1024 files
  anything else   the file of that name in WWW_DIR
"""
import http.server
import io
import os
import sys
import tarfile
import time
import zlib

WWW, PORT_FILE, CANARY, LEVELS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
CANARY_NAME = os.path.basename(CANARY)


def tar_of(members):
    """members: (name, kind, data or link target[, data of a hard link])"""
    out = io.BytesIO()
    # pax: where a hard link may carry data
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, value, *data in members:
            info = tarfile.TarInfo(name)
            if kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, value
                tar.addfile(info)
            elif kind == "hardlink":  # with data, which an extractor writes into the file linked
                info.type, info.linkname, info.size = tarfile.LNKTYPE, value, len(data[0])
                info.pax_headers = {"comment": "a hard link with data"}
                tar.addfile(info, io.BytesIO(data[0]))
            else:
                info.size = len(value)
                tar.addfile(info, io.BytesIO(value))
    return out.getvalue()


def chain_tar(*last):
    # x at depth LEVELS-1 points back to the sandbox itself; "out" climbs
    # LEVELS directories from there, which the text of its target pays for
    # with the directories it names first. Then `last`, through "out".
    depth = LEVELS - 1
    dirs = "/".join("d%d" % i for i in range(depth))
    target = dirs + "/x/" + "../" * LEVELS + CANARY_NAME
    return tar_of([(dirs + "/x", "link", "/".join([".."] * depth)),
                   ("out", "link", target)] + list(last))


def bomb_tar_gz(files=1024, size=1 << 20):
    """`files` files of `size` zeros each: every entry alone is small."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)  # gzip framing
    parts = []
    chunk = bytes(size)
    for i in range(files):
        info = tarfile.TarInfo("zeros/%04d" % i)
        info.size = size
        parts.append(compressor.compress(info.tobuf(format=tarfile.GNU_FORMAT)))
        parts.append(compressor.compress(chunk))
    parts.append(compressor.compress(bytes(1024)))  # the end of the archive
    parts.append(compressor.flush())
    return b"".join(parts)


ROUTES = {
    "/chain.tar": chain_tar(("out/escaped", "file", b"written through a chain of links\n")),
    "/chain-hardlink.tar": chain_tar(("h", "hardlink", "out/file", b"written through a hard link\n")),
    "/stdout.tar": chain_tar(("stdout", "link", "out/task-output"),
                             ("executor.log", "link", "out/executor-output")),
    "/absolute.tar": tar_of([("abs", "link", CANARY),
                             ("abs/escaped", "file", b"written through an absolute link\n")]),
    "/bomb.tar.gz": bomb_tar_gz(),
}


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=WWW, **kwargs)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s\n" % (fmt % args))

    def do_GET(self):
        path = self.path.split("?")[0]
        try:
            if path == "/endless":
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = bytes(1 << 16)
                while True:
                    self.wfile.write(chunk)
            elif path == "/trickle":
                self.send_response(200)
                self.send_header("Content-Length", str(1 << 20))
                self.end_headers()
                while True:
                    self.wfile.write(b"t")
                    self.wfile.flush()
                    time.sleep(1)
            elif path in ROUTES:
                body = ROUTES[path]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                super().do_GET()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the fetcher gave up: what it should do


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
