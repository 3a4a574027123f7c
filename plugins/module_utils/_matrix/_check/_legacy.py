# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Legacy Rocket.Chat DNS federation (``FEDERATION_*``, up to 7.x) as a Rocket.Chat peer sees it.

The lookups are Rocket.Chat's own (4.x-7.x ``dns.js``): SRV ``_rocketchat._https``, ``_rocketchat._http``,
``_rocketchat._tcp`` in that order, TXT ``rocketchat-public-key`` (first record, strings joined with '') and the
protocol TXT; the key is compared with the workspace's ``FEDERATION_Public_Key``.
"""

from __future__ import annotations

import base64

from ansible_collections.fedops.rocketchat.plugins.module_utils import _federation_names as names
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._https import HttpError, PinnedSession
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._report import FAIL, PASS, SKIP, WARN, record
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _endpoints as endpoints
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._exchange import RocketChatSessionClient
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import (
    RocketChatError,
    RocketChatSettingNotFound,
)

from ansible_collections.fedops.rocketchat.plugins.module_utils._cryptography import (  # noqa: F401  pylint: disable=unused-import
    HAS_CRYPTOGRAPHY, CRYPTOGRAPHY_IMPORT_ERROR, serialization,
)


RC_KEY_SETTING = "FEDERATION_Public_Key"


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


def choose_srv(domain, answers):
    """``((prefix, protocol, answer) or None, [the SRV answers in lookup order])``, in Rocket.Chat's order."""
    chosen = None
    srv_answers = []
    for prefix, protocol in names.LEGACY_SRV_LOOKUP_ORDER:
        answer = answers["%s.%s" % (prefix, domain)]
        srv_answers.append(answer)
        if answer.ok and chosen is None:
            chosen = (prefix, protocol, answer)
    return chosen, srv_answers


def peer_url(domain, answers):
    """The URL a Rocket.Chat peer calls: ``<protocol>://<first SRV target>:<port>``, or None."""
    chosen, _answers = choose_srv(domain, answers)
    if chosen is None:
        return None
    first = chosen[2].records[0]
    return "%s://%s:%d" % (chosen[1], first.target, first.port)


def rocketchat_legacy_records(domain, answers, workspace_key=None, key_source=None):
    """Check Rocket.Chat legacy DNS federation from the lookups Rocket.Chat makes (4.x-7.x ``dns.js``).

    ``answers`` maps query names to :class:`DnsAnswer`: the three SRV names, the key TXT and the protocol TXT.
    """
    out = []
    chosen, srv_answers = choose_srv(domain, answers)
    url = _srv_record(domain, answers, chosen, srv_answers, out)
    _protocol_record(domain, answers[names.legacy_protocol_name(domain)], chosen, out)
    key_answer = answers[names.legacy_public_key_name(domain)]
    txt_key = join_rocketchat_txt(key_answer)
    _public_key_txt_record(domain, key_answer, txt_key, out)
    _public_key_record(domain, txt_key, workspace_key, key_source, out)
    return out, url


def _srv_record(domain, answers, chosen, srv_answers, out):
    """The rocketchat_srv record; returns the URL peers use, or None."""
    errors = [a for a in srv_answers if a.status == "error"]
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
        prefix, _protocol, answer = chosen
        url = peer_url(domain, answers)
        data = {"name": answer.name, "records": [r.as_dict() for r in answer.records], "url": url}
        detail = "Rocket.Chat uses %s: %s" % (answer.name, url)
        if prefix == names.LEGACY_SRV_HTTP:
            out.append(record("rocketchat_srv", WARN, detail + " (plain HTTP)",
                              "serve Rocket.Chat over HTTPS and publish _rocketchat._https.%s instead" % domain,
                              domain, data))
        elif len(answer.records) > 1:
            out.append(record("rocketchat_srv", WARN, detail + "; %d records, Rocket.Chat takes the first the resolver "
                              "returns and ignores priority and weight" % len(answer.records),
                              "publish a single SRV record", domain, data))
        else:
            out.append(record("rocketchat_srv", PASS, detail, target=domain, data=data))
    return url


