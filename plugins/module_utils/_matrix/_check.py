# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Federation checks as a remote peer sees them: Matrix (bridge or native) and legacy Rocket.Chat DNS federation.

Each check yields one record ``{name, target, status, ok, detail, hint, data}``: ``status`` is ``pass``, ``warn``
(works, but worth fixing), ``fail`` or ``skip`` (not run because an earlier check failed or it does not apply);
``ok`` is false only for ``fail``; ``hint`` names the fix. :func:`run_checks` runs the checks concurrently on a
thread pool and returns the records, the verdict and a short report. Nothing here changes anything anywhere.

The pure parts (key response checks, certificate explanation, Rocket.Chat TXT joining, report) take plain data
so they are tested without servers.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import time
import traceback
from concurrent.futures import Future, ThreadPoolExecutor

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _discovery as disc
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._signedjson import (
    SignatureError,
    unpadded_b64decode,
    verify_signed_json,
)

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None


PASS, WARN, FAIL, SKIP = "pass", "warn", "fail", "skip"
HOUR_MS = 3600 * 1000
WEEK_MS = 7 * 24 * HOUR_MS

RC_SRV_ORDER = (("_rocketchat._https", "https"), ("_rocketchat._http", "http"), ("_rocketchat._tcp", "https"))
RC_KEY_TXT = "rocketchat-public-key"
RC_PROTOCOL_TXT = "rocketchat-tcp-protocol"
RC_KEY_SETTING = "FEDERATION_Public_Key"


def record(name, status, detail, hint=None, target=None, data=None):
    return {"name": name, "target": target, "status": status, "ok": status != FAIL, "detail": detail,
            "hint": hint if status in (FAIL, WARN) else None, "data": data or {}}


# --------------------------------------------------------------------------------------------------------------
# Certificates
# --------------------------------------------------------------------------------------------------------------

def describe_certificate(der):
    """Public facts about a DER certificate: names, issuer, validity, SHA-256 fingerprint."""
    if not der:
        return {}
    cert = x509.load_der_x509_certificate(der)

    def common_name(name):
        attrs = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return attrs[0].value if attrs else None

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = san.get_values_for_type(x509.DNSName)
        ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns_names, ips = [], []
    return {
        "subject_cn": common_name(cert.subject),
        "issuer_cn": common_name(cert.issuer),
        "dns_names": dns_names,
        "ip_addresses": ips,
        "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after_ts": int(cert.not_valid_after_utc.timestamp()),
        "not_before_ts": int(cert.not_valid_before_utc.timestamp()),
        "self_issued": cert.issuer == cert.subject,
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
    }


def name_matches(info, name):
    """Whether the certificate facts ``info`` cover ``name`` (DNS name with one-label wildcards, or an IP)."""
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        ip = None
    if ip is not None:
        return any(ipaddress.ip_address(a) == ip for a in info.get("ip_addresses", []))
    wanted = name.lower().rstrip(".")
    for pattern in info.get("dns_names", []):
        pattern = pattern.lower().rstrip(".")
        if pattern == wanted:
            return True
        if pattern.startswith("*.") and "." in wanted and wanted.split(".", 1)[1] == pattern[2:]:
            return True
    return False


def explain_certificate_failure(verify_message, info, tls_name, ca_desc, now=None, why_name=""):
    """``(detail, hint)`` saying why a certificate was refused, from the TLS error and the certificate itself."""
    now = now if now is not None else time.time()
    names = ", ".join(info.get("dns_names", []) + info.get("ip_addresses", [])) or "no subjectAltName"
    verify_message = verify_message or "verification failed"
    if info and not name_matches(info, tls_name):
        return ("certificate is for %s, not %s%s (%s)" % (names, tls_name, why_name, verify_message),
                "issue a certificate whose subjectAltName includes %s%s, and serve it on this address"
                % (tls_name, why_name))
    if info and info.get("not_after_ts", now + 1) < now:
        return ("certificate expired at %s (%s)" % (info["not_after"], verify_message),
                "renew the certificate for %s (and automate renewal)" % tls_name)
    if info and info.get("not_before_ts", 0) > now:
        return ("certificate is not valid before %s (%s)" % (info["not_before"], verify_message),
                "check the clocks of this host and the certificate issuer")
    issuer = info.get("issuer_cn") or "an unknown issuer"
    what = "self-signed" if info.get("self_issued") else "issued by %r" % issuer
    return ("certificate for %s is %s, which %s does not trust (%s)" % (tls_name, what, ca_desc, verify_message),
            "use a certificate from a CA every peer trusts (a public CA), or give every peer the CA (Synapse "
            "federation_custom_ca_list, ca_path here); serve the full chain including intermediates")


# --------------------------------------------------------------------------------------------------------------
# Key server response (pure)
# --------------------------------------------------------------------------------------------------------------

