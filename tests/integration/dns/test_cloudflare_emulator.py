"""The Cloudflare emulator keeps the documented v4 contract the module relies on."""
import json
import urllib.error
import urllib.request

import pytest


def call(emulator, method, path, body=None, token="cf-token", query=""):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(emulator.url + path + query, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # nosec - loopback emulator
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_envelope_auth_and_zone_lookup(cloudflare):
    status, body = call(cloudflare, "GET", "/zones", query="?name=example.org")
    assert status == 200 and body["success"] is True and body["errors"] == []
    assert [z["id"] for z in body["result"]] == [cloudflare.zone_id]
    assert body["result_info"]["total_count"] == 1
    assert call(cloudflare, "GET", "/zones", query="?name=other.org")[1]["result"] == []
    status, body = call(cloudflare, "GET", "/zones", token=None)
    assert status == 400 and body["success"] is False and body["errors"][0]["code"] == 6003
    status, body = call(cloudflare, "GET", "/zones", token="nope")
    assert status == 401 and body["errors"][0]["code"] == 10000


def test_txt_quoting_srv_data_and_errors(cloudflare):
    base = "/zones/%s/dns_records" % cloudflare.zone_id
    status, body = call(cloudflare, "POST", base, {"type": "TXT", "name": "t", "content": "hello world", "ttl": 300})
    assert status == 200 and body["result"]["content"] == '"hello world"' and body["result"]["name"] == "t.example.org"
    long = call(cloudflare, "POST", base, {"type": "TXT", "name": "long", "content": "x" * 300, "ttl": 300})[1]
    assert long["result"]["content"] == '"%s" "%s"' % ("x" * 255, "x" * 45)
    status, body = call(cloudflare, "POST", base, {"type": "TXT", "name": "t", "content": '"hello world"', "ttl": 300})
    assert status == 400 and body["errors"][0]["code"] == 81058
    srv = call(cloudflare, "POST", base, {"type": "SRV", "name": "_x._tcp", "ttl": 300,
                                          "data": {"priority": 1, "weight": 2, "port": 443, "target": "h.example.org"}})[1]
    assert srv["result"]["content"] == "2 443 h.example.org" and srv["result"]["priority"] == 1
    status, body = call(cloudflare, "POST", base, {"type": "A", "name": "a", "content": "nope", "ttl": 300})
    assert status == 400 and body["errors"][0]["code"] == 9005
    status, body = call(cloudflare, "POST", base, {"type": "A", "name": "a", "content": "192.0.2.1", "ttl": 30})
    assert status == 400 and body["errors"][0]["code"] == 9141
    call(cloudflare, "POST", base, {"type": "CNAME", "name": "c", "content": "t.example.org", "ttl": 300})
    status, body = call(cloudflare, "POST", base, {"type": "A", "name": "c", "content": "192.0.2.1", "ttl": 300})
    assert status == 400 and body["errors"][0]["code"] == 81053
    rid = call(cloudflare, "GET", base, query="?name=t.example.org&type=TXT")[1]["result"][0]["id"]
    patched = call(cloudflare, "PATCH", base + "/" + rid, {"ttl": 600})[1]["result"]
    assert patched["ttl"] == 600 and patched["content"] == '"hello world"'
    assert call(cloudflare, "DELETE", base + "/" + rid)[1]["result"] == {"id": rid}
    status, body = call(cloudflare, "DELETE", base + "/" + rid)
    assert status == 404 and body["errors"][0]["code"] == 81044


@pytest.mark.parametrize("per_page, pages", [(5, 3), (100, 1)])
def test_pagination(cloudflare, per_page, pages):
    base = "/zones/%s/dns_records" % cloudflare.zone_id
    for i in range(12):
        call(cloudflare, "POST", base, {"type": "A", "name": "p", "content": "192.0.2.%d" % (i + 1), "ttl": 300})
    seen = []
    for page in range(1, pages + 1):
        body = call(cloudflare, "GET", base, query="?name=p.example.org&type=A&per_page=%d&page=%d" % (per_page, page))[1]
        assert body["result_info"]["total_pages"] == pages and body["result_info"]["total_count"] == 12
        seen.extend(r["content"] for r in body["result"])
    assert len(seen) == 12 and len(set(seen)) == 12
    assert call(cloudflare, "GET", base, query="?per_page=2")[0] == 400
