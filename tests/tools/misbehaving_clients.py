#!/usr/bin/env python3
"""Clients that misbehave against `certhost serve` on loopback, for
host/tests/serve_hardening.rs: many concurrent sign-ins, parallel password guesses,
and connections that hold the server (idle after the TLS handshake, headers sent one
byte a second, TCP without TLS) while a probe keeps making normal requests.

Every connection goes to 127.0.0.1; a client's source address is another loopback
address (127.0.0.0/8 is all loopback on Linux), so per-address limits can be tested
without leaving the machine. Prints one JSON object on stdout.
"""

import argparse
import concurrent.futures
import json
import os
import selectors
import socket
import ssl
import threading
import time
import urllib.parse

HOST_NAME = "backup01.tech.local"


def tls_context():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


CONTEXT = tls_context()


def connect(port, source, tls=True, timeout=60):
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))
    return CONTEXT.wrap_socket(raw, server_hostname=HOST_NAME) if tls else raw


def request(port, source, method, path, headers="", body=b""):
    """One request on its own connection; the status code, or None on a connection error."""
    try:
        s = connect(port, source)
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {HOST_NAME}\r\nx-api-version: 1.0-rev0\r\n"
            f"Connection: close\r\n{headers}Content-Length: {len(body)}\r\n\r\n"
        )
        s.sendall(head.encode() + body)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ssl.SSLEOFError, ConnectionResetError):
                break
            if not chunk:
                break
            data += chunk
        s.close()
        return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None
    except OSError:
        return None


def login(port, source, user, password):
    body = urllib.parse.urlencode(
        {"grant_type": "password", "username": user, "password": password}
    ).encode()
    start = time.monotonic()
    status = request(
        port, source, "POST", "/api/oauth2/token",
        "Content-Type: application/x-www-form-urlencoded\r\n", body,
    )
    return status, time.monotonic() - start


def sources(base, count):
    """`count` loopback addresses from `base` upwards (127.0.1.1, 127.0.1.2, ...)."""
    a, b, c, d = (int(x) for x in base.split("."))
    start = (a << 24) | (b << 16) | (c << 8) | d
    return [socket.inet_ntoa((start + i).to_bytes(4, "big")) for i in range(count)]


def logins(args):
    """`count` sign-ins at once, spread over `sources` addresses, with the password in
    $SIGN_IN_PASSWORD (never an argument)."""
    password = os.environ.get("SIGN_IN_PASSWORD", "")
    addresses = sources(args.source_base, args.sources)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.count) as pool:
        futures = [
            pool.submit(
                login, args.port, addresses[i % len(addresses)],
                f"{args.user}{i}" if args.distinct_users else args.user, password,
            )
            for i in range(args.count)
        ]
        results = [f.result() for f in futures]
    statuses = {}
    for status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {"statuses": statuses, "seconds": sorted(round(t, 3) for _, t in results)}


def guesses(args):
    """`count` wrong passwords at once from one address: how long all of them took."""
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.count) as pool:
        futures = [
            pool.submit(login, args.port, args.source_base, args.user, f"wrong-guess-{i}")
            for i in range(args.count)
        ]
        results = [f.result() for f in futures]
    return {
        "statuses": sorted(str(s) for s, _ in results),
        "all_seconds": round(time.monotonic() - start, 3),
    }


class Held:
    def __init__(self, kind, sock, opened):
        self.kind = kind
        self.sock = sock
        self.opened = opened
        self.closed_after = None


def hold(args):
    """Opens connections that hold the server, probes it meanwhile, and reports when
    the server closed each one (seconds after it was opened, or null)."""
    addresses = sources(args.source_base, args.sources)
    held = []
    refused_at_connect = 0
    kinds = ["idle"] * args.idle + ["slow"] * args.slow + ["plain"] * args.plain
    probe_results = []
    stop = threading.Event()

    def probe():
        while not stop.is_set():
            probe_results.append(request(args.port, "127.0.0.1", "GET", "/api/v1/serverCertificate"))
            time.sleep(0.25)

    prober = threading.Thread(target=probe)
    prober.start()
    selector = selectors.DefaultSelector()
    open_count = 0

    def watch(timeout):
        """Notes the held connections the server has closed (how long after opening)."""
        nonlocal open_count
        for key, _ in selector.select(timeout=timeout):
            h = key.data
            try:
                data = h.sock.recv(4096)
            except ssl.SSLWantReadError:
                continue
            except OSError:
                data = b""
            if not data:
                h.closed_after = time.monotonic() - h.opened
                selector.unregister(h.sock)
                h.sock.close()
                open_count -= 1

    for i, kind in enumerate(kinds):
        source = addresses[i % len(addresses)]
        opened = time.monotonic()
        try:
            s = connect(args.port, source, tls=kind != "plain", timeout=10)
        except OSError:
            # The server closed it during the handshake: counted as closed at once.
            refused_at_connect += 1
            h = Held(kind, None, opened)
            h.closed_after = time.monotonic() - opened
            held.append(h)
            continue
        h = Held(kind, s, opened)
        held.append(h)
        # Watched from the moment it is open, so a close is seen when it happens even
        # while the rest are still being opened.
        s.setblocking(False)
        selector.register(s, selectors.EVENT_READ, h)
        open_count += 1
        watch(0)

    slow = [h for h in held if h.kind == "slow" and h.sock is not None]
    header = b"GET /api/v1/serverCertificate HTTP/1.1\r\nHost: x\r\nx-api-version: 1.0-rev0\r\n"
    deadline = time.monotonic() + args.watch
    next_byte = time.monotonic()
    sent = 0
    while open_count and time.monotonic() < deadline:
        if slow and time.monotonic() >= next_byte:
            # One more header byte a second on every slow connection (never the end).
            for h in slow:
                if h.closed_after is None:
                    try:
                        h.sock.send(header[sent % len(header): sent % len(header) + 1])
                    except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                        pass
                    except OSError:
                        pass
            sent += 1
            next_byte += 1.0
        watch(0.1)
    stop.set()
    prober.join()
    report = {"refused_at_connect": refused_at_connect, "probes": {}}
    for status in probe_results:
        report["probes"][str(status)] = report["probes"].get(str(status), 0) + 1
    for kind in ("idle", "slow", "plain"):
        report[kind] = [
            None if h.closed_after is None else round(h.closed_after, 2)
            for h in held if h.kind == kind
        ]
    return report


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["logins", "guesses", "hold"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--sources", type=int, default=1)
    parser.add_argument("--source-base", default="127.0.0.2")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--distinct-users", action="store_true",
                        help="sign in as USER0, USER1, ... (one account name per sign-in)")
    parser.add_argument("--idle", type=int, default=0)
    parser.add_argument("--slow", type=int, default=0)
    parser.add_argument("--plain", type=int, default=0)
    parser.add_argument("--watch", type=float, default=30)
    args = parser.parse_args()
    result = {"logins": logins, "guesses": guesses, "hold": hold}[args.command](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
