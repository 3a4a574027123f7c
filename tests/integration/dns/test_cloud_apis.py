"""federation_dns against the cloud APIs' local equivalents: Route 53 through moto's server, and
Cloudflare through the project's emulator of its documented v4 API (tests/emulator/cloudflare)."""

from .conftest import run_ok, KEY_1, KEY_2, run_failing

MODULE = "fedops.rocketchat.federation_dns"
LONG = "é€\"\\ " * 80  # 800+ bytes, quotes, backslashes, spaces, multi-byte characters


def intent(domain, key=KEY_1, **kw):
    args = {
        "ttl": 300,
        "legacy": {"domain": domain, "target": "chat." + domain, "public_key": key, "tcp_records": True},
        "matrix": {"server_name": domain, "target": "matrix." + domain, "legacy_srv": True},
        "records": [{"name": "chat." + domain, "type": "A", "values": ["192.0.2.10", "192.0.2.11"]},
                    {"name": "long." + domain, "type": "TXT", "values": [LONG]}],
    }
    args.update(kw)
    return args


# -- Cloudflare ---------------------------------------------------------------------------------------
def cf_args(emulator, **kw):
    args = dict(intent("example.org"), provider="cloudflare",
                cloudflare={"api_token": "cf-token", "api_url": emulator.url})
    args.update(kw)
    return args


def quoted_strings(value, size=255):
    """A TXT value as providers store it: quoted character-strings of at most ``size`` bytes (a 2048-bit legacy
    key of 442 characters is two)."""
    return " ".join('"%s"' % value[i:i + size] for i in range(0, len(value), size))


def by_name(emulator, name, rtype):
    return [r for r in emulator.zone_records(emulator.zone_id) if r["name"] == name and r["type"] == rtype]


def test_cloudflare_lifecycle(cloudflare):
    checked = run_ok(MODULE, cf_args(cloudflare), check=True, diff=True)
    assert checked["changed"] and len(checked["changes"]) == 8
    assert cloudflare.counts().get("POST", 0) == 0 and cloudflare.zone_records(cloudflare.zone_id) == []
    assert "cf-token" not in checked["_playbook"].output

    created = run_ok(MODULE, cf_args(cloudflare))
    assert created["changed"] and created["provider_ids"]["zone_id"] == cloudflare.zone_id
    assert len(created["provider_ids"]["created"]) == 9  # one Cloudflare record per value
    key = by_name(cloudflare, "rocketchat-public-key.example.org", "TXT")
    assert [r["content"] for r in key] == [quoted_strings(KEY_1)]
    srv = by_name(cloudflare, "_rocketchat._https.example.org", "SRV")[0]
    assert srv["data"] == {"priority": 1, "weight": 1, "port": 443, "target": "chat.example.org"}
    fed = by_name(cloudflare, "_matrix-fed._tcp.example.org", "SRV")[0]
    assert fed["data"] == {"priority": 10, "weight": 0, "port": 8448, "target": "matrix.example.org"}
    assert len(by_name(cloudflare, "long.example.org", "TXT")[0]["content"]) > 255

    cloudflare.requests.clear()
    again = run_ok(MODULE, cf_args(cloudflare))
    assert again["changed"] is False
    counts = cloudflare.counts()
    assert set(counts) == {"GET"}  # quoting as Cloudflare stores it is not a change: no write at all
    assert counts["GET"] == 1 + 8  # zone lookup + one list per RRset

    cloudflare.requests.clear()
    args = cf_args(cloudflare)
    args["legacy"]["public_key"] = KEY_2
    changed = run_ok(MODULE, args)
    assert [(c["action"], c["type"]) for c in changed["changes"]] == [("update", "TXT")]
    assert cloudflare.counts().get("PUT") == 1 and "POST" not in cloudflare.counts()
    assert [r["content"] for r in by_name(cloudflare, "rocketchat-public-key.example.org", "TXT")] == [quoted_strings(KEY_2)]

    args["records"][0]["values"] = ["192.0.2.12"]
    shrunk = run_ok(MODULE, args)
    assert shrunk["provider_ids"]["deleted"] and shrunk["provider_ids"]["updated"]
    assert [r["content"] for r in by_name(cloudflare, "chat.example.org", "A")] == ["192.0.2.12"]

    cloudflare.requests.clear()
    gone = run_ok(MODULE, dict(args, state="absent"))
    assert gone["changed"] and cloudflare.counts()["DELETE"] == 8
    assert cloudflare.zone_records(cloudflare.zone_id) == []


def test_cloudflare_retries_rate_limit_and_reports_errors(cloudflare):
    cloudflare.fail_next(count=2, status=429, method="GET", retry_after=0)
    result = run_ok(MODULE, cf_args(cloudflare, retries=3))
    assert result["changed"]
    assert [m for m, dummy, dummy2 in cloudflare.requests[:3]] == ["GET", "GET", "GET"]  # two 429s, then served

    cloudflare.fail_next(count=10, status=503, method="GET")
    failed = run_failing(MODULE, cf_args(cloudflare, retries=2))
    assert "HTTP 503" in failed["msg"] and "after 3 attempts" in failed["msg"]
    cloudflare.clear_faults()

    bad = cf_args(cloudflare)
    bad["cloudflare"]["api_token"] = "wrong-token"
    failed = run_failing(MODULE, bad)
    assert failed["error"] == "DNSAuthError" and "cloudflare.api_token" in failed["msg"]
    assert "wrong-token" not in failed["_playbook"].output