def check_key_response(doc, server_name, now_ms, target=None):
    """gomatrixserverlib's ``CheckKeys`` plus the spec's freshness rules, on a parsed ``/_matrix/key/v2/server``.

    Returns ``(records, verify_keys)`` where ``verify_keys`` maps key id to unpadded base64 public key for the
    ed25519 keys that decoded to 32 bytes.
    """
    out = []
    if not isinstance(doc, dict):
        out.append(record("key_response", FAIL, "the key response is not a JSON object",
                          "serve Synapse's /_matrix/key/v2/server unchanged through the proxy", target))
        return out, {}
    published = doc.get("server_name")
    if published == server_name:
        out.append(record("key_server_name", PASS, "server_name is %s" % published, target=target))
    elif isinstance(published, str) and server_name.startswith(published + ":"):
        out.append(record(
            "key_server_name", FAIL, "the server answers as %r, not %r" % (published, server_name),
            "a port is part of the server name only when the homeserver's server_name has it: check %r (the "
            "port belongs in the well-known m.server or the SRV record)" % published, target))
    else:
        out.append(record(
            "key_server_name", FAIL, "the server answers as %r, not %r" % (published, server_name),
            "the delegation (well-known m.server / SRV) must reach the homeserver whose server_name is %s; if "
            "you meant %r, check that name instead (check the server_name, not the delegated host)"
            % (server_name, published), target))
    vut = doc.get("valid_until_ts")
    if isinstance(vut, bool) or not isinstance(vut, int):
        out.append(record("key_valid_until", FAIL, "valid_until_ts is missing or not an integer",
                          "serve Synapse's key response unchanged", target))
    elif vut <= now_ms:
        out.append(record("key_valid_until", FAIL, "valid_until_ts %s is in the past" % _ms_text(vut),
                          "the server publishes expired keys: check its clock (NTP) and key_refresh_interval",
                          target, {"valid_until_ts": vut}))
    else:
        effective = min(vut, now_ms + WEEK_MS)
        detail = "valid until %s (peers cache it until %s)" % (_ms_text(vut), _ms_text(effective))
        if vut < now_ms + HOUR_MS:
            out.append(record("key_valid_until", WARN, detail + ", less than one hour ahead",
                              "the spec asks servers not to serve key responses expiring within an hour: check "
                              "key_refresh_interval and the clock", target, {"valid_until_ts": vut}))
        else:
            out.append(record("key_valid_until", PASS, detail, target=target, data={"valid_until_ts": vut}))
    verify_keys = doc.get("verify_keys")
    good = {}
    bad = []
    if isinstance(verify_keys, dict):
        for key_id, entry in sorted(verify_keys.items()):
            if not key_id.startswith("ed25519:"):
                continue
            raw = None
            if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                try:
                    raw = unpadded_b64decode(entry["key"])
                except ValueError:
                    raw = None
            if raw is not None and len(raw) == 32:
                good[key_id] = entry["key"]
            else:
                bad.append(key_id)
    if bad:
        out.append(record("key_ed25519", FAIL, "ed25519 keys that are not 32 bytes of base64: %s" % ", ".join(bad),
                          "serve Synapse's key response unchanged; a proxy or a broken signing key file alters it",
                          target))
    elif not good:
        out.append(record("key_ed25519", FAIL, "the response has no ed25519 verify key",
                          "check the signing key file (signing_key_path) and that /_matrix/key reaches Synapse",
                          target))
    else:
        out.append(record("key_ed25519", PASS, "ed25519 keys: %s" % ", ".join(sorted(good)), target=target,
                          data={"verify_keys": good}))
    failures = []
    for key_id, key in sorted(good.items()):
        try:
            verify_signed_json(doc, server_name, key_id, key)
        except SignatureError as exc:
            failures.append(str(exc))
    if not good:
        out.append(record("key_signatures", SKIP, "no usable ed25519 key to verify with", target=target))
    elif failures:
        out.append(record("key_signatures", FAIL, "; ".join(failures),
                          "the response must be signed by %s with every key in verify_keys: a proxy rewriting "
                          "JSON or a server_name mismatch breaks it" % server_name, target))
    else:
        out.append(record("key_signatures", PASS, "every ed25519 signature of %s verifies over canonical JSON"
                          % server_name, target=target))
    return out, good


def _ms_text(ms):
    try:
        return datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(ms)


def check_consistency(key_sets):
    """``key_sets``: ``{address: verify_keys}`` from every address that answered."""
    if len(key_sets) < 2:
        return record("keys_consistent", SKIP if not key_sets else PASS,
                      "only one address answered" if key_sets else "no address answered with keys")
    distinct = {}
    for address, keys in sorted(key_sets.items()):
        distinct.setdefault(tuple(sorted(keys.items())), []).append(address)
    if len(distinct) == 1:
        return record("keys_consistent", PASS, "all %d addresses publish the same keys" % len(key_sets))
    parts = ["%s: %s" % (", ".join(addrs), ", ".join("%s=%s" % kv for kv in keys) or "none")
             for keys, addrs in distinct.items()]
    return record("keys_consistent", FAIL, "addresses publish different keys: %s" % "; ".join(parts),
                  "every address must reach the same homeserver with the same signing key: remove stale "
                  "A/AAAA/SRV entries or fix the load balancer pool", data={"by_address": key_sets})


def normalise_expected(value):
    """Expected keys from a public key string, ``'ed25519:<v> <key>'``, a signing_key result dict or a list of them.

    Returns ``[(key_id or None, public_key_b64)]``; raises ``ValueError`` naming the problem.
    """
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            if isinstance(item.get("verify_keys"), dict) and "public_key" not in item:
                for key_id, entry in item["verify_keys"].items():
                    key = entry.get("key") if isinstance(entry, dict) else entry
                    out.append((key_id, _check_public_key(key)))
                continue
            key = item.get("public_key") or item.get("key")
            out.append((item.get("key_id"), _check_public_key(key)))
        elif isinstance(item, str):
            fields = item.split()
            if len(fields) == 2 and fields[0].startswith("ed25519:"):
                out.append((fields[0], _check_public_key(fields[1])))
            elif len(fields) == 1:
                out.append((None, _check_public_key(fields[0])))
            else:
                raise ValueError("expected '<unpadded base64 public key>' or 'ed25519:<version> <public key>', got "
                                 "%d fields" % len(fields))
        else:
            raise ValueError("expected a string or the signing_key module's result, got %s" % type(item).__name__)
    if not out:
        raise ValueError("no key given")
    return out


