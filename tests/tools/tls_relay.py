#!/usr/bin/env python3
"""A man in the middle for the appliance-exchange tests: terminates TLS from the caller
with its own certificate, opens its own TLS connection to the real server (presenting
the same certificate as its client certificate), and relays the decrypted bytes both
ways. Everything it saw in clear is appended to --record, so a test can check that the
password never crossed it.

Usage: tls_relay.py --upstream 127.0.0.1:PORT --cert relay.pem --key relay.key --record seen.bin
Prints "PORT <n>" once it listens on 127.0.0.1 (a free port).
"""

import argparse
import select
import socket
import ssl
import sys
import threading


def relay(caller, upstream, record, lock):
    """Carries bytes both ways on one thread: an SSL socket is never used by two threads
    at once (OpenSSL does not allow it), so nothing stalls under load."""
    other = {caller: upstream, upstream: caller}
    outgoing = {caller: bytearray(), upstream: bytearray()}
    for s in other:
        s.setblocking(False)
    open_ = True
    try:
        while open_:
            buffered = [s for s in other if s.pending()]
            writers = [s for s in other if outgoing[s]]
            readable, _, _ = select.select(list(other), writers, [], 0 if buffered else 60)
            if not readable and not buffered and not writers:
                break  # idle for a minute
            for source in set(readable) | set(buffered):
                try:
                    data = source.recv(65536)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    continue
                if not data:
                    open_ = False
                    break
                with lock:
                    record.write(data)
                    record.flush()
                outgoing[other[source]] += data
            for sink in other:
                if outgoing[sink]:
                    try:
                        sent = sink.send(outgoing[sink])
                        del outgoing[sink][:sent]
                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                        pass
        for sink in other:
            if outgoing[sink]:
                sink.setblocking(True)
                sink.sendall(outgoing[sink])
    except (OSError, ssl.SSLError):
        pass
    finally:
        for s in other:
            try:
                s.close()
            except OSError:
                pass


def serve(args):
    host, port = args.upstream.rsplit(":", 1)
    inbound = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    inbound.load_cert_chain(args.cert, args.key)
    outbound = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    outbound.check_hostname = False
    outbound.verify_mode = ssl.CERT_NONE
    outbound.load_cert_chain(args.cert, args.key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(f"PORT {listener.getsockname()[1]}", flush=True)
    record = open(args.record, "ab")
    lock = threading.Lock()
    while True:
        client, _ = listener.accept()
        try:
            caller = inbound.wrap_socket(client, server_side=True)
            upstream = outbound.wrap_socket(
                socket.create_connection((host, int(port))), server_hostname=host
            )
        except (OSError, ssl.SSLError) as e:
            print(f"relay: {e}", file=sys.stderr, flush=True)
            client.close()
            continue
        threading.Thread(
            target=relay, args=(caller, upstream, record, lock), daemon=True
        ).start()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--record", required=True)
    serve(parser.parse_args())


if __name__ == "__main__":
    main()
