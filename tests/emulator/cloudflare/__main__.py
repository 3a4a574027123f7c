"""Run the Cloudflare API emulator standalone:
python -m tests.emulator.cloudflare --port 8787 --token TOKEN --zone example.com"""
import argparse
import signal
import threading

from .server import CloudflareEmulator


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.emulator.cloudflare", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--token", action="append", required=True, help="an API token to accept (repeatable)")
    parser.add_argument("--zone", action="append", default=[], help="a zone to create (repeatable)")
    args = parser.parse_args(argv)
    emulator = CloudflareEmulator(args.host, args.port)
    for token in args.token:
        emulator.add_token(token)
    for zone in args.zone:
        print("zone %s id %s" % (zone, emulator.add_zone(zone)), flush=True)
    print("listening on %s" % emulator.url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    emulator.start()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    emulator.stop()


if __name__ == "__main__":
    main()
