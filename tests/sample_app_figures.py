#!/usr/bin/env python3
"""The demo's figures match its flags: sample-app --latency-ms 20 --spread 0.2 over one
kept-alive connection has a median near 20 ms and a p95 near 20 * exp(1.645 * 0.2) = 28 ms.

Without TCP_NODELAY, Nagle's algorithm on the server and the client's delayed ACK stall each
answer written in two pieces for about 40 ms: the median read 60 ms and the p95 72 ms.
Wall-clock figures: the ctest carries the `timing` label.
"""
import http.client
import math
import socket
import subprocess
import sys
import time

MEDIAN_MS, SPREAD, REQUESTS = 20.0, 0.2, 200


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listening(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("sample-app did not listen on port %d" % port)


def main():
    port = free_port()
    app = subprocess.Popen([sys.argv[1], "--port", str(port), "--name", "v1", "--latency-ms",
                            str(MEDIAN_MS), "--spread", str(SPREAD)], stderr=subprocess.DEVNULL)
    try:
        wait_listening(port)
        conn = http.client.HTTPConnection("127.0.0.1", port)  # HTTP/1.1: kept alive
        times = []
        for _ in range(REQUESTS):
            started = time.monotonic()
            conn.request("GET", "/")
            conn.getresponse().read()
            times.append((time.monotonic() - started) * 1000)
    finally:
        app.terminate()
        app.wait()
    times.sort()
    median, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
    expected_p95 = MEDIAN_MS * math.exp(1.645 * SPREAD)
    print("median %.1f ms (flag %.0f), p95 %.1f ms (expected about %.1f)" %
          (median, MEDIAN_MS, p95, expected_p95))
    # Margins for a loaded machine, well under the 40 ms of a delayed-ACK stall.
    if not MEDIAN_MS * 0.9 <= median <= MEDIAN_MS + 8:
        sys.exit("median %.1f ms is not the flag's %.0f ms" % (median, MEDIAN_MS))
    if p95 > expected_p95 + 12:
        sys.exit("p95 %.1f ms is far above the expected %.1f ms: a 40 ms delayed-ACK stall?" %
                 (p95, expected_p95))


if __name__ == "__main__":
    main()