def _check_public_key(key):
    if not isinstance(key, str):
        raise ValueError("the public key must be a string")
    try:
        raw = unpadded_b64decode(key.strip())
    except ValueError as exc:
        raise ValueError("public key %r is not base64: %s" % (key, exc)) from None
    if len(raw) != 32:
        raise ValueError("public key %r decodes to %d bytes; an ed25519 public key has 32 (is it the private "
                         "seed line of a key file? use signing_key_path for files)" % (key, len(raw)))
    return key.strip().rstrip("=")


def check_expected(expected, responses):
    """``responses``: ``{address: key response doc}``. Each expected key must be a current verify key everywhere."""
    if not responses:
        return record("expected_key", SKIP, "no address answered with keys")
    problems = []
    for key_id, key in expected:
        for address, doc in sorted(responses.items()):
            current = dict((k, (v or {}).get("key", "").rstrip("=")) for k, v in (doc.get("verify_keys") or {}).items()
                           if isinstance(v, dict))
            old = dict((k, (v or {}).get("key", "").rstrip("=")) for k, v in
                       (doc.get("old_verify_keys") or {}).items() if isinstance(v, dict))
            label = "%s %s" % (key_id or "key", key)
            if key_id is not None and current.get(key_id) == key:
                continue
            if key_id is None and key in current.values():
                continue
            if key in old.values() or (key_id and old.get(key_id) == key):
                problems.append("%s: %s is only an old (expired) key; current: %s"
                                % (address, label, _keys_text(current)))
            elif key_id is not None and key in current.values():
                problems.append("%s: the key is published under another id (%s)" % (address, _keys_text(current)))
            else:
                problems.append("%s: %s is not published; the server publishes %s"
                                % (address, label, _keys_text(current)))
    if problems:
        return record("expected_key", FAIL, "; ".join(problems),
                      "the homeserver signs with a different key than expected: it was regenerated (Synapse creates "
                      "a new key silently when the key file is missing). Restore the key file from the backup and "
                      "restart; if the rotation was intended, keep the old key in old_signing_keys and update the "
                      "expected key")
    return record("expected_key", PASS, "published: %s" % ", ".join("%s %s" % (k or "key", v) for k, v in expected))


def _keys_text(keys):
    return ", ".join("%s=%s" % kv for kv in sorted(keys.items())) or "no keys"


# --------------------------------------------------------------------------------------------------------------
# Legacy Rocket.Chat DNS federation (pure parts)
# --------------------------------------------------------------------------------------------------------------

def join_rocketchat_txt(answer):
    """The public key as Rocket.Chat reads it: the first TXT record, its strings joined with ''."""
    if not answer.ok or not answer.records:
        return None
    return b"".join(answer.records[0]).decode("utf-8", "replace")


def public_key_der(text):
    """DER bytes of a PEM public key given as one line (Rocket.Chat's form) or several; None if unparsable."""
    if not text:
        return None
    body = text.replace("\r", "").replace("\n", "")
    begin, end = "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"
    if begin not in body or end not in body:
        return None
    inner = body.split(begin, 1)[1].split(end, 1)[0].replace(" ", "")
    try:
        der = base64.b64decode(inner, validate=True)
        if HAS_CRYPTOGRAPHY:
            serialization.load_der_public_key(der)
    except (ValueError, TypeError):
        return None
    return der