def test_cloudflare_srv_target_cname_refused(cloudflare):
    import json
    import urllib.request
    request = urllib.request.Request(
        cloudflare.url + "/zones/%s/dns_records" % cloudflare.zone_id, method="POST",
        data=json.dumps({"type": "CNAME", "name": "matrix", "content": "lb.example.net", "ttl": 300}).encode(),
        headers={"Authorization": "Bearer cf-token", "Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).read()  # nosec - loopback emulator
    args = {"provider": "cloudflare", "cloudflare": {"api_token": "cf-token", "api_url": cloudflare.url},
            "matrix": {"server_name": "example.org", "target": "matrix.example.org"}}
    failed = run_failing(MODULE, args)
    assert "matrix.example.org. are CNAMEs" in failed["msg"]
    assert not by_name(cloudflare, "_matrix-fed._tcp.example.org", "SRV")


# -- Route 53 (moto) ----------------------------------------------------------------------------------
def r53_args(moto, zone_name, **kw):
    args = dict(intent(zone_name), provider="route53",
                route53={"access_key": "testing", "secret_key": "testing", "endpoint_url": moto.url,
                         "wait": True, "wait_timeout": 30})
    args.update(kw)
    return args


def rrsets(moto, zone_id):
    return dict(((r["Name"], r["Type"]), r) for r in moto.client().list_resource_record_sets(
        HostedZoneId=zone_id)["ResourceRecordSets"])


def test_route53_lifecycle(moto):
    client = moto.client()
    zone_id = client.create_hosted_zone(Name="r53.example", CallerReference="fedops-r53")["HostedZone"]["Id"].split("/")[-1]

    checked = run_ok(MODULE, r53_args(moto, "r53.example"), check=True, diff=True)
    assert checked["changed"] and ("rocketchat-public-key.r53.example.", "TXT") not in rrsets(moto, zone_id)
    assert "testing" not in checked["_playbook"].output.replace("fedops test play", "")

    created = run_ok(MODULE, r53_args(moto, "r53.example"))
    ids = created["provider_ids"]
    assert ids["hosted_zone_id"] == zone_id and ids["change_id"] and ids["status"] == "INSYNC"
    assert created["stats"]["change_resource_record_sets"] == 1
    current = rrsets(moto, zone_id)
    assert current[("rocketchat-public-key.r53.example.", "TXT")]["ResourceRecords"] == [
        {"Value": quoted_strings(KEY_1)}]
    long_value = current[("long.r53.example.", "TXT")]["ResourceRecords"][0]["Value"]
    assert long_value.startswith('"\\303\\251\\342\\202\\254\\"\\\\ ') and '" "' in long_value  # quoted, split, octal
    assert current[("_matrix-fed._tcp.r53.example.", "SRV")]["ResourceRecords"] == [{"Value": "10 0 8448 matrix.r53.example."}]

    again = run_ok(MODULE, r53_args(moto, "r53.example"))
    assert again["changed"] is False and "change_resource_record_sets" not in again["stats"]

    args = r53_args(moto, "r53.example", zone="r53.example")
    args["legacy"]["public_key"] = KEY_2
    changed = run_ok(MODULE, args)
    assert [(c["action"], c["type"]) for c in changed["changes"]] == [("update", "TXT")]
    assert changed["stats"]["change_resource_record_sets"] == 1
    assert rrsets(moto, zone_id)[("rocketchat-public-key.r53.example.", "TXT")]["ResourceRecords"] == [{"Value": quoted_strings(KEY_2)}]

    forced = run_ok(MODULE, dict(args, txt_chunk_size=128, txt_enforce_chunks=True))
    value = rrsets(moto, zone_id)[("rocketchat-public-key.r53.example.", "TXT")]["ResourceRecords"][0]["Value"]
    assert forced["changed"] and value == quoted_strings(KEY_2, 128)

    gone = run_ok(MODULE, dict(args, state="absent"))
    assert gone["changed"]
    left = rrsets(moto, zone_id)
    assert set(t for n, t in left) == {"NS", "SOA"}


def test_route53_errors(moto):
    failed = run_failing(MODULE, r53_args(moto, "nozone.example"))
    assert "no Route 53 hosted zone" in failed["msg"]
    down = r53_args(moto, "r53.example", retries=1, timeout=2)
    down["route53"]["endpoint_url"] = "http://127.0.0.1:9"
    failed = run_failing(MODULE, down)
    assert failed["error"] == "DNSNetworkError" and "route53.endpoint_url" in failed["msg"]


def test_cloudflare_paginated_listing(cloudflare):
    """120 values of one RRset span two pages of 100: all are read, so nothing is re-created."""
    zone = cloudflare.store.zones[cloudflare.zone_id]
    values = ["192.0.2.%d" % i for i in range(1, 121)]
    cloudflare._token = "cf-token"
    for value in values:  # seed through the emulator's own write path, without HTTP
        cloudflare._write(zone, None, {"type": "A", "name": "many", "content": value, "ttl": 300}, replace=True)
    args = {"provider": "cloudflare", "cloudflare": {"api_token": "cf-token", "api_url": cloudflare.url,
                                                     "zone_id": cloudflare.zone_id},
            "records": [{"name": "many.example.org", "type": "A", "values": values, "ttl": 300}]}
    result = run_ok(MODULE, args)
    assert result["changed"] is False
    pages = [q.get("page") for m, path, q in cloudflare.requests if path.endswith("/dns_records")]
    assert pages == ["1", "2"]
