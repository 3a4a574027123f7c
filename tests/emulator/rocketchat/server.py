"""HTTP front of the Rocket.Chat emulator: routes, auth, permissions, 2FA, rate limits, error bodies.

The order of checks per request follows Rocket.Chat's API layer (CONTRACT.md, C-AUTH and C-RATE): authenticate
the token headers, refuse anonymous calls on ``authRequired`` routes (401, before the rate limiter counts
them), apply the rate limiter (holders of ``api-bypass-rate-limit`` skip it), check ``permissionsRequired``
(7.x+), run the two-factor wrapper, then the handler (6.x settings handlers check their permission
themselves and answer ``unauthorized()``, 403 in 6.x).

Test-only endpoints live under ``/_emulator/`` and are neither rate limited nor logged.

This file holds the request pipeline (routes, authentication, permissions, the order of the steps) and the
socket layer; the rate limiter lives in ratelimit.py and the two-factor wrapper in twofactor.py (each the pipeline
step and its state); the endpoints live by concern beside it: auth.py (login, logout, me), settings.py, licence.py
(licence and permissions), methods.py (method.call), tokens.py (personal access tokens), discovery.py (legacy
federation REST, well-known) and control.py (the test-only ``/_emulator/`` control).
"""
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

from .api import ApiResponse, NO_PERMISSION, NOT_LOGGED_IN, Request, Route  # noqa: F401 (re-exported)
from .auth import AuthEndpoints
from .control import ControlEndpoints
from .discovery import DiscoveryEndpoints
from .licence import LicenceEndpoints
from .methods import MethodEndpoints
from .profiles import get_profile
from .ratelimit import RateLimitStep
from .settings import SettingsEndpoints
from .state import Store
from .tokens import TokenEndpoints
from .twofactor import TwoFactorStep


class Emulator(RateLimitStep, TwoFactorStep, AuthEndpoints, SettingsEndpoints, LicenceEndpoints, MethodEndpoints,
               TokenEndpoints, DiscoveryEndpoints, ControlEndpoints):
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
            limit_headers = self.rate_limit(route, req)
            in_handler = route.handler_perm and self.profile.settings_permission_in_handler
            try:
                if route.permissions and not in_handler:
                    if not all(store.has_permission(req.user, perm) for perm in route.permissions):
                        raise self.no_permission()
                if route.two_factor:
                    self.require_two_factor(req, disable_remember=route.disable_remember)
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
