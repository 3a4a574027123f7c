"""Emulator of the documented Cloudflare v4 API subset that DNS automation uses.

Follows the public API documentation (https://developers.cloudflare.com/api/resources/dns/subresources/records/):

* every answer is the envelope `{"success", "errors", "messages", "result"[, "result_info"]}`;
* `Authorization: Bearer <token>`; a missing or malformed header is 400 (code 6003 with error_chain 6111),
  an unknown token 401 (code 10000 "Authentication error"), a token without access to a zone 403 (code 10000);
* `GET /zones?name=&page=&per_page=` lists zones the token may see (exact name filter);
* `GET /zones/{zone_id}`;
* `GET /zones/{zone_id}/dns_records` with `name`/`name.exact`, `type`, `content`/`content.exact` filters and
  `page`/`per_page` (5 to 5000, default 100) pagination with `result_info` (page, per_page, count, total_count,
  total_pages);
* `POST /zones/{zone_id}/dns_records`, `GET|PUT|PATCH|DELETE /zones/{zone_id}/dns_records/{id}`;
* names are stored fully qualified without the trailing dot; a relative name is completed with the zone;
* TXT content is stored as quoted RFC 1035 character-strings: unquoted content is quoted, and strings longer
  than 255 bytes are split automatically;
* SRV records are written with `data: {priority, weight, port, target}`; reads return `data`, `priority` and
  `content` as "weight port target";
* ttl is 1 (automatic) or 60..86400; identical records are refused (81058); a CNAME cannot share a name with
  other records (81053 / 81054); unknown record ids are 404 (81044).

Test hooks (not part of Cloudflare's API): `requests` (every call as (method, path, query)), `fail_next(...)`
to answer the next matching calls with an error status, `before_write` callback run before each write.
"""
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.support.httpserve import send_json

BASE = "/client/v4"


class ApiError(Exception):
    def __init__(self, status, code, message, chain=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.chain = chain
        self.headers = headers or {}


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())


def _split_quoted(content):
    """Parse RFC 1035 quoted character-strings (keeping escapes as written); None when not quoted."""
    text = content.strip()
    if not text.startswith('"'):
        return None
    strings, current, quoted, i = [], None, False, 0
    while i < len(text):
        ch = text[i]
        if current is None:
            if ch.isspace():
                i += 1
                continue
            if ch != '"':
                raise ApiError(400, 9021, "Invalid TXT content: text outside quotes")
            current, quoted = "", True
            i += 1
            continue
        if ch == "\\" and i + 1 < len(text):
            current += text[i:i + 2]
            i += 2
            continue
        if ch == '"':
            strings.append(current)
            current = None
            i += 1
            continue
        current += ch
        i += 1
    if current is not None:
        raise ApiError(400, 9021, "Invalid TXT content: missing closing quote")
    return strings


def _wire_len(escaped):
    """Bytes a quoted string occupies on the wire (\\DDD and \\X count as one)."""
    n, i = 0, 0
    while i < len(escaped):
        if escaped[i] == "\\" and len(escaped[i + 1:i + 4]) == 3 and escaped[i + 1:i + 4].isdigit():
            n += 1
            i += 4
        elif escaped[i] == "\\" and i + 1 < len(escaped):
            n += len(escaped[i + 1].encode("utf-8"))
            i += 2
        else:
            n += len(escaped[i].encode("utf-8"))
            i += 1
    return n


def _chop(escaped, size=255):
    """Split one escaped string into pieces of at most `size` wire bytes, not inside an escape or character."""
    pieces, current, n, i = [], "", 0, 0
    while i < len(escaped):
        if escaped[i] == "\\" and escaped[i + 1:i + 4].isdigit() and len(escaped[i + 1:i + 4]) == 3:
            token, width = escaped[i:i + 4], 1
        elif escaped[i] == "\\" and i + 1 < len(escaped):
            token, width = escaped[i:i + 2], len(escaped[i + 1].encode("utf-8"))
        else:
            token, width = escaped[i], len(escaped[i].encode("utf-8"))
        if n + width > size:
            pieces.append(current)
            current, n = "", 0
        current += token
        n += width
        i += len(token)
    pieces.append(current)
    return pieces


