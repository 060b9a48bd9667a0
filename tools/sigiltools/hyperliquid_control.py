"""Posts one control request to a running `sigiltools.hyperliquid` server and prints the answer.

    python -m sigiltools.hyperliquid_control URL '{"method":"drop","refuseMs":500}'
"""
import sys
import urllib.request


def main(argv=None):
    url, body = (argv or sys.argv[1:])[:2]
    req = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        sys.stdout.write(r.read().decode())


if __name__ == "__main__":
    main()
