"""Pebble (Debian's package), an RFC 8555 ACME test server, on loopback.

Its HTTPS endpoints use a certificate from a throw-away test CA (`ca_bundle` trusts them); the certificates it
issues chain to a root it generates at start, fetched from its management interface (`issuer_roots()`).
Challenges are validated for real: DNS-01 against the DNS server given (the lab's BIND), HTTP-01 on `http_port`
of the address the name resolves to there. The environment makes it deterministic: no random sleep before
validation, no rejected nonces, no reuse of earlier authorizations.
"""
import json
import os
import ssl
import urllib.request

from tests.support.pki import TestCA
from tests.support.procs import ServerProcess, free_port

PEBBLE = "/usr/bin/pebble"


class PebbleServer(ServerProcess):
    name = "pebble"

    def __init__(self, workdir, dns_server, host="127.0.0.1", http_port=None):
        super().__init__(workdir)
        self.host = host
        self.dns_server = dns_server  # "address:port"
        self.http_port = http_port
        self.port = None
        self.management_port = None
        self.ca = None

    @property
    def directory_url(self):
        return "https://%s:%d/dir" % (self.host, self.port)

    @property
    def ca_bundle(self):
        """The bundle a client trusts for Pebble's own HTTPS endpoints."""
        return self.ca.cert_path

    def _context(self):
        return ssl.create_default_context(cafile=self.ca_bundle)

    def start(self, timeout=20):
        self.port = free_port(self.host)
        self.management_port = free_port(self.host)
        if self.http_port is None:
            self.http_port = free_port(self.host)
        self.ca = TestCA(os.path.join(self.workdir, "ca"), common_name="pebble endpoint CA")
        server_cert = self.ca.issue("pebble", [self.host, "localhost"])
        config = {"pebble": {
            "listenAddress": "%s:%d" % (self.host, self.port),
            "managementListenAddress": "%s:%d" % (self.host, self.management_port),
            "certificate": server_cert.cert_path,
            "privateKey": server_cert.key_path,
            "httpPort": self.http_port,
            "tlsPort": free_port(self.host),
            "ocspResponderURL": "",
            "externalAccountBindingRequired": False,
        }}
        path = os.path.join(self.workdir, "pebble-config.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(config, handle)
        env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0", PEBBLE_AUTHZREUSE="0",
                   PEBBLE_VA_ALWAYS_VALID="0")
        self.spawn([PEBBLE, "-config", path, "-dnsserver", self.dns_server], env=env)
        self.wait_until(self._directory, timeout, "pebble on %s:%d" % (self.host, self.port))
        return self

    def _directory(self):
        with urllib.request.urlopen(self.directory_url, context=self._context(), timeout=5) as response:  # nosec
            return json.load(response)

    def issuer_roots(self):
        """PEM of the root(s) Pebble signs issued certificates with (changes at every start)."""
        url = "https://%s:%d/roots/0" % (self.host, self.management_port)
        with urllib.request.urlopen(url, context=self._context(), timeout=5) as response:  # nosec - loopback
            return response.read()