def rocketchat_legacy_records(domain, answers, workspace_key=None, key_source=None):
    """Check Rocket.Chat legacy DNS federation from the lookups Rocket.Chat makes (4.x-7.x ``dns.js``).

    ``answers`` maps query names to :class:`DnsAnswer`: the three SRV names, the key TXT and the protocol TXT.
    """
    out = []
    chosen = None
    srv_answers = []
    for prefix, protocol in RC_SRV_ORDER:
        answer = answers["%s.%s" % (prefix, domain)]
        srv_answers.append(answer)
        if answer.ok and chosen is None:
            chosen = (prefix, protocol, answer)
    errors = [a for a in srv_answers if a.status == "error"]
    protocol_txt = answers["%s.%s" % (RC_PROTOCOL_TXT, domain)]
    if chosen is None:
        if errors:
            out.append(record("rocketchat_srv", FAIL, "; ".join(a.describe() for a in errors),
                              "fix the DNS servers for %s: Rocket.Chat treats a failed lookup like a missing record"
                              % domain, domain))
        else:
            out.append(record("rocketchat_srv", FAIL, "none of %s exists" % ", ".join(a.name for a in srv_answers),
                              "publish SRV _rocketchat._https.%s (e.g. 1 1 443 <chat host>); without it Rocket.Chat "
                              "falls back to the federation Hub" % domain, domain))
        url = None
    else:
        prefix, protocol, answer = chosen
        first = answer.records[0]
        url = "%s://%s:%d" % (protocol, first.target, first.port)
        data = {"name": answer.name, "records": [r.as_dict() for r in answer.records], "url": url}
        detail = "Rocket.Chat uses %s: %s" % (answer.name, url)
        if prefix == "_rocketchat._http":
            out.append(record("rocketchat_srv", WARN, detail + " (plain HTTP)",
                              "serve Rocket.Chat over HTTPS and publish _rocketchat._https.%s instead" % domain,
                              domain, data))
        elif len(answer.records) > 1:
            out.append(record("rocketchat_srv", WARN, detail + "; %d records, Rocket.Chat takes the first the resolver "
                              "returns and ignores priority and weight" % len(answer.records),
                              "publish a single SRV record", domain, data))
        else:
            out.append(record("rocketchat_srv", PASS, detail, target=domain, data=data))
    tcp_only = chosen is not None and chosen[0] == "_rocketchat._tcp"
    proto_value = join_rocketchat_txt(protocol_txt)
    if tcp_only:
        if proto_value and proto_value.strip().lower() == "http":
            out.append(record("rocketchat_protocol", FAIL,
                              "only _rocketchat._tcp.%s exists and %s.%s says 'http'; Rocket.Chat looks that TXT up "
                              "as an SRV record (a bug), never sees it and connects with https"
                              % (domain, RC_PROTOCOL_TXT, domain),
                              "publish SRV _rocketchat._http.%s (or serve HTTPS and publish _rocketchat._https.%s)"
                              % (domain, domain), domain))
        else:
            out.append(record("rocketchat_protocol", WARN,
                              "only the legacy _rocketchat._tcp.%s exists%s; Rocket.Chat's lookup of %s.%s is broken "
                              "(queried as SRV), so it always uses https" % (
                                  domain, " with TXT %r" % proto_value if proto_value else "", RC_PROTOCOL_TXT, domain),
                              "publish SRV _rocketchat._https.%s and drop _rocketchat._tcp + the protocol TXT" % domain,
                              domain))
    else:
        out.append(record("rocketchat_protocol", PASS if chosen else SKIP,
                          "not needed (%s)" % (chosen[0] if chosen else "no SRV record"), target=domain))
    key_answer = answers["%s.%s" % (RC_KEY_TXT, domain)]
    txt_key = join_rocketchat_txt(key_answer)
    if txt_key is None:
        if key_answer.status == "error":
            out.append(record("rocketchat_public_key_txt", FAIL, key_answer.describe(),
                              "fix the DNS servers for %s" % domain, domain))
        else:
            out.append(record("rocketchat_public_key_txt", FAIL, "%s.%s has no TXT record" % (RC_KEY_TXT, domain),
                              "publish TXT %s.%s with the workspace's FEDERATION_Public_Key" % (RC_KEY_TXT, domain),
                              domain))
    elif public_key_der(txt_key) is None:
        out.append(record("rocketchat_public_key_txt", FAIL,
                          "the joined TXT value (%d characters) is not a PEM public key: %.60s..."
                          % (len(txt_key), txt_key),
                          "publish FEDERATION_Public_Key exactly as Rocket.Chat shows it (one line, BEGIN/END "
                          "PUBLIC KEY included); long values may be split into several strings of one record",
                          domain))
    elif len(key_answer.records) > 1:
        out.append(record("rocketchat_public_key_txt", WARN,
                          "%d TXT records; Rocket.Chat reads only the first the resolver returns" % len(key_answer.records),
                          "keep exactly one TXT record at %s.%s (split a long key into strings of one record)"
                          % (RC_KEY_TXT, domain), domain, {"value": txt_key}))
    else:
        out.append(record("rocketchat_public_key_txt", PASS, "one record, %d string(s), %d characters joined" % (
            len(key_answer.records[0]), len(txt_key)), target=domain, data={"value": txt_key}))
    if workspace_key is None:
        out.append(record("rocketchat_public_key", SKIP, "no workspace key to compare with (give the key or the "
                          "settings API credentials)", target=domain))
    elif txt_key is None:
        out.append(record("rocketchat_public_key", SKIP, "no TXT key to compare", target=domain))
    else:
        same = _same_public_key(txt_key, workspace_key)
        if same:
            out.append(record("rocketchat_public_key", PASS, "the TXT key is the workspace key (%s)" % key_source,
                              target=domain))
        else:
            out.append(record("rocketchat_public_key", FAIL,
                              "the TXT key at %s.%s differs from the workspace's FEDERATION_Public_Key (%s)"
                              % (RC_KEY_TXT, domain, key_source),
                              "publish the current FEDERATION_Public_Key in TXT %s.%s: peers encrypt to the TXT "
                              "key, so this workspace cannot read what they send" % (RC_KEY_TXT, domain), domain))
    return out, url


def _same_public_key(a, b):
    der_a, der_b = public_key_der(a), public_key_der(b)
    if der_a is not None and der_b is not None:
        return der_a == der_b
    return "".join(a.split()) == "".join(b.split())


# --------------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------------

def verdict(records):
    failed = [r for r in records if r["status"] == FAIL]
    warned = [r for r in records if r["status"] == WARN]
    return not failed, failed, warned


def render_report(subject, records, summary_lines=()):
    ok, failed, warned = verdict(records)
    passed = sum(1 for r in records if r["status"] == PASS)
    skipped = sum(1 for r in records if r["status"] == SKIP)
    lines = ["federation check %s: %s (%d passed, %d failed, %d warnings, %d skipped)"
             % (subject, "OK" if ok else "FAILED", passed, len(failed), len(warned), skipped)]
    lines.extend("  " + line for line in summary_lines)
    for rec in failed + warned:
        where = " [%s]" % rec["target"] if rec["target"] else ""
        lines.append("%s %s%s: %s" % (rec["status"].upper(), rec["name"], where, rec["detail"]))
        if rec["hint"]:
            lines.append("  fix: %s" % rec["hint"])
    return lines


# --------------------------------------------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------------------------------------------

class CheckContext(object):
    """What the network checks share: clients, a thread pool and the options."""

    def __init__(self, options, dns_client, http_client, pool, now=None):
        self.options = options
        self.dns = dns_client
        self.http = http_client
        self.pool = pool
        self.now = now if now is not None else time.time()
        ca_path = options.get("ca_path")
        self.ca_desc = "the CA bundle %s" % ca_path if ca_path else "the system trust store"

    def submit(self, fn, *args, **kwargs):
        return self.pool.submit(fn, *args, **kwargs)


