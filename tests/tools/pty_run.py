"""Runs a command in a pseudo-terminal, types the given lines (one per argument after
`--`), and prints everything the terminal showed. Used by the interactive-shell tests.

    python3 pty_run.py <program> [args...] -- <line> [<line> ...]
"""
import os
import pty
import select
import sys
import time


def main():
    split = sys.argv.index("--")
    command, lines = sys.argv[1:split], sys.argv[split + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    output = b""

    def drain(seconds):
        nonlocal output
        deadline = time.time() + seconds
        while time.time() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    return
                if not chunk:
                    return
                output += chunk

    drain(3.0)
    for line in lines:
        os.write(fd, line.replace("\\t", "\t").encode() + b"\r")
        drain(1.0)
    os.write(fd, b"exit\r")
    drain(1.0)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    sys.stdout.write(output.decode("utf-8", "replace"))


main()