def _protocol_record(domain, protocol_txt, chosen, out):
    tcp_only = chosen is not None and chosen[0] == names.LEGACY_SRV_TCP
    proto_value = join_rocketchat_txt(protocol_txt)
    if tcp_only:
        if proto_value and proto_value.strip().lower() == "http":
            out.append(record("rocketchat_protocol", FAIL,
                              "only _rocketchat._tcp.%s exists and %s.%s says 'http'; Rocket.Chat looks that TXT up "
                              "as an SRV record (a bug), never sees it and connects with https"
                              % (domain, names.LEGACY_PROTOCOL_TXT, domain),
                              "publish SRV _rocketchat._http.%s (or serve HTTPS and publish _rocketchat._https.%s)"
                              % (domain, domain), domain))
        else:
            out.append(record("rocketchat_protocol", WARN,
                              "only the legacy _rocketchat._tcp.%s exists%s; Rocket.Chat's lookup of %s.%s is broken "
                              "(queried as SRV), so it always uses https" % (
                                  domain, " with TXT %r" % proto_value if proto_value else "", names.LEGACY_PROTOCOL_TXT, domain),
                              "publish SRV _rocketchat._https.%s and drop _rocketchat._tcp + the protocol TXT" % domain,
                              domain))
    else:
        out.append(record("rocketchat_protocol", PASS if chosen else SKIP,
                          "not needed (%s)" % (chosen[0] if chosen else "no SRV record"), target=domain))


def _public_key_txt_record(domain, key_answer, txt_key, out):
    if txt_key is None:
        if key_answer.status == "error":
            out.append(record("rocketchat_public_key_txt", FAIL, key_answer.describe(),
                              "fix the DNS servers for %s" % domain, domain))
        else:
            out.append(record("rocketchat_public_key_txt", FAIL, "%s.%s has no TXT record" % (names.LEGACY_PUBLIC_KEY_TXT, domain),
                              "publish TXT %s.%s with the workspace's FEDERATION_Public_Key" % (names.LEGACY_PUBLIC_KEY_TXT, domain),
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
                          % (names.LEGACY_PUBLIC_KEY_TXT, domain), domain, {"value": txt_key}))
    else:
        out.append(record("rocketchat_public_key_txt", PASS, "one record, %d string(s), %d characters joined" % (
            len(key_answer.records[0]), len(txt_key)), target=domain, data={"value": txt_key}))


def _public_key_record(domain, txt_key, workspace_key, key_source, out):
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
                              % (names.LEGACY_PUBLIC_KEY_TXT, domain, key_source),
                              "publish the current FEDERATION_Public_Key in TXT %s.%s: peers encrypt to the TXT "
                              "key, so this workspace cannot read what they send" % (names.LEGACY_PUBLIC_KEY_TXT, domain), domain))


def _same_public_key(a, b):
    der_a, der_b = public_key_der(a), public_key_der(b)
    if der_a is not None and der_b is not None:
        return der_a == der_b
    return "".join(a.split()) == "".join(b.split())


def fetch_workspace_key(ctx, rc, srv_url=None):
    """``(key, source, error record)``: the legacy public key from the options or Rocket.Chat's settings API.

    The API is ``rocketchat.url``; without it, but with credentials, it is the workspace as peers reach it
    (``srv_url``, the SRV target), so the key compared is the one the answering workspace holds.
    """
    if rc.get("public_key"):
        return rc["public_key"], "given", None
    base = rc.get("url")
    source = "settings API"
    if not base and srv_url and rc.get("user_id") and rc.get("auth_token"):
        base, source = srv_url, "settings API at %s" % srv_url
    if not base:
        return None, None, None
    url = base.rstrip("/") + endpoints.setting(RC_KEY_SETTING)
    try:
        with RocketChatSessionClient(base, user_id=rc.get("user_id") or None, auth_token=rc.get("auth_token") or None,
                                     session=PinnedSession(ctx.http), retries=0, rate_limit_max_wait=30.0,
                                     timeout=getattr(ctx.http, "timeout", 10.0)) as client:
            value = client.get_setting(RC_KEY_SETTING)
    except RocketChatSettingNotFound:
        return None, None, record("rocketchat_settings", FAIL, "GET %s: HTTP 400 (hidden or unknown)" % url,
                                  "the setting is hidden or unknown: Rocket.Chat >= 7.11 hides legacy federation "
                                  "settings and 8.0 removes them; give rocketchat.public_key instead", rc.get("domain"))
    except RocketChatError as exc:
        status = "HTTP %d" % exc.status if exc.status else "no answer"
        return None, None, record("rocketchat_settings", FAIL, "GET %s: %s" % (url, status),
                                  "%s (rocketchat.url, rocketchat.user_id, rocketchat.auth_token)" % exc,
                                  rc.get("domain"))
    if not isinstance(value, str) or not value:
        return None, None, record("rocketchat_settings", FAIL, "%s is empty" % RC_KEY_SETTING,
                                  "enable legacy federation once so Rocket.Chat generates its key pair",
                                  rc.get("domain"))
    return value, source, None


