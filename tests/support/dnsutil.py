"""Small DNS helpers shared by the DNS server fixtures: TSIG secrets, SOA serials, zone files."""
import base64
import os

import dns.message
import dns.query
import dns.rdatatype
import dns.tsigkeyring


def new_tsig_secret():
    return base64.b64encode(os.urandom(32)).decode("ascii")


def soa_serial(host, port, zone, timeout=2.0):
    query = dns.message.make_query(zone.rstrip(".") + ".", dns.rdatatype.SOA)
    response = dns.query.udp(query, host, port=port, timeout=timeout)
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    raise LookupError("no SOA for %s at %s:%s (rcode %s)" % (zone, host, port, response.rcode()))


def zone_file_text(zone, ns_address="127.0.0.1", serial=1):
    zone = zone.rstrip(".") + "."
    return (
        "$TTL 300\n"
        "@ IN SOA ns1.{z} hostmaster.{z} ({s} 3600 600 86400 300)\n"
        "@ IN NS ns1.{z}\n"
        "ns1 IN A {a}\n"
    ).format(z=zone, s=serial, a=ns_address)


def tsig_keyring(server):
    """The dnspython keyring of a test DNS server's TSIG key (its tsig_name, tsig_algorithm, tsig_secret)."""
    return dns.tsigkeyring.from_text({server.tsig_name: (server.tsig_algorithm, server.tsig_secret)})