def _source_text(endpoint):
    target = endpoint.target
    text = "%s:%d from %s" % (target.host, target.port, target.source)
    if endpoint.note:
        text += ", %s" % endpoint.note
    return text


def check_endpoint(ctx, endpoint, server_name):
    """Connection, certificate, federation version and key checks for one resolved address."""
    label = endpoint.label
    target = endpoint.target
    out = []
    response_doc = None
    conn = ctx.http.connection(endpoint.ip, endpoint.port, target.tls_name, verify=True)
    try:
        try:
            conn.open()
            info = describe_certificate(conn.tls.cert_der)
            out.append(record("connection", PASS, "TLS %s to %s (%s)" % (conn.tls.version, label, _source_text(endpoint)),
                              target=label))
            out.append(record("tls_certificate", PASS, "valid for %s, issued by %s, expires %s" % (
                target.tls_name, info.get("issuer_cn"), info.get("not_after")), target=label, data=info))
        except disc.HttpError as exc:
            if exc.kind != "tls_verify":
                hint = _connection_hint(exc, endpoint)
                out.append(record("connection", FAIL, "%s: %s (%s)" % (label, exc.message, _source_text(endpoint)),
                                  hint, label))
                for name in ("tls_certificate", "federation_version", "key_response"):
                    out.append(record(name, SKIP, "no connection", target=label))
                return out, None
            conn.close()
            conn = ctx.http.connection(endpoint.ip, endpoint.port, target.tls_name, verify=False)
            try:
                conn.open()
            except disc.HttpError as exc2:
                out.append(record("connection", FAIL, "%s: %s" % (label, exc2.message), _connection_hint(exc2, endpoint),
                                  label))
                return out, None
            info = describe_certificate(conn.tls.cert_der)
            out.append(record("connection", PASS, "TLS %s to %s (%s)" % (conn.tls.version, label, _source_text(endpoint)),
                              target=label))
            why = " (the name the spec requires for %s)" % target.source
            detail, hint = explain_certificate_failure(exc.verify_message, info, target.tls_name, ctx.ca_desc,
                                                       ctx.now, why)
            out.append(record("tls_certificate", FAIL, detail, hint, label, info))
        out.append(_version_check(conn, target, label))
        try:
            response = conn.request("GET", "/_matrix/key/v2/server", target.host_header, max_body=512 * 1024)
        except disc.HttpError as exc:
            out.append(record("key_response", FAIL, "GET /_matrix/key/v2/server: %s" % exc.message,
                              "make the reverse proxy forward /_matrix/key to Synapse", label))
            return out, None
        if response.status != 200:
            out.append(record("key_response", FAIL, "GET /_matrix/key/v2/server: HTTP %d" % response.status,
                              "make the reverse proxy forward /_matrix/key (all of /_matrix) to Synapse's federation "
                              "listener", label))
            return out, None
        try:
            response_doc = response.json()
        except ValueError as exc:
            out.append(record("key_response", FAIL, "key response is not JSON: %s" % exc,
                              "make /_matrix/key/v2/server reach Synapse, not an error page", label))
            return out, None
        out.append(record("key_response", PASS, "HTTP 200 from %s" % label, target=label))
        records, _good = check_key_response(response_doc, ctx.options["server_name"], int(ctx.now * 1000), label)
        out.extend(records)
        return out, response_doc
    finally:
        conn.close()


def _connection_hint(exc, endpoint):
    target = endpoint.target
    where = "%s (%s)" % (endpoint.label, _source_text(endpoint))
    if exc.kind == "refused":
        if "well-known" in target.source:
            return ("nothing listens on %s: fix m.server in /.well-known/matrix/server or make the federation "
                    "listener (or reverse proxy) listen there" % where)
        if "SRV" in target.source:
            return "nothing listens on %s: fix the SRV record's port/target or start the listener there" % where
        return ("nothing listens on %s: open the federation port, or delegate with /.well-known/matrix/server or "
                "SRV _matrix-fed._tcp" % where)
    if exc.kind == "timeout":
        return "%s does not answer: check firewalls and that the address is right" % where
    if exc.kind == "tls":
        return "%s does not speak TLS: federation needs HTTPS (terminate TLS in Synapse or the proxy)" % where
    return "cannot reach %s: check routing and the address" % where


def _version_check(conn, target, label):
    try:
        response = conn.request("GET", "/_matrix/federation/v1/version", target.host_header)
    except disc.HttpError as exc:
        return record("federation_version", FAIL, "GET /_matrix/federation/v1/version: %s" % exc.message,
                      "make sure this address serves the federation API", label)
    if response.status != 200:
        return record("federation_version", FAIL, "GET /_matrix/federation/v1/version: HTTP %d" % response.status,
                      "enable the 'federation' resource on the listener and forward /_matrix/federation in the "
                      "reverse proxy", label)
    try:
        server = response.json().get("server") or {}
        text = "%s %s" % (server.get("name"), server.get("version"))
    except (ValueError, AttributeError):
        return record("federation_version", FAIL, "the version response is not the expected JSON",
                      "make /_matrix/federation reach the homeserver", label)
    return record("federation_version", PASS, text, target=label, data={"server": server})


