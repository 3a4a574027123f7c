"""BIND 9 (Debian's package) as a primary for test zones, accepting RFC 2136 updates signed with TSIG.

Listens on 127.0.0.1 on a free port (UDP and TCP), with a statistics channel whose JSON opcode counters
let tests count the QUERY and UPDATE messages the server really received.
"""
import json
import os
import urllib.request

import dns.name
import dns.query
import dns.update
import dns.zone

from tests.support.dnsutil import new_tsig_secret, soa_serial, tsig_keyring, zone_file_text
from tests.support.procs import ServerProcess, free_port

NAMED = "/usr/sbin/named"


class BindServer(ServerProcess):
    name = "named"

    def __init__(self, workdir, zones=("example.test",), tsig_name="fedops-key", tsig_algorithm="hmac-sha256",
                 host="127.0.0.1", allow_unsigned=False):
        super().__init__(workdir)
        self.zones = [z.rstrip(".") for z in zones]
        self.host = host
        self.port = None
        self.stats_port = None
        self.tsig_name = tsig_name
        self.tsig_algorithm = tsig_algorithm
        self.tsig_secret = new_tsig_secret()
        self.allow_unsigned = allow_unsigned

    @property
    def stats_url(self):
        return "http://%s:%d/json/v1/server" % (self.host, self.stats_port)

    def _config(self):
        wd = self.workdir
        allow = "any;" if self.allow_unsigned else 'key "%s";' % self.tsig_name
        parts = [
            'key "%s" { algorithm %s; secret "%s"; };' % (self.tsig_name, self.tsig_algorithm, self.tsig_secret),
            "options {",
            '  directory "%s";' % wd,
            "  listen-on port %d { %s; };" % (self.port, self.host),
            "  listen-on-v6 { none; };",
            '  pid-file "%s/named.pid";' % wd,
            '  session-keyfile "%s/session.key";' % wd,
            "  recursion no;",
            "  allow-query { any; };",
            "  dnssec-validation no;",
            "  notify no;",
            "};",
            "controls { };",
            "statistics-channels { inet %s port %d allow { 127.0.0.0/8; }; };" % (self.host, self.stats_port),
        ]
        for zone in self.zones:
            parts.append('zone "%s" { type primary; file "%s/db.%s"; allow-update { %s }; };' % (zone, wd, zone, allow))
        return "\n".join(parts) + "\n"

    def start(self, timeout=20):
        self.port = free_port(self.host, udp_too=True)
        self.stats_port = free_port(self.host)
        for zone in self.zones:
            path = os.path.join(self.workdir, "db.%s" % zone)
            with open(path, "w", encoding="ascii") as handle:
                handle.write(zone_file_text(zone, self.host))
            jnl = path + ".jnl"
            if os.path.exists(jnl):
                os.unlink(jnl)
        conf = os.path.join(self.workdir, "named.conf")
        with open(conf, "w", encoding="ascii") as handle:
            handle.write(self._config())
        self.spawn([NAMED, "-g", "-c", conf])
        self.wait_until(lambda: [self.soa_serial(z) for z in self.zones], timeout, "BIND on port %d" % self.port)
        return self

    def reset_zones(self):
        """Empty every zone back to what start() wrote (SOA, NS, ``ns1``), with one signed AXFR and one signed
        UPDATE per zone, so that a test module sharing this server starts from zones no other module wrote to."""
        keyring = tsig_keyring(self)
        for zone in self.zones:
            origin = dns.name.from_text(zone)
            xfr = dns.query.xfr(self.host, origin, port=self.port, keyring=keyring, keyname=self.tsig_name,
                                relativize=False, timeout=5, lifetime=10)
            content = dns.zone.from_xfr(xfr, relativize=False)
            update = dns.update.UpdateMessage(origin, keyring=keyring)
            keep = (origin, dns.name.from_text("ns1", origin))
            stale = [name for name in content.nodes if name not in keep]
            for name in stale:
                update.delete(name)
            if stale:
                response = dns.query.tcp(update, self.host, port=self.port, timeout=5)
                if response.rcode() != 0:
                    raise RuntimeError("BIND refused to empty %s: rcode %s" % (zone, response.rcode()))

    def soa_serial(self, zone):
        return soa_serial(self.host, self.port, zone)

    def stats(self):
        with urllib.request.urlopen(self.stats_url, timeout=5) as response:  # nosec - loopback test server
            return json.load(response)

    def opcode_counts(self):
        """Messages received by opcode, e.g. {"QUERY": 12, "UPDATE": 1}, as BIND itself counted them."""
        return {k: int(v) for k, v in self.stats().get("opcodes", {}).items()}
