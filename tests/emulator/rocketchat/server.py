"""HTTP front of the Rocket.Chat emulator: routes, auth, permissions, 2FA, rate limits, error bodies.

The order of checks per request follows Rocket.Chat's API layer (CONTRACT.md, C-AUTH and C-RATE): authenticate
the token headers, refuse anonymous calls on ``authRequired`` routes (401, before the rate limiter counts
them), apply the rate limiter (holders of ``api-bypass-rate-limit`` skip it), check ``permissionsRequired``
(7.x+), run the two-factor wrapper, then the handler (6.x settings handlers check their permission
themselves and answer ``unauthorized()``, 403 in 6.x).

Test-only endpoints live under ``/_emulator/`` and are neither rate limited nor logged.
"""
import hashlib
import json
import re
import socket
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .profiles import get_profile
from .clock import Clock
from .state import KNOWN_ROLES, Store

NOT_LOGGED_IN = "You must be logged in to do this."
NO_PERMISSION = "User does not have the permissions required for this action"


class ApiResponse(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class Request:
    def __init__(self, method, path, query, headers, body, ip, port):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.ip = ip
        self.port = port
        self.user = None
        self.token_doc = None
        self.params = {}

    def header(self, name):
        return self.headers.get(name.lower())

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def fingerprint(self):
        return hashlib.md5(((self.header("user-agent") or "") + self.ip).encode()).hexdigest()


class Route:
    def __init__(self, method, pattern, handler, auth=True, rate_limit=True, permissions=(), handler_perm=False,
                 two_factor=False, disable_remember=False):
        self.method = method
        self.pattern = pattern
        regex = re.sub(r":(\w+)", r"(?P<\1>[^/]+)", re.escape(pattern).replace(r"\:", ":"))
        self.regex = re.compile("^" + regex + "$")
        self.handler = handler
        self.auth = auth
        self.rate_limit = rate_limit
        self.permissions = tuple(permissions)
        self.handler_perm = handler_perm
        self.two_factor = two_factor
        self.disable_remember = disable_remember


class Emulator:
    """The API logic, independent of the socket layer so tests may call it in-process too."""

    def __init__(self, version="7.10", latency=0.0, **store_options):
        self.latency = latency
        self.profile = get_profile(version)
        self.store = Store(self.profile, **store_options)
        self.routes = self._routes()
        self._checks = []

    # --- responses ------------------------------------------------------------------------------------
    def failure(self, error=None, error_type=None, details=None, status=400):
        body = {"success": False}
        if error is not None:
            body["error"] = error
        if error_type is not None:
            body["errorType"] = error_type
        if details is not None:
            body["details"] = details
        return ApiResponse(status, body)

    def unauthorized(self):
        return ApiResponse(self.profile.unauthorized_status, {"success": False, "error": "unauthorized"})

    def no_permission(self):
        return ApiResponse(403, {"success": False, "error": NO_PERMISSION, "errorType": "error-unauthorized"})

    def not_logged_in(self):
        body = {"success": False, "error": NOT_LOGGED_IN}
        if not self.profile.breaking_8:
            body.update(status="error", message=NOT_LOGGED_IN)
        return ApiResponse(401, body)

    def two_factor_failure(self, outcome):
        error_type, details = outcome
        label = "TOTP Required" if error_type == "totp-required" else "TOTP Invalid"
        return self.failure("%s [%s]" % (label, error_type), error_type, details)

    @staticmethod
    def ok(**body):
        body["success"] = True
        return ApiResponse(200, body)

    # --- routing --------------------------------------------------------------------------------------
    def _routes(self):
        p = self.profile
        routes = [
            Route("GET", "/api/info", self.info, auth=False),
            Route("POST", "/api/v1/login", self.login, auth=False),
            Route("POST", "/api/v1/logout", self.logout),
            Route("GET", "/api/v1/me", self.me),
            Route("GET", "/api/v1/settings.public", self.settings_public, auth=False),
            Route("GET", "/api/v1/settings", self.settings_list),
            Route("GET", "/api/v1/settings/:_id", self.setting_get, permissions=("view-privileged-setting",),
                  handler_perm=True),
            Route("POST", "/api/v1/settings/:_id", self.setting_post, permissions=("edit-privileged-setting",),
                  handler_perm=True, two_factor=True),
            Route("POST", "/api/v1/method.call/:method", self.method_call, rate_limit=False),
            Route("POST", "/api/v1/users.generatePersonalAccessToken", self.pat_generate, two_factor=True),
            Route("POST", "/api/v1/users.regeneratePersonalAccessToken", self.pat_regenerate, two_factor=True),
            Route("POST", "/api/v1/users.removePersonalAccessToken", self.pat_remove, two_factor=True),
            Route("GET", "/api/v1/users.getPersonalAccessTokens", self.pat_list),
            Route("GET", "/api/v1/permissions.listAll", self.permissions_list),
            Route("POST", "/api/v1/permissions.update", self.permissions_update, permissions=("access-permissions",)),
        ]
        if p.license_info_route:
            routes.append(Route("GET", "/api/v1/licenses.info", self.license_info))
        if p.bulk_rest:
            routes.append(Route("POST", "/api/v1/settings", self.settings_bulk, two_factor=True,
                                disable_remember=True))
        if p.legacy_rest_exists:
            for name in ("federation.events.dispatch", "federation.events.requestFromLatest",
                         "federation.users.search", "federation.users.getByUsername", "federation.uploads"):
                method = "GET" if name in ("federation.users.search", "federation.users.getByUsername",
                                           "federation.uploads") else "POST"
                routes.append(Route(method, "/api/v1/" + name, self.legacy_federation, auth=False))
        if p.v >= (6, 8, 0) and p.v < (8, 0, 0):
            routes.append(Route("GET", "/.well-known/matrix/server", self.well_known_server, auth=False,
                                rate_limit=False))
            routes.append(Route("GET", "/.well-known/matrix/client", self.well_known_client, auth=False,
                                rate_limit=False))
        return routes

    def handle(self, method, raw_path, headers, raw_body, ip="127.0.0.1", port=0):
        """Serve one request; returns (status, headers, body dict)."""
        parsed = urllib.parse.urlsplit(raw_path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in headers.items()}
        started = time.time()
        route_name = None
        user_id = None
        try:
            body = {}
            if raw_body:
                try:
                    body = json.loads(raw_body.decode("utf-8"))
                except ValueError:
                    raise self.failure("Invalid JSON body", "error-invalid-body")
            req = Request(method, parsed.path, query, headers, body, ip, port)
            route, params = self._match(method, parsed.path)
            if route is None:
                raise ApiResponse(404, {"status": "error", "message": "API endpoint does not exist"})
            route_name = route.pattern
            req.params = params
            if self.latency:
                time.sleep(self.latency)  # outside the lock: requests overlap as on a real server
            response = self._dispatch(route, req)
            user_id = req.user["_id"] if req.user else None
        except ApiResponse as answer:
            response = answer
            user_id = user_id or (headers.get("x-user-id"))
        with self.store.lock:
            self.store.record({
                "time": started, "method": method, "path": parsed.path, "route": route_name,
                "status": response.status, "user": user_id, "client_port": port,
                "thread": threading.get_ident(),
            })
        return response.status, response.headers, response.body

    def _match(self, method, path):
        for route in self.routes:
            if route.method == method:
                match = route.regex.match(path)
                if match:
                    return route, {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
        return None, None

    def _dispatch(self, route, req):
        store = self.store
        with store.lock:
            req.user, req.token_doc = store.authenticate(req.header("x-user-id"), req.header("x-auth-token"))
            if route.auth and req.user is None:   # C-RATE-2: before the limiter counts the call
                raise ApiResponse(401, self.not_logged_in().body)
            limit_headers = {}
            if route.rate_limit and not (req.user and store.has_permission(req.user, "api-bypass-rate-limit")):
                allowed, limit_headers, time_to_reset = store.rate_limit(req.ip, route.pattern, req.method)
                if not allowed:
                    seconds = int(-(-time_to_reset // 1))
                    raise ApiResponse(429, {"success": False, "error": (
                        "Error, too many requests. Please slow down. You must wait %d seconds before trying this "
                        "endpoint again." % seconds)}, limit_headers)
            in_handler = route.handler_perm and self.profile.settings_permission_in_handler
            try:
                if route.permissions and not in_handler:
                    if not all(store.has_permission(req.user, perm) for perm in route.permissions):
                        raise self.no_permission()
                if route.two_factor:
                    outcome = store.check_two_factor(req.user, req.token_doc, req.header("x-2fa-code"),
                                                     req.header("x-2fa-method"), req.fingerprint,
                                                     disable_remember=route.disable_remember)
                    if outcome:
                        raise self.two_factor_failure(outcome)
                if route.permissions and in_handler:
                    if not all(store.has_permission(req.user, perm) for perm in route.permissions):
                        raise self.unauthorized()
                response = route.handler(req)
            except ApiResponse as answer:
                answer.headers.update(limit_headers)
                raise
            response.headers.update(limit_headers)
            return response

    # --- handlers: info, login ---------------------------------------------------------------------------
    def info(self, req):
        p = self.profile
        user, _doc = self.store.authenticate(req.header("x-user-id"), req.header("x-auth-token"))
        if user and self.store.has_permission(user, p.info_permission):
            build = {"nodeVersion": "v22.16.0", "arch": "x64", "platform": "linux"}
            body = {"info": {"version": p.full_version, "build": build,
                             "commit": {"hash": "0" * 40, "branch": "release-" + p.full_version}},
                    "version": p.full_version}
            if p.v >= (7, 0, 0):
                body.update(minimumClientVersions={"desktop": "3.9.6", "mobile": "4.39.0"},
                            supportedVersions={"signed": "emulated"}, cloudWorkspaceId="emulated-workspace")
            return self.ok(**body)
        trimmed = re.sub(r"(\d+\.\d+).*", r"\1", p.full_version)
        return self.ok(version=trimmed)

    def login(self, req):
        store = self.store
        body = req.body if isinstance(req.body, dict) else {}
        ident = body.get("user") or body.get("username") or body.get("email")
        password = body.get("password")
        if isinstance(password, dict) and "hashed" in password:
            digest = str(password["hashed"]).lower()
        elif isinstance(password, str):
            digest = hashlib.sha256(password.encode("utf-8")).hexdigest()
        else:
            digest = None
        user = store.user_by_login(ident) if isinstance(ident, str) else None
        if user is None or digest is None or not user.get("password") or \
                hashlib.sha256(user["password"].encode("utf-8")).hexdigest() != digest:
            raise ApiResponse(401, {"status": "error", "error": "Unauthorized", "message": "Unauthorized"})
        code = body.get("code") or req.header("x-2fa-code")
        outcome = store.check_two_factor(user, None, code, req.header("x-2fa-method"), req.fingerprint,
                                         for_login=True)
        if outcome:
            error_type, details = outcome
            label = "TOTP Required" if error_type == "totp-required" else "TOTP Invalid"
            raise ApiResponse(401, {"status": "error", "error": error_type, "details": details,
                                    "message": "%s [%s]" % (label, error_type)})
        token = hashlib.sha256(("%s-%s-%s" % (user["_id"], time.time(), len(store.tokens))).encode()).hexdigest()[:43]
        store.add_token(user["_id"], token)
        return ApiResponse(200, {"status": "success", "data": {
            "userId": user["_id"], "authToken": token,
            "me": {"_id": user["_id"], "username": user["username"], "roles": user["roles"], "active": True}}})

    def logout(self, req):
        self.store.tokens.pop(req.token_doc["hashedToken"], None)
        return ApiResponse(200, {"status": "success", "data": {"message": "You've been logged out!"}})

    def me(self, req):
        user = req.user
        return self.ok(_id=user["_id"], username=user["username"], roles=user["roles"], emails=user["emails"],
                       active=True, services={"password": {"exists": bool(user.get("password"))},
                                              "totp": {"enabled": bool(user.get("totp_secret"))},
                                              "email2fa": {"enabled": user.get("email2fa", False)}})

    # --- handlers: settings ------------------------------------------------------------------------------
    def _visible(self, item):
        return item is not None and not item.hidden

    @staticmethod
    def _projection(item):
        """fetchSettings' projection {_id, value, enterprise, invalidValue, modules}: fields the setting does not
        have are absent, as in a MongoDB projection."""
        row = {"_id": item._id, "enterprise": item.enterprise}
        if item.invalid_value is not None:
            row["invalidValue"] = item.invalid_value
        if item.modules:
            row["modules"] = list(item.modules)
        return row

    def _list_value(self, item):
        if self.profile.list_masks_secrets and (item.secret or item.type == "password"):
            return {"value": "", "hasValue": item.value not in ("", None)}
        return {"value": self.store.served_value(item)}   # C-LIC-2: the 'fetch-settings' hook

    def settings_list(self, req):
        store = self.store
        privileged = store.has_permission(req.user, "view-privileged-setting")
        items = [s for s in store.settings.values() if not s.hidden and (privileged or s.public)]
        mode = self.profile.query_fields_mode
        if req.arg("query") is not None or req.arg("fields") is not None:
            if mode == "refuse":
                raise self.failure("Invalid params: query and fields are no longer supported",
                                   "error-invalid-params")
            if mode == "honour" and req.arg("query"):
                try:
                    query = json.loads(req.arg("query"))
                except ValueError:
                    raise self.failure("Invalid query parameter", "error-invalid-params")
                wanted = query.get("_id") if isinstance(query, dict) else None
                if isinstance(wanted, dict) and "$in" in wanted:
                    ids = set(wanted["$in"])
                    items = [s for s in items if s._id in ids]
                elif isinstance(wanted, str):
                    items = [s for s in items if s._id == wanted]
        sort = req.arg("sort")
        if sort:
            try:
                spec = json.loads(sort)
                for key, direction in reversed(list(spec.items())):
                    items.sort(key=lambda s, k=key: str(getattr(s, k, "")), reverse=direction == -1)
            except (ValueError, AttributeError):
                raise self.failure("Invalid sort parameter", "error-invalid-params")
        default = store.value("API_Default_Count")
        upper = store.value("API_Upper_Count_Limit")
        try:
            count = int(req.arg("count", default))
            offset = int(req.arg("offset", 0))
        except ValueError:
            raise self.failure("Invalid count or offset", "error-invalid-params")
        # getPaginationItems (apps/meteor/app/api/server/helpers/getPaginationItems.ts): count above the upper
        # limit is clamped; count=0 is "no limit" while API_Allow_Infinite_Count is on, else the default count
        infinite = count == 0 and store.value("API_Allow_Infinite_Count")
        if count <= 0 and not infinite:
            count = default
        count = len(items) if infinite else min(count, upper)
        page = items[offset:offset + count]
        include_defaults = req.arg("includeDefaults") == "true" and self.profile.v >= (7, 0, 0)
        out = []
        for item in page:   # C-LIC-2: the projection carries enterprise, invalidValue and modules
            row = self._projection(item)
            row.update(self._list_value(item))
            if include_defaults:
                row["packageValue"] = None
            out.append(row)
        return self.ok(settings=out, count=len(out), offset=offset, total=len(items))

    def settings_public(self, req):
        items = [s for s in self.store.settings.values() if s.public and not s.hidden]
        ids = req.arg("_id")
        if ids and self.profile.public_ids_param:
            wanted = set(ids.split(","))
            items = [s for s in items if s._id in wanted]
        return self.ok(settings=[dict(self._projection(s), value=self.store.served_value(s)) for s in items],
                       count=len(items), offset=0, total=len(items))

    def setting_get(self, req):
        """C-SET-1: findOneNotHiddenById straight from the database: the stored value, never the invalidValue
        an unlicensed server serves in the list (C-LIC-2)."""
        item = self.store.settings.get(req.params["_id"])
        if not self._visible(item):
            raise self.failure()
        return self.ok(_id=item._id, value=item.value)

    def setting_post(self, req):
        """C-SET-2..C-SET-6: unknown or hidden -> bare 400; execute an action; no ``value`` -> bare 400; 8.x
        checks numeric bounds and validation rules but never the JSON type; readonly is not enforced."""
        store = self.store
        item = store.settings.get(req.params["_id"])
        body = req.body if isinstance(req.body, dict) else {}
        if item is None or item.hidden:                   # findOneNotHiddenById found nothing
            raise self.failure()
        if item.type == "action" and body.get("execute") is True:
            self.run_method(item.value, req.user)
            return self.ok()
        if "value" not in body:                           # isSettingsUpdatePropDefault() is false
            raise self.failure()
        if item.blocked:                                  # updateValueNotHiddenById matched nothing
            raise self.failure()
        if item.type == "color" and body.get("editor") in ("color", "expression"):
            item.extra["editor"] = body["editor"]
        value = body["value"]
        if self.profile.per_id_post_validates:
            self.check_bounds(item, value)
            if not self.rules_pass(item, value):
                raise self.failure("%s_Invalid" % item._id, "error-setting-validation-failed")
        store.set_value(item._id, value)  # C-SET-2/C-SET-4: readonly not checked, nor the JSON type
        return self.ok()

    def check_bounds(self, item, value):
        """C-SET-4: checkSettingValueBounds: int/range settings with minValue/maxValue; a falsy value skips it;
        the value is compared as Number(value) (so a numeric string is checked too)."""
        if item.type not in ("int", "range") or not value:
            return
        try:
            number = float(value)
        except (TypeError, ValueError):
            return   # Number('abc') is NaN: both comparisons are false in JavaScript
        low, high = item.extra.get("minValue"), item.extra.get("maxValue")
        if low is not None and number < low:
            raise self.failure("Value for setting %s must be greater than or equal to %s [error-invalid-setting-value]"
                               % (item._id, low), "error-invalid-setting-value", {"method": "saveSettings"})
        if high is not None and number > high:
            raise self.failure("Value for setting %s must be less than or equal to %s [error-invalid-setting-value]"
                               % (item._id, high), "error-invalid-setting-value", {"method": "saveSettings"})

    def rules_pass(self, item, value):
        """C-SET-4: validateSettingRules: a JSON-schema code setting must parse and match its schema (an empty
        string passes); a setting's own validation rules must hold. ``extra['schema']`` and
        ``extra['validation']`` are predicates over the candidate value."""
        schema = item.extra.get("schema")
        if schema is not None and item.type == "code" and item.extra.get("code") == "application/json" \
                and value != "":
            if not isinstance(value, str):
                return False
            try:
                parsed = json.loads(value)
            except ValueError:
                return False
            if not schema(parsed):
                return False
        rule = item.extra.get("validation")
        return rule is None or bool(rule(value, self.store))

    def license_info(self, req):
        """C-LIC-1: License.getInfo(): activeModules for every authenticated user; the licence itself and the
        limits only with view-privileged-setting."""
        store = self.store
        modules = list(store.license_modules or [])
        privileged = store.has_permission(req.user, "view-privileged-setting")
        info = {"activeModules": modules, "preventedActions": {}, "limits": {}, "tags": [], "trial": False}
        if privileged and store.license_modules is not None:
            info["license"] = {"information": {"tags": [], "trial": False}, "grantedModules":
                               [{"module": m} for m in modules],
                               "validation": {"validPeriods": [dict(p) for p in store.license_periods]}}  # C-LIC-3
        return self.ok(license=info)

    def permissions_list(self, req):
        """C-PERM-1: every permission with its roles, to any authenticated user."""
        with self.store.lock:
            rows = [{"_id": p, "roles": list(roles), "_updatedAt": "2026-01-01T00:00:00.000Z"}
                    for p, roles in sorted(self.store.permission_roles.items())]
        return self.ok(update=rows, remove=[])

    def permissions_update(self, req):
        """C-PERM-2: {permissions: [{_id, roles}]} sets each permission's roles exactly; an unknown permission or
        role fails the whole request before anything is set."""
        store = self.store
        body = req.body if isinstance(req.body, dict) else {}
        items = body.get("permissions")
        if set(body) != {"permissions"} or not isinstance(items, list) or not all(
                isinstance(i, dict) and set(i) == {"_id", "roles"} and isinstance(i["_id"], str)
                and isinstance(i["roles"], list) and all(isinstance(r, str) for r in i["roles"])
                and len(set(i["roles"])) == len(i["roles"]) for i in items):
            raise self.failure("Invalid body params", "error-invalid-body-params")
        with store.lock:
            if any(i["_id"] not in store.permission_roles for i in items):
                raise self.failure("Invalid permission", "error-invalid-permission")
            if any(r not in KNOWN_ROLES for i in items for r in i["roles"]):
                raise self.failure("Invalid role", "error-invalid-role")
            for i in items:
                store.permission_roles[i["_id"]] = list(i["roles"])
            rows = [{"_id": p, "roles": list(roles)} for p, roles in sorted(store.permission_roles.items())]
        return self.ok(permissions=rows)

    def validate(self, item, value, strict):
        """C-SET-8: type rules of saveSettings (boolean, int, multiSelect, JSON code) and, with ``strict``, of
        the 8.6 bulk route (saveSettingsBulk). Per-id writes never call this (C-SET-4)."""
        t = item.type
        if t == "boolean" and not isinstance(value, bool):
            return "expected a boolean"
        if t == "int" and (isinstance(value, bool) or not isinstance(value, (int, float)) or
                           (isinstance(value, float) and not value.is_integer())):
            return "expected an integer"
        if t == "multiSelect" and not isinstance(value, list):
            return "expected a list"
        if t == "code" and item.extra.get("code") == "application/json":
            try:
                json.loads(value)
            except (TypeError, ValueError):
                return "expected JSON"
        if strict:
            if t in ("string", "password", "code", "select", "language", "color", "relativeUrl") and \
                    not isinstance(value, str):
                return "expected a string"
            if t == "select" and value not in item.extra.get("values", [value]):
                return "not one of %s" % ", ".join(item.extra["values"])
            if t == "action":
                return "actions cannot be set"
        return None

    def _may_change(self, user, ids):
        store = self.store
        if store.has_permission(user, "edit-privileged-setting"):
            return []
        if store.has_permission(user, "manage-selected-settings"):
            return [i for i in ids if not store.has_permission(user, "change-setting-" + i)]
        return list(ids)

    def settings_bulk(self, req):
        """POST /api/v1/settings (8.6+): all or nothing, type-checked (saveSettingsBulk)."""
        store = self.store
        body = req.body if isinstance(req.body, dict) else {}
        entries = body.get("settings")
        if not isinstance(entries, list) or not entries or \
                not all(isinstance(e, dict) and isinstance(e.get("_id"), str) and "value" in e for e in entries):
            raise self.failure("Invalid params: settings must be a non-empty list of objects with _id and value",
                               "error-invalid-params")
        ids = [e["_id"] for e in entries]
        if not store.has_permission(req.user, "edit-privileged-setting") and \
                not store.has_permission(req.user, "manage-selected-settings"):
            raise self.no_permission()
        denied = self._may_change(req.user, ids)
        if denied:
            raise self.failure("Editing settings is not allowed [error-action-not-allowed]", "error-action-not-allowed",
                               {"settingIds": denied})
        for entry in entries:
            item = store.settings.get(entry["_id"])
            if item is None or item.hidden:
                raise self.failure("Invalid setting [error-invalid-setting]", "error-invalid-setting",
                                   {"settingIds": [entry["_id"]]})
            if item.blocked:
                raise self.failure("Editing settings is not allowed [error-action-not-allowed]",
                                   "error-action-not-allowed", {"settingIds": [entry["_id"]]})
            problem = self.validate(item, entry["value"], strict=True)
            if problem:
                raise self.failure("Invalid value for setting %s: %s [error-setting-validation-failed]"
                                   % (item._id, problem), "error-setting-validation-failed", {"settingId": item._id})
        for entry in entries:
            store.set_value(entry["_id"], entry["value"])
        return self.ok()

    # --- method.call -------------------------------------------------------------------------------------
    def method_call(self, req):
        """Always HTTP 200; the DDP-style result or error travels EJSON-encoded in `message`."""
        store = self.store
        message = req.body.get("message") if isinstance(req.body, dict) else None
        if not isinstance(message, str):
            raise self.failure('Body param "message" is required')
        try:
            call = json.loads(message)
        except ValueError:
            raise self.failure("Invalid EJSON message")
        msg_id = call.get("id", "1") if isinstance(call, dict) else "1"
        method = req.params["method"]

        def result(**data):
            data.update(msg="result", id=msg_id)
            return self.ok(message=json.dumps(data))

        def error(code, reason, details=None):
            err = {"isClientSafe": True, "error": code, "reason": reason, "message": "%s [%s]" % (reason, code),
                   "errorType": "Meteor.Error"}
            if details is not None:
                err["details"] = details
            return result(error=err)

        if not isinstance(call, dict) or call.get("method") != method:
            return error(400, "Match failed")
        allowed, wait = store.ddp_rate_limit(req.user["_id"], method)
        if not allowed:
            return error("too-many-requests", "Error, too many requests. Please slow down. You must wait %d seconds "
                         "before trying this endpoint again." % int(-(-wait // 1)), {"timeToReset": int(wait * 1000)})
        params = call.get("params") or []
        if method != "saveSettings":
            return error(404, "Method '%s' not found" % method)
        if not params or not isinstance(params[0], list) or \
                not all(isinstance(e, dict) and isinstance(e.get("_id"), str) and "value" in e for e in params[0]):
            return error(400, "Match failed")
        entries = params[0]
        ids = [e["_id"] for e in entries]
        outcome = store.check_two_factor(req.user, req.token_doc, req.header("x-2fa-code"),
                                         req.header("x-2fa-method"), req.fingerprint)
        if outcome:
            error_type, details = outcome
            return error(error_type, "TOTP Required" if error_type == "totp-required" else "TOTP Invalid", details)
        denied = self._may_change(req.user, ids)
        if denied:
            return error("error-action-not-allowed", "Editing settings is not allowed",
                         {"method": "saveSettings", "settingIds": denied})
        for entry in entries:
            item = store.settings.get(entry["_id"])
            if item is None:
                return error("error-invalid-setting", "Invalid setting", {"method": "saveSettings",
                                                                          "settingIds": [entry["_id"]]})
            if item.blocked:
                return error("error-action-not-allowed", "Editing settings is not allowed",
                             {"method": "saveSettings", "settingIds": [entry["_id"]]})
            if self.validate(item, entry["value"], strict=False):
                return error(400, "Match failed")
        for entry in entries:   # updateValueById: blocked enforced above, readonly not
            store.set_value(entry["_id"], entry["value"])
        return result(result=True)

    # --- actions (Meteor methods behind action settings) -------------------------------------------------
    def run_method(self, name, user):
        store = self.store
        if name == "checkFederationConfiguration":
            if not store.has_permission(user, "view-privileged-setting"):
                raise self.failure("Not allowed [error-action-not-allowed]", "error-action-not-allowed")
            valid, message = self.check_federation_configuration()
            store.settings["Federation_Matrix_configuration_status"].value = "Valid" if valid else "Invalid"
            if not valid:
                raise self.failure("%s [error-invalid-configuration]" % message, "error-invalid-configuration")
            return {"message": message}
        if name == "FEDERATION_Test_Setup":
            if not store.value("FEDERATION_Enabled") or not store.value("FEDERATION_Domain"):
                raise self.failure("FEDERATION_Test_Setup_Error [FEDERATION_Test_Setup_Error]",
                                   "FEDERATION_Test_Setup_Error")
            return {"message": "FEDERATION_Test_Setup_Success"}
        raise self.failure("Method '%s' not found" % name)

    def check_federation_configuration(self):
        """C-BRG-2: configurationStatus(): appservice ping to the homeserver, then the federation tester."""
        store = self.store
        hs_url = str(store.value("Federation_Matrix_homeserver_url") or "").rstrip("/")
        appservice = urllib.parse.quote(str(store.value("Federation_Matrix_id")), safe="")
        ping = urllib.request.Request(
            "%s/_matrix/client/v1/appservice/%s/ping" % (hs_url, appservice), method="POST", data=b"{}",
            headers={"Authorization": "Bearer %s" % store.value("Federation_Matrix_as_token"),
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(ping, timeout=3):
                pass
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return False, "Invalid configuration, homeserver version must be >=1.84.x"
            return False, "Invalid configuration, the homeserver answered the appservice ping with HTTP %d" % exc.code
        except (urllib.error.URLError, OSError) as exc:
            return False, "Invalid configuration, the homeserver could not be reached: %s" % exc
        domain = urllib.parse.urlsplit("https://%s" % store.value("Federation_Matrix_homeserver_domain")).hostname
        tester = "%s/api/federation-ok?server_name=%s" % (store.federation_tester_host.rstrip("/"),
                                                          urllib.parse.quote(domain or ""))
        try:
            with urllib.request.urlopen(tester, timeout=3) as answer:
                text = answer.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError):
            text = None
        if text != "GOOD":
            return False, "Configuration could only be partially verified, the federation tester did not answer GOOD"
        return True, "All configuration looks good, federation is working"

    # --- PATs ---------------------------------------------------------------------------------------------
    def _pat_permission(self, req):
        if not self.store.has_permission(req.user, "create-personal-access-tokens"):
            raise self.unauthorized()

    def pat_generate(self, req):
        self._pat_permission(req)
        name = (req.body or {}).get("tokenName")
        if not name:
            raise self.failure("Param 'tokenName' is missing", "error-token-name-missing")
        user_id = req.user["_id"]
        if any(d.get("name") == name and d["userId"] == user_id for d in self.store.tokens.values()):
            raise self.failure("A token with this name already exists [error-token-already-exists]",
                               "error-token-already-exists")
        token = hashlib.sha256(("%s-%s-%s" % (user_id, name, time.time())).encode()).hexdigest()[:43]
        self.store.add_token(user_id, token, pat_name=name, bypass=bool((req.body or {}).get("bypassTwoFactor")))
        return self.ok(token=token)

    def pat_regenerate(self, req):
        self._pat_permission(req)
        name = (req.body or {}).get("tokenName")
        found = [h for h, d in self.store.tokens.items() if d.get("name") == name and d["userId"] == req.user["_id"]]
        if not found:
            raise self.failure("Invalid token [error-invalid-token]", "error-invalid-token")
        bypass = self.store.tokens.pop(found[0]).get("bypassTwoFactor", False)
        token = hashlib.sha256(("%s-%s-%s-r" % (req.user["_id"], name, time.time())).encode()).hexdigest()[:43]
        self.store.add_token(req.user["_id"], token, pat_name=name, bypass=bypass)
        return self.ok(token=token)

    def pat_remove(self, req):
        self._pat_permission(req)
        name = (req.body or {}).get("tokenName")
        found = [h for h, d in self.store.tokens.items() if d.get("name") == name and d["userId"] == req.user["_id"]]
        if not found:
            raise self.failure("Invalid token [error-invalid-token]", "error-invalid-token")
        self.store.tokens.pop(found[0])
        return self.ok()

    def pat_list(self, req):
        self._pat_permission(req)
        tokens = [{"name": d["name"], "createdAt": d["createdAt"], "lastTokenPart": d["lastTokenPart"],
                   "bypassTwoFactor": d["bypassTwoFactor"]}
                  for d in self.store.tokens.values() if d.get("type") == "personalAccessToken"
                  and d["userId"] == req.user["_id"]]
        return self.ok(tokens=tokens)

    # --- legacy federation REST, well-known -------------------------------------------------------------------
    def legacy_federation(self, req):
        if self.profile.legacy_rest_gated and not self.store.insecure_legacy_federation:
            raise self.failure("Deprecated. ENABLE_INSECURE_LEGACY_FEDERATION environment variable is needed to "
                               "enable it.")
        if not self.store.value("FEDERATION_Enabled"):
            raise self.failure("Federation disabled", "error-federation-disabled")
        return self.ok()

    def _well_known_enabled(self):
        return self.store.value("Federation_Matrix_enabled") and self.store.value("Federation_Matrix_serve_well_known")

    def well_known_server(self, _req):
        if not self._well_known_enabled():
            raise ApiResponse(404, {})
        url = urllib.parse.urlsplit(self.store.value("Federation_Matrix_homeserver_url"))
        return ApiResponse(200, {"m.server": "%s:%s" % (url.hostname, url.port or 443)})

    def well_known_client(self, _req):
        if not self._well_known_enabled():
            raise ApiResponse(404, {})
        url = urllib.parse.urlsplit(self.store.value("Federation_Matrix_homeserver_url"))
        return ApiResponse(200, {"m.homeserver": {"base_url": "%s://%s" % (url.scheme, url.hostname)}})

    # --- test-only control ------------------------------------------------------------------------------------
    def control(self, method, path, body):
        store = self.store
        if path == "/_emulator/log" and method == "GET":
            return 200, {"log": list(store.log)}
        if path == "/_emulator/log" and method == "DELETE":
            with store.lock:
                store.log = []
            return 200, {"success": True}
        if path == "/_emulator/reset" and method == "POST":
            store.reset()
            self.faults = []
            return 200, {"success": True}
        if path == "/_emulator/clock":   # C-EMU-3
            if not isinstance(store.clock, Clock):
                return 409, {"success": False, "error": "this emulator runs on a clock given by its caller"}
            return store.clock.control(method, body)
        if path == "/_emulator/faults":   # test-only fault injection, see take_fault()
            return self.control_faults(method, body)
        if path == "/_emulator/settings" and method == "POST":   # like OVERWRITE_SETTING_<id> + restart
            with store.lock:
                for _id, value in (body or {}).items():
                    if _id not in store.settings:
                        return 400, {"success": False, "error": "unknown setting %s" % _id}
                    store.set_value(_id, value)
            return 200, {"success": True}
        if path == "/_emulator/settings" and method == "GET":
            with store.lock:
                return 200, {"settings": {k: v.value for k, v in store.settings.items()},
                             "hidden": sorted(k for k, v in store.settings.items() if v.hidden)}
        if path == "/_emulator/license" and method == "POST":   # C-LIC-3: a licence with these validity periods
            with store.lock:
                store.license_periods = [dict(p) for p in (body or {}).get("validPeriods", [])]
            return 200, {"success": True}
        if path == "/_emulator/outbox" and method == "GET":
            return 200, {"outbox": list(store.outbox)}
        if path == "/_emulator/profile" and method == "GET":
            return 200, {"name": self.profile.name, "version": self.profile.full_version,
                         "uniqueID": store.unique_id}
        return 404, {"error": "unknown control endpoint"}

    # --- test-only fault injection ---------------------------------------------------------------------------
    # Rules, first match wins, each for ``times`` requests: {"path": prefix, "method": optional, "times": n,
    # "action": "status" (answer ``status`` without handling) | "reset" (drop the connection without handling)
    # | "hang" (wait ``seconds``, then drop it unhandled: a client timeout) | "reset_after" (handle the request,
    # then drop the connection instead of answering)}. Faulted requests are logged with ``fault`` set.
    faults = ()

    def control_faults(self, method, body):
        if method == "POST":
            rules = body if isinstance(body, list) else [body]
            for rule in rules:
                if not isinstance(rule, dict) or rule.get("action") not in ("status", "reset", "hang", "reset_after") \
                        or not isinstance(rule.get("path"), str):
                    return 400, {"success": False, "error": "bad fault rule %r" % (rule,)}
            with self.store.lock:
                self.faults = [dict(rule, times=int(rule.get("times", 1))) for rule in rules]
            return 200, {"success": True}
        if method == "DELETE":
            with self.store.lock:
                self.faults = []
            return 200, {"success": True}
        with self.store.lock:
            return 200, {"faults": [dict(rule) for rule in self.faults]}

    def take_fault(self, method, path):
        with self.store.lock:
            for rule in self.faults:
                if rule["times"] > 0 and rule.get("method", method) == method and path.startswith(rule["path"]):
                    rule["times"] -= 1
                    return dict(rule)
        return None

    def record_fault(self, method, path, fault, port, status=0):
        self.store.record({"time": time.time(), "method": method, "path": path, "route": None, "status": status,
                           "user": None, "client_port": port, "thread": threading.get_ident(),
                           "fault": fault["action"]})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as Rocket.Chat's Node server
    server_version = "RocketChatEmulator"

    def log_message(self, *args):  # the request log is the emulator's own
        pass

    def _serve(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        emulator = self.server.emulator
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/_emulator/"):
            try:
                body = json.loads(raw.decode("utf-8")) if raw else None
            except ValueError:
                body = None
            status, payload = emulator.control(method, path, body)
            headers = {}
        elif self._fault(emulator, method, path, raw):
            return
        else:
            status, headers, payload = emulator.handle(method, self.path, dict(self.headers.items()), raw,
                                                       ip=self.client_address[0], port=self.client_address[1])
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _fault(self, emulator, method, path, raw):
        """Apply an injected fault to this request; True when it replaced the normal answer."""
        fault = emulator.take_fault(method, path)
        if fault is None:
            return False
        port = self.client_address[1]
        if fault["action"] == "status":
            emulator.record_fault(method, path, fault, port, status=int(fault.get("status", 503)))
            data = json.dumps({"success": False, "error": "injected fault"}).encode("utf-8")
            self.send_response(int(fault.get("status", 503)))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return True
        if fault["action"] == "hang":
            time.sleep(float(fault.get("seconds", 5)))
        elif fault["action"] == "reset_after":
            emulator.handle(method, self.path, dict(self.headers.items()), raw, ip=self.client_address[0], port=port)
        emulator.record_fault(method, path, fault, port)
        self.close_connection = True
        try:   # close with RST instead of FIN: a connection reset by peer
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        return True

    def do_GET(self):  # noqa: N802
        self._serve("GET")

    def do_POST(self):  # noqa: N802
        self._serve("POST")

    def do_DELETE(self):  # noqa: N802
        self._serve("DELETE")


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, emulator):
        self.emulator = emulator
        super().__init__(address, Handler)


def serve_in_thread(version="7.10", host="127.0.0.1", port=0, **options):
    """Start an emulator in this process (tests that need no subprocess). Returns (server, base_url)."""
    emulator = Emulator(version, **options)
    server = EmulatorServer((host, port), emulator)
    if "site_url" not in options:
        emulator.store.site_url = "http://%s:%d" % (host, server.server_address[1])
        emulator.store.reset()
    thread = threading.Thread(target=server.serve_forever, name="rc-emulator", daemon=True)
    thread.start()
    return server, "http://%s:%d" % (host, server.server_address[1])