def _wellknown_record(wellknown, ctx):
    if wellknown is None:
        return record("wellknown_server", SKIP, "not used (IP literal or explicit port)")
    data = wellknown.as_dict()
    if wellknown.state == "found":
        return record("wellknown_server", PASS, "m.server %s (%s)" % (wellknown.m_server, wellknown.url), data=data)
    if wellknown.state == "absent":
        # No listener, no address or 404: a plain "not delegated by well-known". Anything else (timeouts, 5xx,
        # 403) makes peers wait or retry and is likely a mistake.
        clean = wellknown.status == 404 or wellknown.error_kind in ("refused", "dns")
        return record("wellknown_server", PASS if clean else WARN,
                      "not served (%s): peers use SRV or port 8448" % wellknown.error,
                      "serve /.well-known/matrix/server, or answer 404 if delegation by well-known is not wanted",
                      data=data)
    if wellknown.redirect_308:
        hint = "Synapse does not follow HTTP 308: use 301 or 302 for this redirect"
    elif wellknown.verify_error:
        host = wellknown.url.split("/")[2]
        hint = ("peers ignore a well-known with a bad certificate: serve a certificate for %s that peers trust (%s)"
                % (host, wellknown.verify_error))
    elif wellknown.m_server is not None:
        hint = 'm.server must be "<hostname>[:<port>]", e.g. {"m.server": "matrix.example.org:443"}'
    else:
        hint = 'serve JSON like {"m.server": "matrix.example.org:443"} (under 50 KiB) with status 200'
    return record("wellknown_server", FAIL, "%s: %s" % (wellknown.url, wellknown.error), hint, data=data)


def _discovery_records(res):
    out = []
    if res.srv is None:
        out.append(record("srv", SKIP, "SRV is not consulted (%s)" % (
            "well-known gives a port or an IP" if res.wellknown is not None else "IP literal or explicit port")))
    elif res.srv.used is None and res.srv.errors:
        out.append(record("srv", FAIL, "; ".join(a.describe() for a in res.srv.errors),
                          "fix the DNS servers for %s: some peers give up, others fall back to port 8448"
                          % res.srv.host, data=res.srv.as_dict()))
    elif res.srv.used is None:
        out.append(record("srv", PASS, "no SRV records for %s: port %d" % (res.srv.host, disc.DEFAULT_FEDERATION_PORT),
                          data=res.srv.as_dict()))
    elif res.srv.deprecated:
        out.append(record("srv", WARN, "only the deprecated %s exists" % res.srv.used.name,
                          "publish SRV _matrix-fed._tcp.%s too (spec v1.8); _matrix._tcp is deprecated"
                          % res.srv.host, data=res.srv.as_dict()))
    else:
        out.append(record("srv", PASS, res.srv.used.describe(), data=res.srv.as_dict()))
    if res.srv is not None and res.srv.used is not None:
        for srv_record in res.srv.records:
            target = srv_record.target
            lookups = res.host_lookups.get(target)
            if target in ("", "."):
                out.append(record("srv_target", FAIL, "SRV target '.' means the service is not available",
                                  "point the SRV record at the homeserver's host", target))
                continue
            if not lookups:
                out.append(record("srv_target", PASS, "%s (address from an override)" % target, target=target))
                continue
            cname = next((a for a in lookups.values() if a.is_cname), None)
            if cname is not None:
                out.append(record("srv_target", FAIL, "SRV target %s is a CNAME (to %s)" % (target, cname.canonical_name),
                                  "RFC 2782 forbids CNAME targets and the federation tester rejects them: point the "
                                  "SRV record at %s or give %s its own A/AAAA records" % (cname.canonical_name, target),
                                  target))
            else:
                out.append(record("srv_target", PASS, "%s is not a CNAME" % target, target=target))
    for target in res.targets:
        lookups = res.host_lookups.get(target.host)
        if lookups is None:
            continue
        v4, v6 = lookups["A"], lookups["AAAA"]
        addrs = v4.records + v6.records
        data = {"A": v4.records, "AAAA": v6.records}
        if not addrs:
            errors = [a.describe() for a in (v4, v6) if a.status == "error"]
            out.append(record("addresses", FAIL, "%s has no A or AAAA records%s" % (
                target.host, (" (%s)" % "; ".join(errors)) if errors else ""),
                "publish A/AAAA records for %s (%s)" % (target.host, target.source), target.host, data))
        elif v6.status == "error" or v4.status == "error":
            bad = v6 if v6.status == "error" else v4
            out.append(record("addresses", WARN, "%s; %s" % (", ".join(addrs), bad.describe()),
                              "fix the %s lookup: peers using it cannot connect" % bad.rdtype, target.host, data))
        else:
            out.append(record("addresses", PASS, ", ".join(addrs), target=target.host, data=data))
    return out


def check_client_wellknown(ctx, name):
    url = "https://%s/.well-known/matrix/client" % name.url_host
    response, hops, error = ctx.http.fetch(url, max_body=disc.WELLKNOWN_MAX_BYTES)
    data = {"url": url, "hops": hops}
    if error is not None:
        status = WARN if error.kind in ("tls_verify", "tls") else PASS
        return record("wellknown_client", status, "%s: %s" % (url, error.message),
                      "clients cannot discover the homeserver from %s: fix the certificate" % name.host, data=data), None
    if response.status == 404:
        return record("wellknown_client", PASS, "not served (HTTP 404): clients need the full homeserver URL",
                      data=data), None
    if response.status != 200:
        return record("wellknown_client", WARN, "%s: HTTP %d" % (url, response.status),
                      "serve /.well-known/matrix/client with status 200 or 404", data=data), None
    try:
        content = response.json()
        base_url = content["m.homeserver"]["base_url"]
        if not isinstance(base_url, str) or not base_url.startswith(("https://", "http://")):
            raise ValueError("base_url is not an http(s) URL")
    except (ValueError, KeyError, TypeError) as exc:
        return record("wellknown_client", FAIL, "%s: no valid m.homeserver.base_url (%s)" % (url, exc),
                      'serve {"m.homeserver": {"base_url": "https://matrix.example.org"}}', data=data), None
    data["base_url"] = base_url
    versions_url = base_url.rstrip("/") + "/_matrix/client/versions"
    try:
        versions = ctx.http.request_url(versions_url)
        ok = versions.status == 200 and isinstance(versions.json().get("versions"), list)
        why = "HTTP %d" % versions.status
    except (disc.HttpError, ValueError, AttributeError) as exc:
        ok, why = False, getattr(exc, "message", str(exc))
    if not ok:
        return record("wellknown_client", FAIL, "m.homeserver.base_url %s does not answer %s (%s)" % (
            base_url, versions_url, why), "point base_url at the client API (Synapse's client listener or proxy)",
            data=data), base_url
    return record("wellknown_client", PASS, "base_url %s answers /_matrix/client/versions" % base_url,
                  data=data), base_url


