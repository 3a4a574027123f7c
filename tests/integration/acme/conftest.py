"""Pebble (an RFC 8555 test CA) validating against the lab's BIND, for the acme_certificate integration tests.

BIND binds only addresses configured on an interface, so it listens on 127.0.0.1 (a free port); Pebble on a random
127.x address. BIND serves `acme.test` (updates signed with the TSIG key) and
`locked.test`, whose updates it refuses, to make a DNS provider fail half-way through publishing challenges.
"""
import os
import random
import re

import dns.message
import dns.query
import dns.rdatatype
import dns.tsigkeyring
import dns.update
import pytest

from tests.support.bind import BindServer
from tests.support.federation_lab import LabParts
from tests.support.paths import scratch_dir


class LabBind(BindServer):
    """BIND with `locked.test` refusing every UPDATE (allow-update { none; })."""

    def _config(self):
        return re.sub(r'(zone "locked\.test" \{[^}]*allow-update \{)[^}]*(\})', r"\1 none; \2", super()._config())


@pytest.fixture(scope="module")
def lab():
    host = "127.%d.%d.%d" % (random.randint(100, 199), random.randint(1, 250), random.randint(2, 250))
    parts = LabParts(scratch_dir("acme-lab"))
    try:
        bind = parts.bind(("acme.test", "locked.test"), server_class=LabBind)
        yield Lab(bind, parts.pebble(bind, host))
    finally:
        parts.stop()


class Lab:
    def __init__(self, bind, pebble):
        self.bind = bind
        self.pebble = pebble

    def update(self, zone, replace=None, delete=()):
        keyring = dns.tsigkeyring.from_text({self.bind.tsig_name: self.bind.tsig_secret})
        update = dns.update.UpdateMessage(zone, keyring=keyring, keyalgorithm=self.bind.tsig_algorithm)
        for name, (rtype, ttl, texts) in (replace or {}).items():
            update.replace(name, ttl, rtype, *texts)
        for name, rtype in delete:
            update.delete(name, rtype)
        response = dns.query.tcp(update, self.bind.host, port=self.bind.port, timeout=5)
        assert response.rcode() == 0, response

    def lookup(self, name, rtype="TXT"):
        query = dns.message.make_query(name, rtype)
        response = dns.query.udp(query, self.bind.host, port=self.bind.port, timeout=5)
        for rrset in response.answer:
            if rrset.rdtype == dns.rdatatype.from_text(rtype):
                return rrset
        return None

    def order_count(self):
        """Orders Pebble received, from its own log."""
        with open(self.pebble.log_path, encoding="utf-8", errors="replace") as handle:
            return len(re.findall(r"POST /order-plz", handle.read()))

    def args(self, workdir, names, **kw):
        args = {
            "directory_url": self.pebble.directory_url,
            "ca_path": self.pebble.ca_bundle,
            "terms_agreed": True,
            "account_key_path": os.path.join(workdir, "account.key"),
            "names": names,
            "certificate_path": os.path.join(workdir, "cert.pem"),
            "key_path": os.path.join(workdir, "cert.key"),
            "provider": "rfc2136",
            "rfc2136": {"server": self.bind.host, "port": self.bind.port, "key_name": self.bind.tsig_name,
                        "key_secret": self.bind.tsig_secret, "key_algorithm": self.bind.tsig_algorithm},
            "propagation_servers": ["%s:%d" % (self.bind.host, self.bind.port)],
            "propagation_timeout": 20,
            "validation_timeout": 60,
        }
        args.update(kw)
        return args