def normalize_txt(content):
    strings = _split_quoted(content)
    if strings is None:
        escaped = content.replace("\\", "\\\\").replace('"', '\\"')
        strings = [escaped]
    out = []
    for s in strings:
        out.extend(_chop(s) if _wire_len(s) > 255 else [s])
    return " ".join('"%s"' % s for s in out)


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.zones = {}      # id -> {"id", "name", ...}
        self.records = {}    # zone id -> {record id -> record}
        self.tokens = {}     # token -> set of zone ids or None (all zones)

    def add_zone(self, name):
        with self.lock:
            zid = uuid.uuid4().hex
            self.zones[zid] = {
                "id": zid, "name": name.rstrip(".").lower(), "status": "active", "paused": False, "type": "full",
                "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
                "created_on": _now(), "modified_on": _now(),
            }
            self.records[zid] = {}
            return zid


class CloudflareEmulator:
    """Run with `start()`; `url` is the API base (…/client/v4). Stop with `stop()`."""

    def __init__(self, host="127.0.0.1", port=0):
        self.store = Store()
        self.host = host
        self.requests = []
        self._faults = []
        self.before_write = None
        self.httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = None

    @property
    def url(self):
        return "http://%s:%d%s" % (self.host, self.port, BASE)

    # -- test hooks -------------------------------------------------------------------------------
    def add_zone(self, name):
        return self.store.add_zone(name)

    def add_token(self, token, zones=None):
        self.store.tokens[token] = set(zones) if zones is not None else None

    def fail_next(self, count=1, status=500, method=None, retry_after=None):
        self._faults.append({"count": count, "status": status, "method": method, "retry_after": retry_after})

    def clear_faults(self):
        with self.store.lock:
            self._faults = []

    def counts(self):
        result = {}
        for method, dummy_path, dummy_query in self.requests:
            result[method] = result.get(method, 0) + 1
        return result

    def zone_records(self, zone_id):
        with self.store.lock:
            return [dict(r) for r in self.store.records[zone_id].values()]

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="cloudflare-emulator", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- HTTP -------------------------------------------------------------------------------------
    def _handler_class(self):
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _serve(self):
                parts = urlsplit(self.path)
                query = parse_qs(parts.query, keep_blank_values=True)
                emulator.requests.append((self.command, parts.path, {k: v[0] for k, v in query.items()}))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body, headers = emulator.dispatch(self.command, parts.path, query, self.headers, raw)
                send_json(self, status, body, headers)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        return Handler

    def dispatch(self, method, path, query, headers, raw):
        try:
            fault = self._take_fault(method)
            if fault:
                extra = {"Retry-After": str(fault["retry_after"])} if fault["retry_after"] is not None else {}
                code = 10013 if fault["status"] == 429 else 10001
                raise ApiError(fault["status"], code, "Rate limited" if fault["status"] == 429 else "Internal error",
                               headers=extra)
            self._auth(headers)
            body = None
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise ApiError(400, 6007, "Malformed JSON in request body")
            result, info = self._route(method, path, query, body)
            envelope = {"success": True, "errors": [], "messages": [], "result": result}
            if info is not None:
                envelope["result_info"] = info
            return 200, envelope, {}
        except ApiError as exc:
            error = {"code": exc.code, "message": exc.message}
            if exc.chain:
                error["error_chain"] = exc.chain
            return exc.status, {"success": False, "errors": [error], "messages": [], "result": None}, exc.headers

    def _take_fault(self, method):
        with self.store.lock:
            for fault in self._faults:
                if fault["count"] > 0 and fault["method"] in (None, method):
                    fault["count"] -= 1
                    return fault
        return None

    def _auth(self, headers):
        value = headers.get("Authorization") or ""
        if not value.startswith("Bearer ") or not value[7:].strip():
            raise ApiError(400, 6003, "Invalid request headers",
                           chain=[{"code": 6111, "message": "Invalid format for Authorization header"}])
        token = value[7:].strip()
        if token not in self.store.tokens:
            raise ApiError(401, 10000, "Authentication error")
        self._token = token

    def _zone_allowed(self, zid):
        allowed = self.store.tokens.get(self._token)
        return allowed is None or zid in allowed

    def _zone(self, zid):
        zone = self.store.zones.get(zid)
        if zone is None:
            raise ApiError(404, 7003, "Could not route to /zones/%s, perhaps your object identifier is invalid?" % zid)
        if not self._zone_allowed(zid):
            raise ApiError(403, 10000, "Authentication error")
        return zone

    @staticmethod
    def _paginate(items, query):
        def arg(name, default):
            try:
                return int(query.get(name, [default])[0])
            except ValueError:
                raise ApiError(400, 1004, "%s must be an integer" % name)
        page = arg("page", 1)
        per_page = arg("per_page", 100)
        if page < 1 or not 5 <= per_page <= 5000:
            raise ApiError(400, 1004, "per_page must be between 5 and 5000 and page at least 1")
        total = len(items)
        start = (page - 1) * per_page
        chunk = items[start:start + per_page]
        info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": total,
                "total_pages": (total + per_page - 1) // per_page if total else 0}
        return chunk, info

    def _route(self, method, path, query, body):
        if not path.startswith(BASE + "/"):
            raise ApiError(404, 7000, "No route for that URI")
        parts = path[len(BASE) + 1:].strip("/").split("/")
        with self.store.lock:
            if parts == ["zones"] and method == "GET":
                name = query.get("name", [None])[0]
                zones = [z for z in self.store.zones.values() if self._zone_allowed(z["id"])
                         and (name is None or z["name"] == name.rstrip(".").lower())]
                zones.sort(key=lambda z: z["name"])
                return self._paginate([dict(z) for z in zones], query)
            if len(parts) == 2 and parts[0] == "zones" and method == "GET":
                return dict(self._zone(parts[1])), None
            if len(parts) >= 3 and parts[0] == "zones" and parts[2] == "dns_records":
                zone = self._zone(parts[1])
                if len(parts) == 3:
                    if method == "GET":
                        return self._list(zone, query)
                    if method == "POST":
                        return self._write(zone, None, body, replace=True), None
                elif len(parts) == 4:
                    rid = parts[3]
                    records = self.store.records[zone["id"]]
                    if rid not in records:
                        raise ApiError(404, 81044, "Record does not exist.")
                    if method == "GET":
                        return dict(records[rid]), None
                    if method == "PUT":
                        return self._write(zone, rid, body, replace=True), None
                    if method == "PATCH":
                        return self._write(zone, rid, body, replace=False), None
                    if method == "DELETE":
                        if self.before_write:
                            self.before_write(method, zone, rid, body)
                        del records[rid]
                        return {"id": rid}, None
            raise ApiError(405, 10405, "Method not allowed for this route")

    def _list(self, zone, query):
        def first(*names):
            for name in names:
                if name in query:
                    return query[name][0]
            return None
        name = first("name", "name.exact")
        rtype = first("type")
        content = first("content", "content.exact")
        items = []
        for record in self.store.records[zone["id"]].values():
            if name is not None and record["name"] != name.rstrip(".").lower():
                continue
            if rtype is not None and record["type"] != rtype:
                continue
            if content is not None and record["content"] != content:
                continue
            items.append(dict(record))
        items.sort(key=lambda r: (r["type"], r["name"], r["content"], r["id"]))
        return self._paginate(items, query)

    def _fqdn(self, zone, name):
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, 9007, "DNS record name is required")
        name = name.strip().rstrip(".").lower()
        if name == "@":
            return zone["name"]
        if name != zone["name"] and not name.endswith("." + zone["name"]):
            name = name + "." + zone["name"]
        return name

    def _write(self, zone, rid, body, replace):
        if not isinstance(body, dict):
            raise ApiError(400, 9207, "Request body is not a JSON object")
        records = self.store.records[zone["id"]]
        old = records.get(rid) if rid else None
        merged = {} if replace or old is None else {
            "type": old["type"], "name": old["name"], "content": old["content"], "ttl": old["ttl"],
            "proxied": old["proxied"], "data": old.get("data"), "comment": old.get("comment"), "tags": old.get("tags")}
        merged.update(body)
        rtype = merged.get("type")
        if rtype not in ("A", "AAAA", "CNAME", "TXT", "SRV", "MX", "NS", "CAA"):
            raise ApiError(400, 9004, "DNS record type is invalid")
        name = self._fqdn(zone, merged.get("name"))
        ttl = merged.get("ttl", 1)
        if not isinstance(ttl, int) or not (ttl == 1 or 60 <= ttl <= 86400):
            raise ApiError(400, 9141, "TTL must be between 60 and 86400 seconds, or 1 for Automatic.")
        record = {"id": rid or uuid.uuid4().hex, "zone_id": zone["id"], "zone_name": zone["name"], "name": name,
                  "type": rtype, "ttl": ttl, "proxiable": rtype in ("A", "AAAA", "CNAME"),
                  "proxied": bool(merged.get("proxied", False)) and rtype in ("A", "AAAA", "CNAME"),
                  "locked": False, "meta": {"auto_added": False, "source": "primary"},
                  "comment": merged.get("comment"), "tags": merged.get("tags") or [],
                  "created_on": old["created_on"] if old else _now(), "modified_on": _now()}
        if rtype == "SRV":
            data = merged.get("data")
            if not isinstance(data, dict):
                raise ApiError(400, 9101, "SRV records need data: {priority, weight, port, target}")
            try:
                prio, weight, port = int(data["priority"]), int(data["weight"]), int(data["port"])
                target = str(data["target"]).rstrip(".").lower()
            except (KeyError, TypeError, ValueError):
                raise ApiError(400, 9101, "SRV data needs integer priority, weight, port and a target")
            if not (0 <= prio <= 65535 and 0 <= weight <= 65535 and 0 <= port <= 65535) or not target:
                raise ApiError(400, 9101, "SRV data out of range")
            record["data"] = {"priority": prio, "weight": weight, "port": port, "target": target}
            record["priority"] = prio
            record["content"] = "%d %d %s" % (weight, port, target)
        else:
            content = merged.get("content")
            if not isinstance(content, str) or content == "":
                raise ApiError(400, 9005, "Content for %s record is invalid." % rtype)
            if rtype == "A":
                import ipaddress
                try:
                    content = str(ipaddress.IPv4Address(content))
                except ValueError:
                    raise ApiError(400, 9005, "Content for A record must be a valid IPv4 address.")
            elif rtype == "AAAA":
                import ipaddress
                try:
                    content = ipaddress.IPv6Address(content).compressed
                except ValueError:
                    raise ApiError(400, 9006, "Content for AAAA record must be a valid IPv6 address.")
            elif rtype == "CNAME":
                content = content.rstrip(".").lower()
            elif rtype == "TXT":
                content = normalize_txt(content)
            record["content"] = content
        for other in records.values():
            if other["id"] == record["id"] or other["name"] != name:
                continue
            if rtype == "CNAME" or other["type"] == "CNAME":
                code = 81053 if rtype != "CNAME" else 81054
                raise ApiError(400, code, "An A, AAAA, or CNAME record with that host already exists.")
            if other["type"] == rtype and other["content"] == record["content"] and other.get("data") == record.get("data"):
                raise ApiError(400, 81058, "An identical record already exists.")
        if self.before_write:
            self.before_write("PUT" if rid else "POST", zone, rid, body)
        records[record["id"]] = record
        return dict(record)