def check_connection(ctx, url, domain):
    """Connect to the SRV target as a Rocket.Chat peer does and confirm that Rocket.Chat answers there.

    Peers call ``<protocol>://<SRV target>:<port>/api/v1/federation.*`` with Node's http(s) client, which
    verifies the certificate against the SRV target for https. ``GET /api/info`` is the public, read-only
    request every Rocket.Chat answers with ``{"version": "<major.minor>", "success": true}``.
    """
    info_url = url.rstrip("/") + endpoints.INFO
    data = {"url": info_url}
    try:
        response = ctx.http.request_url(info_url)
    except HttpError as exc:
        where = url.split("://", 1)[1]
        if exc.refused:
            hint = ("nothing listens on %s, where the SRV record sends peers: fix the SRV record's target/port or "
                    "make Rocket.Chat (or its reverse proxy) listen there" % where)
        elif exc.cause == "tls_verify":
            hint = ("peers verify the certificate against %s: serve a certificate for that name from a CA peers trust "
                    "(ca_path here)" % where.rsplit(":", 1)[0])
        elif exc.cause == "tls":
            hint = ("%s does not speak TLS, but _rocketchat._https tells peers to use https: serve HTTPS there, or "
                    "publish _rocketchat._http instead" % where)
        elif exc.cause == "dns":
            hint = "publish A/AAAA records for the SRV target %s" % where.rsplit(":", 1)[0]
        else:
            hint = "peers cannot reach %s: check the SRV target, the port and firewalls" % where
        return record("rocketchat_connection", FAIL, "GET %s: %s" % (info_url, exc.message), hint, domain, data)
    try:
        content = response.json()
    except ValueError:
        content = None
    data["status"] = response.status
    version = content.get("version") if isinstance(content, dict) else None
    success = isinstance(content, dict) and content.get("success") is True
    if response.status == 429 and isinstance(content, dict) and content.get("success") is False and \
            "too many requests" in str(content.get("error", "")).lower():
        # Rocket.Chat's API rate limiter answered: Rocket.Chat is there, over the connection a peer uses.
        data["rate_limited"] = True
        tls = " over verified TLS" if url.startswith("https://") else " over plain HTTP"
        return record("rocketchat_connection", PASS, "Rocket.Chat answers at %s%s (its rate limiter: HTTP 429)"
                      % (url, tls), target=domain, data=data)
    if response.status == 200 and success and isinstance(version, str) and version[:1].isdigit():
        data["version"] = version
        tls = " over verified TLS" if url.startswith("https://") else " over plain HTTP"
        return record("rocketchat_connection", PASS, "Rocket.Chat %s answers at %s%s" % (version, url, tls),
                      target=domain, data=data)
    return record("rocketchat_connection", FAIL,
                  "what answers at %s is not Rocket.Chat: GET /api/info gave HTTP %d%s" % (
                      url, response.status, "" if content is not None else ", not JSON"),
                  "point the SRV record at the workspace's host and port (Rocket.Chat answers /api/info with its "
                  "version)", domain, data)


def check_rocketchat(ctx):
    rc = ctx.options["rocketchat"]
    domain = rc["domain"].rstrip(".")
    lookups = [(names.under(prefix, domain), "SRV") for prefix, _p in names.LEGACY_SRV_LOOKUP_ORDER]
    lookups += [(names.legacy_public_key_name(domain), "TXT"), (names.legacy_protocol_name(domain), "TXT")]
    futures = [(n, ctx.submit(ctx.dns.query, n, t)) for n, t in lookups]
    key_future = ctx.submit(fetch_workspace_key, ctx, rc) if rc.get("public_key") or rc.get("url") else None
    answers = dict((n, f.result()) for n, f in futures)
    url = peer_url(domain, answers)
    connection_future = ctx.submit(check_connection, ctx, url, domain) if url else None
    if key_future is None:
        key_future = ctx.submit(fetch_workspace_key, ctx, rc, url)
    workspace_key, source, error = key_future.result()
    out = [error] if error else []
    records, url = rocketchat_legacy_records(domain, answers, workspace_key, source)
    out.extend(records)
    if connection_future is not None:
        out.insert(len(out) - len(records) + 1, connection_future.result())
    else:
        out.append(record("rocketchat_connection", SKIP, "no SRV record to connect to", target=domain))
    return out, {"domain": domain, "url": url, "lookups": [answers[n].as_dict() for n, _t in lookups]}
