"""Run the Rocket.Chat emulator standalone: python -m tests.emulator.rocketchat --version 7.10 --port 3000"""
import argparse
import json
import signal
import sys

from .profiles import PROFILES
from .server import Emulator, EmulatorServer
from .state import SEED_USERS


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.emulator.rocketchat", description=__doc__)
    parser.add_argument("--version", default="7.10", help="version profile: %s" % ", ".join(PROFILES))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--site-url", help="Site_Url (default http://HOST:PORT)")
    parser.add_argument("--deployment-id", help="DEPLOYMENT_ID, the public uniqueID (default: random)")
    parser.add_argument("--rate-limit-calls", type=int, help="API_Enable_Rate_Limiter_Limit_Calls_Default (10)")
    parser.add_argument("--rate-limit-window-ms", type=int,
                        help="API_Enable_Rate_Limiter_Limit_Time_Default in ms (60000)")
    parser.add_argument("--hidden", default="", help="SETTINGS_HIDDEN: comma-separated ids")
    parser.add_argument("--blocked", default="", help="SETTINGS_BLOCKED: comma-separated ids")
    parser.add_argument("--overwrite", action="append", default=[], metavar="ID=JSON",
                        help="OVERWRITE_SETTING_<id>: value as JSON (repeatable)")
    parser.add_argument("--federation-tester-host", help="FEDERATION_TESTER_HOST")
    parser.add_argument("--enable-insecure-legacy-federation", action="store_true",
                        help="ENABLE_INSECURE_LEGACY_FEDERATION=true")
    parser.add_argument("--license", default="federation", metavar="MODULES",
                        help="active Enterprise licence modules, comma-separated; 'none' for no licence "
                             "(Community). Default: federation")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="added server-side latency per API request (models a database round trip)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    overwrite = {}
    for item in args.overwrite:
        key, _sep, raw = item.partition("=")
        overwrite[key] = json.loads(raw)
    site_url = args.site_url or "http://%s:%d" % (args.host, args.port)
    emulator = Emulator(args.version, site_url=site_url, deployment_id=args.deployment_id,
                        rate_limit_calls=args.rate_limit_calls, rate_limit_window_ms=args.rate_limit_window_ms,
                        hidden=[i for i in args.hidden.split(",") if i], blocked=[i for i in args.blocked.split(",") if i],
                        federation_tester_host=args.federation_tester_host,
                        insecure_legacy_federation=args.enable_insecure_legacy_federation, overwrite=overwrite,
                        latency=args.latency_ms / 1000.0,
                        license_modules=None if args.license == "none" else [m for m in args.license.split(",") if m])
    server = EmulatorServer((args.host, args.port), emulator)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if not args.quiet:
        print("Rocket.Chat emulator %s (profile %s) on http://%s:%d" % (
            emulator.profile.full_version, emulator.profile.name, args.host, server.server_address[1]))
        for seed in SEED_USERS:
            for name, token, bypass in seed["pats"]:
                print("  user %-9s id %s  PAT %-11s %s%s" % (seed["username"], seed["_id"], name, token,
                                                             "  (bypasses 2FA)" if bypass else ""))
        sys.stdout.flush()
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
