"""Requests, routes and the error answers the emulator's endpoints raise."""
import hashlib
import re

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