PING_HINTS = {
    "M_FORBIDDEN": "the as_token is not this appservice's token on this homeserver (or the id differs): compare the "
                   "registration file's id/as_token with Rocket.Chat's Federation_Matrix_id/_as_token, then restart "
                   "Synapse (it reads registration files at startup)",
    "M_UNKNOWN_TOKEN": "the homeserver does not know this as_token: add the registration file to "
                       "app_service_config_files and restart Synapse, or fix the token",
    "M_URL_NOT_SET": "the registration has url: null; set it to the bridge URL (Federation_Matrix_bridge_url)",
    "M_CONNECTION_FAILED": "Synapse cannot reach the bridge: fix the registration url or start/open the bridge "
                           "listener (default port 3300)",
    "M_CONNECTION_TIMEOUT": "the bridge does not answer Synapse in time: check the bridge URL and firewalls",
}


def check_appservice(ctx, base_url):
    opts = ctx.options["appservice"]
    as_id = opts["id"]
    url = "%s/_matrix/client/v1/appservice/%s/ping" % (base_url.rstrip("/"), _quote(as_id))
    body = {"transaction_id": "fedops-check-%d" % int(ctx.now * 1000)}
    try:
        response = ctx.http.request_url(url, "POST", headers={"Authorization": "Bearer %s" % opts["as_token"]},
                                        body=body)
    except disc.HttpError as exc:
        return record("appservice_ping", FAIL, "POST %s: %s" % (url, exc.message),
                      "give appservice.homeserver_url the client API URL of the homeserver", as_id)
    try:
        content = response.json()
    except ValueError:
        content = {}
    if not isinstance(content, dict):
        content = {}
    if response.status == 200:
        return record("appservice_ping", PASS, "Synapse reached the appservice in %s ms" % content.get("duration_ms"),
                      target=as_id, data=content)
    code = content.get("errcode")
    detail = "POST %s: HTTP %d %s %s" % (url, response.status, code or "", content.get("error") or "")
    if code == "M_BAD_STATUS":
        detail += " (the appservice answered %s)" % content.get("status")
        if content.get("status") in (401, 403):
            hint = ("the bridge rejected Synapse's hs_token: the registration's hs_token differs from Rocket.Chat's "
                    "Federation_Matrix_hs_token (Rocket.Chat >= 6.7 ignores registration.yaml; template both from "
                    "one variable), or a 6.x bridge needs use_appservice_legacy_authorization")
        else:
            hint = "the appservice answered the ping with an error: check the bridge's log"
    elif response.status == 404 and code in (None, "M_UNRECOGNIZED"):
        hint = "the homeserver has no appservice ping endpoint (Synapse >= 1.84 needed) or base_url is wrong"
    else:
        hint = PING_HINTS.get(code, "check the appservice id and as_token")
    return record("appservice_ping", FAIL, detail.strip(), hint, as_id, content)


def _quote(text):
    from urllib.parse import quote  # pylint: disable=import-outside-toplevel
    return quote(text, safe="")


def fetch_workspace_key(ctx, rc):
    """``(key, source, error record)``: the legacy public key from the options or Rocket.Chat's settings API."""
    if rc.get("public_key"):
        return rc["public_key"], "given", None
    if not rc.get("url"):
        return None, None, None
    url = rc["url"].rstrip("/") + "/api/v1/settings/" + RC_KEY_SETTING
    headers = {"X-User-Id": rc.get("user_id") or "", "X-Auth-Token": rc.get("auth_token") or ""}
    try:
        response = ctx.http.request_url(url, headers=headers)
    except disc.HttpError as exc:
        return None, None, record("rocketchat_settings", FAIL, "GET %s: %s" % (url, exc.message),
                                  "check rocketchat.url (the workspace's API URL)", rc.get("domain"))
    try:
        content = response.json()
    except ValueError:
        content = {}
    if response.status == 200 and isinstance(content, dict) and isinstance(content.get("value"), str):
        if not content["value"]:
            return None, None, record("rocketchat_settings", FAIL, "%s is empty" % RC_KEY_SETTING,
                                      "enable legacy federation once so Rocket.Chat generates its key pair",
                                      rc.get("domain"))
        return content["value"], "settings API", None
    if response.status == 401:
        hint = "rocketchat.user_id/auth_token are not valid: log in again or use a personal access token"
    elif response.status == 403:
        hint = "the user lacks view-privileged-setting: use an admin's token"
    elif response.status == 400:
        hint = ("the setting is hidden or unknown: Rocket.Chat >= 7.11 hides legacy federation settings and 8.0 "
                "removes them; give rocketchat.public_key instead")
    else:
        hint = "check rocketchat.url"
    return None, None, record("rocketchat_settings", FAIL, "GET %s: HTTP %d %s" % (
        url, response.status, (content or {}).get("error", "") if isinstance(content, dict) else ""), hint,
        rc.get("domain"))


