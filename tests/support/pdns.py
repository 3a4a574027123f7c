"""PowerDNS Authoritative (Debian's package) with the SQLite backend, its HTTP API and RFC 2136 with TSIG."""
import json
import os
import shutil
import subprocess
import urllib.request

from tests.support.dnsutil import new_tsig_secret, soa_serial
from tests.support.procs import ServerProcess, free_port

PDNS_SERVER = "/usr/sbin/pdns_server"
PDNSUTIL = "/usr/bin/pdnsutil"
SCHEMA = "/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql"


class PowerDNSServer(ServerProcess):
    name = "pdns"

    def __init__(self, workdir, zones=("pdns.test",), host="127.0.0.1", tsig_name="fedops-key",
                 tsig_algorithm="hmac-sha256"):
        super().__init__(workdir)
        self.zones = [z.rstrip(".") for z in zones]
        self.host = host
        self.dns_port = None
        self.api_port = None
        self.api_key = "pdns-" + new_tsig_secret()[:24].replace("/", "x").replace("+", "y")
        self.tsig_name = tsig_name
        self.tsig_algorithm = tsig_algorithm
        self.tsig_secret = new_tsig_secret()

    @property
    def port(self):
        return self.dns_port

    @property
    def api_url(self):
        return "http://%s:%d" % (self.host, self.api_port)

    def _config(self):
        wd = self.workdir
        return "\n".join([
            "launch=gsqlite3",
            "gsqlite3-database=%s/pdns.sqlite3" % wd,
            "local-address=%s" % self.host,
            "local-port=%d" % self.dns_port,
            "api=yes",
            "api-key=%s" % self.api_key,
            "webserver=yes",
            "webserver-address=%s" % self.host,
            "webserver-port=%d" % self.api_port,
            "webserver-allow-from=127.0.0.0/8",
            "daemon=no",
            "guardian=no",
            "disable-syslog=yes",
            "socket-dir=%s" % wd,
            "loglevel=5",
            "security-poll-suffix=",
            "dnsupdate=yes",
            "allow-dnsupdate-from=127.0.0.0/8",
            "",
        ])

    def _pdnsutil(self, *args):
        subprocess.run([PDNSUTIL, "--config-dir=%s" % self.workdir] + list(args), check=True,
                       capture_output=True, text=True)

    def api(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.api_url + path, data=data, method=method,
                                         headers={"X-API-Key": self.api_key, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:  # nosec - loopback test server
            raw = response.read()
            return json.loads(raw) if raw else None

    def start(self, timeout=20):
        self.dns_port = free_port(self.host, udp_too=True)
        self.api_port = free_port(self.host)
        db = os.path.join(self.workdir, "pdns.sqlite3")
        if os.path.exists(db):
            os.unlink(db)
        with open(SCHEMA, "rb") as schema:
            subprocess.run([shutil.which("sqlite3") or "sqlite3", db], stdin=schema, check=True)
        with open(os.path.join(self.workdir, "pdns.conf"), "w", encoding="ascii") as handle:
            handle.write(self._config())
        self.spawn([PDNS_SERVER, "--config-dir=%s" % self.workdir])
        self.wait_until(lambda: self.api("GET", "/api/v1/servers/localhost"), timeout, "PowerDNS API")
        self._pdnsutil("import-tsig-key", self.tsig_name, self.tsig_algorithm, self.tsig_secret)
        for zone in self.zones:
            self.api("POST", "/api/v1/servers/localhost/zones", {
                "name": zone + ".", "kind": "Native", "nameservers": ["ns1.%s." % zone],
                "soa_edit_api": "INCREASE",
                "rrsets": [{"name": "ns1.%s." % zone, "type": "A", "ttl": 300, "changetype": "REPLACE",
                            "records": [{"content": self.host, "disabled": False}]}],
            })
            self._pdnsutil("set-meta", zone, "TSIG-ALLOW-DNSUPDATE", self.tsig_name)
            self._pdnsutil("set-meta", zone, "SOA-EDIT-DNSUPDATE", "INCREASE")
        self.wait_until(lambda: [self.soa_serial(z) for z in self.zones], timeout, "PowerDNS DNS")
        return self

    def soa_serial(self, zone):
        return soa_serial(self.host, self.dns_port, zone)

    def statistics(self):
        return {item["name"]: item.get("value") for item in self.api("GET", "/api/v1/servers/localhost/statistics")
                if "value" in item}
