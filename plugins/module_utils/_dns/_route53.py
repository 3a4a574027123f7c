# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""AWS Route 53 through boto3: RRsets read concurrently, every change in ONE ChangeBatch.

Updates are written as DELETE (exactly the values read) + CREATE: Route 53 validates a DELETE against
the current RRset and applies a batch atomically, so a concurrent change makes the whole batch fail
instead of being overwritten. TXT values are quoted and split by the module (Route 53 does neither)
and non-ASCII bytes are written as the octal escapes Route 53 uses.
"""

from __future__ import annotations

import time
import traceback

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import (
    DNSAuthError,
    DNSConcurrentChangeError,
    DNSInputError,
    DNSNetworkError,
    DNSProviderError,
    DNSTimeoutError,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._provider import DNSProvider
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import RRSet, canonical_value
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._txt import TXTError, TXTFormat

# Route 53 takes and returns the quoted text form, with octal escapes for non-printable bytes.
TXT_FORMAT = TXTFormat("Route 53", handling="encoded", character_encoding="octal", lenient=False)

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError:
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None

AUTH_CODES = ("AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "SignatureDoesNotMatch",
              "UnrecognizedClientException", "ExpiredToken", "MissingAuthenticationToken")


def unescape_name(name):
    """Route 53 returns names with octal escapes (e.g. \\052 for '*')."""
    out, i = [], 0
    while i < len(name):
        if name[i] == "\\" and name[i + 1:i + 4].isdigit() and len(name[i + 1:i + 4]) == 3:
            out.append(chr(int(name[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(name[i])
            i += 1
    return "".join(out).lower()


def rrset_from_api(name, item):
    rtype = item["Type"]
    values, chunks = [], {}
    raws = [record["Value"] for record in item.get("ResourceRecords") or []]
    if rtype == "TXT":
        try:
            values, chunks = TXT_FORMAT.decode_values(raws, name)
        except TXTError as exc:
            raise DNSProviderError(str(exc))
    else:
        values = [canonical_value(rtype, raw, "Route 53 %s %s" % (name, rtype)) for raw in raws]
    return RRSet(name, rtype, item.get("TTL"), values, chunks=chunks, origin=item)


def api_rrset(rrset):
    if rrset.rtype == "TXT":
        records = [{"Value": TXT_FORMAT.encode(rrset.layout(v))} for v in rrset.values]
    else:
        records = [{"Value": v} for v in rrset.values]
    return {"Name": rrset.name, "Type": rrset.rtype, "TTL": rrset.ttl, "ResourceRecords": records}


class Route53Provider(DNSProvider):
    name = "route53"
    txt_format = TXT_FORMAT

    def __init__(self, options, timeout=10, retries=3, warn=None):
        super(Route53Provider, self).__init__(options, timeout=timeout, retries=retries, warn=warn)
        opts = self.options
        config = botocore.config.Config(retries={"max_attempts": retries + 1, "mode": "standard"},
                                        connect_timeout=timeout, read_timeout=timeout)
        try:
            session = boto3.session.Session(
                aws_access_key_id=opts.get("access_key"), aws_secret_access_key=opts.get("secret_key"),
                aws_session_token=opts.get("session_token"), profile_name=opts.get("profile"))
            self.client = session.client("route53", region_name=opts.get("region") or "us-east-1",
                                         endpoint_url=opts.get("endpoint_url"), config=config,
                                         verify=opts.get("validate_certs", True))
        except botocore.exceptions.ProfileNotFound as exc:
            raise DNSInputError("route53.profile: %s" % exc)
        except (botocore.exceptions.BotoCoreError, ValueError) as exc:
            raise DNSInputError("route53: cannot create the API client: %s" % exc)
        self.zone_id = opts.get("hosted_zone_id")

    def _call(self, operation, **kwargs):
        self.count(operation)
        try:
            return getattr(self.client, operation)(**kwargs)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code", "")
            message = error.get("Message", str(exc))
            if code in AUTH_CODES:
                raise DNSAuthError("Route 53 rejected the credentials (%s: %s); check route53.access_key/secret_key/"
                                   "profile and the IAM policy (route53:ListResourceRecordSets, ChangeResourceRecordSets)"
                                   % (code, message))
            raise DNSProviderError("Route 53 %s failed: %s: %s" % (operation, code, message), code=code)
        except botocore.exceptions.NoCredentialsError:
            raise DNSAuthError("no AWS credentials found; give route53.access_key and route53.secret_key or route53.profile")
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError,
                botocore.exceptions.ReadTimeoutError) as exc:
            raise DNSNetworkError("Route 53 endpoint unreachable after %d attempt(s): %s; check route53.endpoint_url "
                                  "and the network" % (self.policy.retries + 1, exc))
        except botocore.exceptions.BotoCoreError as exc:
            raise DNSProviderError("Route 53 %s failed: %s" % (operation, exc))

    def find_zone(self, names, zone=None):
        if self.zone_id:
            found = self._call("get_hosted_zone", Id=self.zone_id)["HostedZone"]
            name = unescape_name(found["Name"])
            if zone and zone != name:
                raise DNSInputError("zone: route53.hosted_zone_id %s is zone %s, not %s" % (self.zone_id, name, zone))
            self.zone_id = found["Id"].split("/")[-1]
            return name
        candidates = [zone] if zone else self.candidate_zones(names)
        private = self.options.get("private_zone")
        found = {}
        marker = {}
        while True:
            page = self._call("list_hosted_zones", MaxItems="100", **marker)
            for item in page.get("HostedZones", []):
                if private is not None and bool(item.get("Config", {}).get("PrivateZone")) != private:
                    continue
                found.setdefault(unescape_name(item["Name"]), []).append(item["Id"].split("/")[-1])
            if not page.get("IsTruncated"):
                break
            marker = {"Marker": page["NextMarker"]}
        for candidate in candidates:
            ids = found.get(candidate)
            if ids:
                if len(ids) > 1:
                    raise DNSInputError("zone: %d hosted zones are named %s; set route53.hosted_zone_id (or route53.private_zone)"
                                        % (len(ids), candidate))
                self.zone_id = ids[0]
                return candidate
        raise DNSInputError("zone: no Route 53 hosted zone contains %s; create it or set zone/route53.hosted_zone_id"
                            % ", ".join(names))

    def _read_one(self, key):
        name, rtype = key
        page = self._call("list_resource_record_sets", HostedZoneId=self.zone_id, StartRecordName=name,
                          StartRecordType=rtype, MaxItems="2")
        matches = [item for item in page.get("ResourceRecordSets", [])
                   if unescape_name(item["Name"]) == name and item["Type"] == rtype]
        if not matches:
            return None
        item = matches[0]
        if item.get("SetIdentifier") or item.get("AliasTarget"):
            raise DNSInputError("%s %s is an alias or routing-policy record in Route 53; manage it outside this module"
                                % (name, rtype))
        return rrset_from_api(name, item)

    def apply(self, zone, changes, current, cname_guard=()):
        batch = []
        for change in changes:
            if change.before is not None:
                batch.append({"Action": "DELETE", "ResourceRecordSet": dict(change.before.origin)})
            if change.after is not None:
                batch.append({"Action": "CREATE", "ResourceRecordSet": api_rrset(change.after)})
        try:
            answer = self._call("change_resource_record_sets", HostedZoneId=self.zone_id,
                                ChangeBatch={"Comment": "fedops.rocketchat.federation_dns", "Changes": batch})
        except DNSProviderError as exc:
            if exc.details.get("code") == "InvalidChangeBatch" and (
                    "not found" in exc.msg or "already exists" in exc.msg or "values provided do not match" in exc.msg):
                raise DNSConcurrentChangeError(
                    "zone %s changed since it was read; Route 53 rejected the whole change batch, nothing was applied; "
                    "re-run the task to converge (%s)" % (zone, exc.msg))
            raise
        info = answer["ChangeInfo"]
        ids = {"hosted_zone_id": self.zone_id, "change_id": info["Id"], "status": info["Status"]}
        if self.options.get("wait"):
            ids["status"] = self._wait(info["Id"], self.options.get("wait_timeout") or 300)
        return ids

    def _wait(self, change_id, timeout, sleep=time.sleep, clock=time.monotonic):
        deadline = clock() + timeout
        pause = 1.0
        while True:
            status = self._call("get_change", Id=change_id)["ChangeInfo"]["Status"]
            if status == "INSYNC":
                return status
            if clock() + pause > deadline:
                raise DNSTimeoutError("Route 53 change %s still %s after %ss; it will complete on its own. Raise "
                                      "route53.wait_timeout to wait longer" % (change_id, status, timeout))
            sleep(pause)
            pause = min(pause * 2, 10.0)