def check_rocketchat(ctx):
    rc = ctx.options["rocketchat"]
    domain = rc["domain"].rstrip(".")
    names = [("%s.%s" % (prefix, domain), "SRV") for prefix, _p in RC_SRV_ORDER]
    names += [("%s.%s" % (RC_KEY_TXT, domain), "TXT"), ("%s.%s" % (RC_PROTOCOL_TXT, domain), "TXT")]
    futures = [(n, ctx.submit(ctx.dns.query, n, t)) for n, t in names]
    key_future = ctx.submit(fetch_workspace_key, ctx, rc)
    answers = dict((n, f.result()) for n, f in futures)
    workspace_key, source, error = key_future.result()
    out = [error] if error else []
    records, url = rocketchat_legacy_records(domain, answers, workspace_key, source)
    out.extend(records)
    return out, {"domain": domain, "url": url, "lookups": [answers[n].as_dict() for n, _t in names]}


class InlineExecutor(object):
    """A stand-in for a thread pool that runs each task at once in the caller (sequential mode)."""

    def submit(self, fn, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # pylint: disable=broad-except
            future.set_exception(exc)
        return future

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def run_checks(options, dns_client=None, http_client=None, now=None, max_workers=16, sequential=False):
    """Run every applicable check; returns the module result (without ``changed``).

    Lookups and connections run concurrently on a thread pool of ``max_workers``; ``sequential=True`` runs
    them one after the other (same results, for comparison and debugging).
    """
    dns_client = dns_client or disc.DnsClient(options.get("nameservers"), options.get("timeout", 10.0))
    http_client = http_client or disc.HttpsClient(dns_client, disc.AddressOverrides(options.get("resolve")),
                                                  options.get("ca_path"), options.get("timeout", 10.0))
    records = []
    summary = []
    result = {}
    with (InlineExecutor() if sequential else ThreadPoolExecutor(max_workers=max_workers)) as pool:
        ctx = CheckContext(options, dns_client, http_client, pool, now)
        rc_future = ctx.submit(check_rocketchat, ctx) if options.get("rocketchat") else None
        if options.get("server_name"):
            records_m, summary_m, result_m = _matrix_checks(ctx)
            records.extend(records_m)
            summary.extend(summary_m)
            result.update(result_m)
        if rc_future is not None:
            rc_records, rc_data = rc_future.result()
            records.extend(rc_records)
            result["rocketchat"] = rc_data
            if rc_data.get("url"):
                summary.append("Rocket.Chat %s -> %s" % (rc_data["domain"], rc_data["url"]))
    ok, failed, warned = verdict(records)
    subject = " + ".join(x for x in (options.get("server_name"), (options.get("rocketchat") or {}).get("domain")) if x)
    lines = render_report(subject, records, summary)
    result.update({
        "federation_ok": ok,
        "checks": records,
        "failed_checks": sorted(set(r["name"] for r in failed)),
        "warning_checks": sorted(set(r["name"] for r in warned)),
        "report": "\n".join(lines),
        "report_lines": lines,
        "stats": {"dns_queries": getattr(dns_client, "queries", None),
                  "http_requests": getattr(http_client, "requests", None),
                  "tls_connections": getattr(http_client, "connections", None)},
    })
    return result


def _matrix_checks(ctx):
    options = ctx.options
    records = []
    name = disc.parse_server_name(options["server_name"], "server_name")
    warnings = disc.server_name_warnings(name)
    records.append(record("server_name", WARN if warnings else PASS, "; ".join(warnings) or name.text,
                          "use the lower-case form consistently" if warnings else None))
    client_future = None
    if options.get("client_wellknown", True) and not name.is_ip:
        client_future = ctx.submit(check_client_wellknown, ctx, name)
    appservice = options.get("appservice")
    ping_future = None
    if appservice and appservice.get("homeserver_url"):
        ping_future = ctx.submit(check_appservice, ctx, appservice["homeserver_url"])
    res = disc.resolve_server(name, ctx.dns, ctx.http, ctx.submit)
    records.append(_wellknown_record(res.wellknown, ctx))
    records.extend(_discovery_records(res))
    endpoint_futures = [(e, ctx.submit(check_endpoint, ctx, e, name.text)) for e in res.endpoints]
    responses = {}
    for endpoint, future in endpoint_futures:
        endpoint_records, doc = future.result()
        records.extend(endpoint_records)
        if doc is not None:
            responses[endpoint.label] = doc
    if not res.endpoints:
        records.append(record("connection", FAIL, "no address to connect to",
                              "publish A/AAAA records for the homeserver host (see the addresses check)"))
    key_sets = {}
    for label, doc in responses.items():
        _recs, good = check_key_response(doc, name.text, int(ctx.now * 1000))
        key_sets[label] = good
    records.append(check_consistency(key_sets))
    expected = options.get("_expected_keys")
    if expected:
        records.append(check_expected(expected, responses))
    base_url = None
    if client_future is not None:
        client_record, base_url = client_future.result()
        records.append(client_record)
    if appservice:
        if ping_future is None:
            url = base_url or "https://%s" % name.text
            ping_future = ctx.submit(check_appservice, ctx, url)
        records.append(ping_future.result())
    summary = res.steps + (["addresses: %s" % ", ".join(e.label for e in res.endpoints)] if res.endpoints else [])
    versions = [r["data"].get("server") for r in records if r["name"] == "federation_version" and r["status"] == PASS]
    result = {"server_name": name.text, "discovery": res.as_dict(),
              "keys": responses, "version": versions[0] if versions else None}
    return records, summary, result
