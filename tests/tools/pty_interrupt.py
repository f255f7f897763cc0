"""Types a command at certhost's interactive prompt in a pseudo-terminal, presses Ctrl+C
after `wait` seconds, and reports how long the prompt took to come back and what the
terminal showed, as JSON: {"seconds": ..., "screen": "..."}. Used by the interactive
tests.

    python3 pty_interrupt.py <program> <wait-seconds> <command line>
"""
import json
import os
import pty
import select
import sys
import time

PROMPT = b"PS certhost> "


def main():
    program, wait, line = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(program, [program])
    output = b""

    def read_until(predicate, seconds):
        nonlocal output
        deadline = time.time() + seconds
        while time.time() < deadline:
            if predicate():
                return True
            ready, _, _ = select.select([fd], [], [], 0.01)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    return predicate()
                if not chunk:
                    return predicate()
                output += chunk
        return predicate()

    read_until(lambda: PROMPT in output, 10.0)
    os.write(fd, line.encode() + b"\r")
    read_until(lambda: False, wait)
    prompts = output.count(PROMPT)
    os.write(fd, b"\x03")
    sent = time.time()
    came_back = read_until(lambda: output.count(PROMPT) > prompts, 5.0)
    seconds = time.time() - sent if came_back else None
    os.write(fd, b"'still here'\r")
    read_until(lambda: b"still here\r\n" in output or b"still here\n" in output, 3.0)
    os.write(fd, b"exit\r")
    read_until(lambda: False, 0.5)
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        pass
    print(json.dumps({"seconds": seconds, "screen": output.decode("utf-8", "replace")}))


main()
