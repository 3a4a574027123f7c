"""The REST client against a scripted session: no server, no sleeping (clock and sleep are injected)."""
import json
import threading
import time

import pytest
import requests

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._client import (
    RocketChatClient,
    sha256_hex,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import (
    RocketChatAuthError,
    RocketChatConnectionError,
    RocketChatError,
    RocketChatPermissionError,
    RocketChatRateLimitError,
    RocketChatServerError,
    RocketChatSettingNotFound,
    RocketChatTwoFactorError,
    RocketChatValidationError,
)


class FakeResponse:
    def __init__(self, status, body, headers=None):
        self.status_code = status
        self._body = body
        self.headers = headers or {}

    def json(self):
        if isinstance(self._body, (dict, list)):
            return self._body
        raise ValueError("not json")


class FakeSession:
    """Answers from a script: a list of (method, path-prefix, response or exception)."""

    def __init__(self, script):
        self.script = list(script)
        self.sent = []

    def request(self, method, url, data=None, params=None, headers=None, timeout=None):
        self.sent.append({"method": method, "url": url, "body": json.loads(data) if data else None,
                          "headers": dict(headers or {}), "params": dict(params or {})})
        if not self.script:
            raise AssertionError("unexpected request %s %s" % (method, url))
        want_method, want_path, answer = self.script.pop(0)
        assert method == want_method and want_path in url, (method, url, want_method, want_path)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self):
        pass


class Clock:
    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 3))
        self.now += seconds


INFO = ("GET", "/api/info", FakeResponse(200, {"version": "7.10.4", "success": True}))


def make_client(script, **kw):
    clock = Clock()
    kw.setdefault("user_id", "u1")
    kw.setdefault("auth_token", "tok")
    kw.setdefault("max_workers", 1)
    client = RocketChatClient("https://chat.example.com/", sleep=clock.sleep, clock=clock.time, rng=lambda: 0.0,
                              **kw)
    client.session = FakeSession(script)
    return client, clock


def ok(value):
    return FakeResponse(200, {"value": value, "success": True})


def listing(values, headers=None, **extra):
    """An answer of GET /api/v1/settings carrying ``values`` (plus ``extra`` rows, e.g. masked ones)."""
    rows = [{"_id": k, "value": v, "enterprise": False} for k, v in values.items()]
    rows.extend(dict(row, _id=k) for k, row in extra.items())
    return ("GET", "/api/v1/settings", FakeResponse(200, {"settings": rows, "count": len(rows), "offset": 0,
                                                          "total": len(rows), "success": True}, headers))


def test_version_is_read_once_with_auth_headers():
    client, _clock = make_client([INFO])
    assert str(client.version()) == "7.10.4" and client.version().full
    assert client.session.sent[0]["headers"]["X-Auth-Token"] == "tok"
    assert client.version().at_least(7, 10) and client.stats()["requests"] == 1


def test_trimmed_version_is_accepted():
    client, _clock = make_client([("GET", "/api/info", FakeResponse(200, {"version": "6.9", "success": True}))])
    version = client.version()
    assert version.tuple == (6, 9, 0) and not version.full


def test_get_settings_maps_400_to_not_found_with_version():
    client, _clock = make_client([INFO, listing({"A": 1, "Other": 2}),
                                  ("GET", "/settings/B", FakeResponse(400, {"success": False}))])
    with pytest.raises(RocketChatSettingNotFound) as info:
        client.get_settings(["A", "B"])
    assert "setting B does not exist or is hidden on Rocket.Chat 7.10.4" in str(info.value)
    assert info.value.setting_ids == ["B"]


def test_get_settings_missing_ok():
    client, _clock = make_client([INFO, listing({"A": True}),
                                  ("GET", "/settings/B", FakeResponse(400, {"success": False}))])
    assert client.get_settings(["A", "B"], missing_ok=True) == {"A": True}


@pytest.mark.parametrize("status,body,error,text", [
    (401, {"success": False, "status": "error", "error": "You must be logged in to do this."}, RocketChatAuthError,
     "rejected the credentials (HTTP 401: You must be logged in to do this.)"),
    (401, {"success": False, "error": "unauthorized"}, RocketChatPermissionError, "may not read setting A (HTTP 401"),
    (403, {"success": False, "error": "unauthorized"}, RocketChatPermissionError,
     "needs the view-privileged-setting permission"),
    (403, {"success": False, "error": "User does not have the permissions required for this action"},
     RocketChatPermissionError, "User does not have the permissions"),
])
def test_error_mapping(status, body, error, text):
    client, _clock = make_client([INFO, ("GET", "/settings/A", FakeResponse(status, body))])
    with pytest.raises(error) as info:
        client.get_settings(["A"])
    assert text in str(info.value)


def test_two_factor_required_message_names_the_ways_out():
    client, _clock = make_client([("POST", "/settings/A", FakeResponse(400, {
        "success": False, "error": "TOTP Required [totp-required]", "errorType": "totp-required",
        "details": {"method": "totp", "availableMethods": ["totp", "password"]}}))])
    with pytest.raises(RocketChatTwoFactorError) as info:
        client.save_setting("A", 1)
    text = str(info.value)
    assert "totp-required, method totp, available: totp, password" in text
    assert "Ignore Two Factor Authentication" in text and "two_factor_code" in text


def test_two_factor_headers():
    client, _clock = make_client([])
    assert client.two_factor_headers() == {}
    client.two_factor_code = "123456"
    assert client.two_factor_headers() == {"X-2FA-Code": "123456", "X-2FA-Method": "totp"}
    client.two_factor_code = None
    client.password = "pw"
    assert client.two_factor_headers() == {"X-2FA-Code": sha256_hex("pw"), "X-2FA-Method": "password"}


def test_writes_carry_two_factor_headers_and_reads_do_not():
    client, _clock = make_client([INFO, ("GET", "/settings/A", ok(1)),
                                  ("POST", "/method.call/saveSettings", FakeResponse(200, {
                                      "success": True, "message": json.dumps({"msg": "result", "id": "1",
                                                                              "result": True})}))],
                                 two_factor_code="654321")
    client.get_settings(["A"])
    client.save_settings_method({"A": 2})
    assert "X-2FA-Code" not in client.session.sent[1]["headers"]
    sent = client.session.sent[2]
    assert sent["headers"]["X-2FA-Code"] == "654321"
    message = json.loads(sent["body"]["message"])
    assert message == {"msg": "method", "id": "1", "method": "saveSettings", "params": [[{"_id": "A", "value": 2}]]}


@pytest.mark.parametrize("error,exc,text", [
    ({"error": "error-action-not-allowed", "reason": "Editing settings is not allowed",
      "details": {"settingIds": ["A"]}}, RocketChatPermissionError, "may not change A"),
    ({"error": "totp-required", "reason": "TOTP Required", "details": {"method": "password"}},
     RocketChatTwoFactorError, "totp-required, method password"),
    ({"error": 400, "reason": "Match failed"}, RocketChatError, "saveSettings: 400 - Match failed"),
])
def test_method_call_errors_inside_a_200(error, exc, text):
    answer = FakeResponse(200, {"success": True, "message": json.dumps({"msg": "result", "id": "1", "error": error})})
    client, _clock = make_client([("POST", "/method.call/saveSettings", answer)])
    with pytest.raises(exc) as info:
        client.save_settings_method({"A": 1})
    assert text in str(info.value)


def test_bulk_write_body():
    client, _clock = make_client([("POST", "/api/v1/settings", FakeResponse(200, {"success": True}))])
    client.save_settings_bulk({"A": 1, "B": True})
    assert client.session.sent[0]["body"] == {"settings": [{"_id": "A", "value": 1}, {"_id": "B", "value": True}]}


def test_connection_errors_and_5xx_are_retried_with_backoff():
    client, clock = make_client([
        ("GET", "/api/info", requests.exceptions.ConnectionError("refused")),
        ("GET", "/api/info", FakeResponse(502, None)),
        INFO,
    ], retries=3)
    assert str(client.version()) == "7.10.4"
    assert clock.slept == [0.5, 1.0] and client.stats()["retries"] == 2


def test_retries_are_bounded():
    client, clock = make_client([("GET", "/api/info", FakeResponse(503, None))] * 3, retries=2)
    with pytest.raises(RocketChatServerError, match="HTTP 503 .* 3 times"):
        client.version()
    client, clock = make_client([("GET", "/api/info", requests.exceptions.Timeout("slow"))] * 2, retries=1)
    with pytest.raises(RocketChatConnectionError, match="2 attempts"):
        client.version()


def test_429_waits_exactly_until_reset_then_succeeds():
    limited = FakeResponse(429, {"success": False, "error": "Error, too many requests."},
                           {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1007500"})
    headers = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "9", "X-RateLimit-Reset": "1067500"}
    me = ("GET", "/api/v1/me", FakeResponse(200, {"_id": "u1", "success": True}))
    client, clock = make_client([INFO, ("GET", "/settings/A", limited), me,
                                 ("GET", "/settings/A", FakeResponse(200, {"value": 1, "success": True}, headers))])
    assert client.get_settings(["A"]) == {"A": 1}
    assert clock.slept == [7.51]           # reset at 1007.5 s, clock at 1000 s, +10 ms margin
    assert client.stats()["rate_limited"] == 1


def test_rate_limit_wait_is_bounded():
    limited = FakeResponse(429, {"success": False}, {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0",
                                                     "X-RateLimit-Reset": "1600000"})
    client, _clock = make_client([INFO, ("GET", "/settings/A", limited),
                                  ("GET", "/api/v1/me", FakeResponse(200, {"_id": "u1", "success": True}))],
                                 rate_limit_max_wait=30)
    with pytest.raises(RocketChatRateLimitError, match="api-bypass-rate-limit"):
        client.get_settings(["A"])


def test_login_then_logout_on_close():
    login = FakeResponse(200, {"status": "success", "data": {"userId": "U", "authToken": "T", "me": {}}})
    client, _clock = make_client([("POST", "/api/v1/login", login), INFO,
                                  ("POST", "/api/v1/logout", FakeResponse(200, {"status": "success"}))],
                                 user_id=None, auth_token=None, username="admin", password="pw",
                                 two_factor_code="111111")
    client.version()
    assert client.session.sent[0]["body"] == {"user": "admin", "password": "pw", "code": "111111"}
    assert client.session.sent[1]["headers"]["X-User-Id"] == "U"
    client.close()
    assert client.session.sent[2]["url"].endswith("/api/v1/logout")


@pytest.mark.parametrize("body,exc,text", [
    ({"status": "error", "error": "Unauthorized", "message": "Unauthorized"}, RocketChatAuthError,
     "refused the login of user admin"),
    ({"status": "error", "error": "totp-required", "details": {"method": "totp"}}, RocketChatTwoFactorError,
     "asks user admin for a second factor to log in (method totp)"),
    ({"status": "error", "error": "totp-invalid"}, RocketChatTwoFactorError, "refused two_factor_code"),
])
def test_login_errors(body, exc, text):
    client, _clock = make_client([("POST", "/api/v1/login", FakeResponse(401, body))], user_id=None,
                                 auth_token=None, username="admin", password="pw")
    with pytest.raises(exc) as info:
        client.version()
    assert text in str(info.value)


def test_non_json_answer_is_reported():
    client, _clock = make_client([("GET", "/api/info", FakeResponse(200, "<html>"))])
    with pytest.raises(RocketChatServerError, match="did not answer with JSON"):
        client.version()


def test_tls_settings_on_the_session():
    strict = RocketChatClient("https://x", user_id="u", auth_token="t")
    assert strict.session.verify is True
    bundle = RocketChatClient("https://x", user_id="u", auth_token="t", ca_path="/etc/ca.pem")
    assert bundle.session.verify == "/etc/ca.pem"
    off = RocketChatClient("https://x", user_id="u", auth_token="t", validate_certs=False, ca_path="/etc/ca.pem")
    assert off.session.verify is False
    adapter = strict.session.get_adapter("https://x")
    assert adapter._pool_maxsize == 8 and adapter._pool_block is True   # pylint: disable=protected-access


def test_action_execution_outcomes():
    client, _clock = make_client([
        ("POST", "/settings/Btn", FakeResponse(200, {"success": True})),
        ("POST", "/settings/Btn", FakeResponse(400, {"success": False, "error": "Invalid configuration [x]",
                                                     "errorType": "error-invalid-configuration"})),
    ])
    assert client.execute_action("Btn") == (True, None)
    assert client.execute_action("Btn") == (False, "Invalid configuration [x]")


LIMITED_INFO = ("GET", "/api/info", FakeResponse(200, {"version": "7.10.4", "success": True},
                                                 {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "9",
                                                  "X-RateLimit-Reset": "1060000"}))


def test_rate_limit_windows_are_remembered_between_clients(tmp_path):
    headers = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1030000"}
    first, clock = make_client([LIMITED_INFO, ("GET", "/settings/A", FakeResponse(200, {"value": 1, "success": True},
                                                                                  headers))],
                               rate_limit_state_dir=str(tmp_path))
    first.get_settings(["A"])
    first.close()
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and "tok" not in files[0].read_text() and oct(files[0].stat().st_mode)[-3:] == "600"
    # the next task's caller is limited too (its /api/info answer says so): it knows the window is used up and
    # waits for its reset instead of sending into a 429
    second = RocketChatClient("https://chat.example.com/", user_id="u1", auth_token="tok", sleep=clock.sleep,
                              clock=clock.time, max_workers=1, rate_limit_state_dir=str(tmp_path))
    second.session = FakeSession([LIMITED_INFO, ("GET", "/settings/A", ok(1))])
    assert second.get_settings(["A"]) == {"A": 1}
    assert clock.slept == [30.01] and second.stats()["rate_limited"] == 0
    second.close()
    # the settings window has passed and is forgotten; the /api/info window is still open
    assert list(json.loads(files[0].read_text())) == ["GET /api/info"]


def test_window_of_a_wrong_token_is_not_waited_for_by_an_exempt_caller(tmp_path):
    """Issue 13.1: a mistyped token is limited as an anonymous caller; the corrected run (an admin, exempt from
    rate limits: no X-RateLimit headers) must not wait for that window."""
    used_up = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1055000"}
    denied = FakeResponse(401, {"success": False, "error": "You must be logged in to do this."}, used_up)
    wrong, clock = make_client([LIMITED_INFO, ("GET", "/settings/A", denied)], auth_token="mistyped",
                               rate_limit_state_dir=str(tmp_path))
    with pytest.raises(RocketChatAuthError, match="user_id and auth_token"):
        wrong.get_settings(["A"])
    wrong.close()
    assert len(list(tmp_path.iterdir())) == 1     # the server's window is remembered (for limited callers)
    right = RocketChatClient("https://chat.example.com/", user_id="u1", auth_token="tok", sleep=clock.sleep,
                             clock=clock.time, max_workers=1, rate_limit_state_dir=str(tmp_path))
    right.session = FakeSession([INFO, ("GET", "/settings/A", ok(1))])
    assert right.get_settings(["A"]) == {"A": 1}
    assert clock.slept == [] and right.stats()["rate_limit_waits"] == 0 and right.stats()["rate_limit_wait"] == 0


class SteppingClock:
    """A clock for threads: the sleepers all sleep at once (a barrier), then the time reaches the reset."""

    def __init__(self, reset_at, sleepers):
        self.now = 1000.0
        self.reset_at = reset_at
        self.lock = threading.Lock()
        self.barrier = threading.Barrier(sleepers)

    def time(self):
        with self.lock:
            return self.now

    def sleep(self, _seconds):
        try:
            self.barrier.wait(5)
        except threading.BrokenBarrierError:
            pass
        with self.lock:
            self.now = max(self.now, self.reset_at + 0.01)


class PathSession:
    """Thread-safe: answers by the path's last segment; records what was sent."""

    def __init__(self, answers):
        self.answers = answers
        self.sent = []
        self.lock = threading.Lock()

    def request(self, method, url, data=None, params=None, headers=None, timeout=None):
        path = url.split("://", 1)[1].split("/", 1)[1]
        with self.lock:
            self.sent.append((method, "/" + path))
        answer = self.answers.get("/" + path) or self.answers[path.rsplit("/", 1)[-1]]
        return answer() if callable(answer) else answer

    def close(self):
        pass


def test_first_401_of_concurrent_reads_fails_at_once():
    """Issue 13.2: with 12 settings read concurrently, the first 401 ends the task: the reads waiting for the
    rate-limit window are cancelled, nothing more is sent, no window is waited out."""
    reset = str(int((time.time() + 60) * 1000))
    window = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": reset}
    used = dict(window, **{"X-RateLimit-Remaining": "0"})
    denied = FakeResponse(401, {"success": False, "error": "You must be logged in to do this."}, used)
    ids = ["S%02d" % n for n in range(12)]
    answers = {"/api/info": FakeResponse(200, {"version": "7.10.4", "success": True}),
               "/api/v1/settings": FakeResponse(200, {"settings": [], "count": 0, "total": 0, "success": True}),
               "S00": FakeResponse(200, {"_id": "S00", "value": 1, "success": True}, window)}
    answers.update((i, denied) for i in ids[1:])
    client = RocketChatClient("https://chat.example.com", user_id="u1", auth_token="mistyped", max_workers=8)
    client.session = PathSession(answers)
    started = time.time()
    with pytest.raises(RocketChatAuthError, match="user_id and auth_token"):
        client.get_settings(ids)
    stats = client.stats()
    # /api/info, the list, the first read alone, then the one read the window still allowed: its 401 ends it
    assert stats["requests"] == 4 and stats["retries"] == 0, client.session.sent
    assert stats["rate_limit_waits"] >= 1 and time.time() - started < 5
    assert not client._cancel.is_set()   # pylint: disable=protected-access


def test_401_on_the_list_read_is_final():
    denied = FakeResponse(401, {"success": False, "error": "You must be logged in to do this."})
    client, clock = make_client([INFO, ("GET", "/api/v1/settings", denied)], auth_token="mistyped", max_workers=8)
    with pytest.raises(RocketChatAuthError, match="user_id and auth_token"):
        client.get_settings(["S%02d" % n for n in range(12)])
    assert client.stats()["requests"] == 2 and clock.slept == []


@pytest.mark.parametrize("version,query", [("6.9.7", True), ("7.10.4", False), ("8.6.0", False)])
def test_many_settings_are_read_in_one_request(version, query):
    ids = ["S%02d" % n for n in range(11)]
    info = ("GET", "/api/info", FakeResponse(200, {"version": version, "success": True}))
    client, _clock = make_client([info, listing(dict((i, n) for n, i in enumerate(ids)), Unrelated=dict(value=1))])
    assert client.get_settings(ids) == dict((i, n) for n, i in enumerate(ids))
    assert client.stats()["requests"] == 2
    params = client.session.sent[1]["params"]
    assert params["count"] == 0
    if query:   # before 7.0 the query parameter selects the ids on the server
        assert json.loads(params["query"]) == {"_id": {"$in": ids}}
    else:       # 7.0+ ignores it (8.x no longer parses it): not sent
        assert "query" not in params


def test_masked_secrets_and_ids_missing_from_the_list_are_read_by_id():
    info = ("GET", "/api/info", FakeResponse(200, {"version": "8.6.0", "success": True}))
    client, _clock = make_client([info, listing({"A": 1}, SMTP_Password={"value": "", "hasValue": True}),
                                  ("GET", "/settings/SMTP_Password", ok("s3cret")),
                                  ("GET", "/settings/Private", FakeResponse(403, {"success": False,
                                                                                  "error": "unauthorized"}))])
    with pytest.raises(RocketChatPermissionError, match="view-privileged-setting"):
        client.get_settings(["A", "SMTP_Password", "Private"])
    client, _clock = make_client([info, listing({"A": 1}, SMTP_Password={"value": "", "hasValue": True}),
                                  ("GET", "/settings/SMTP_Password", ok("s3cret"))])
    assert client.get_settings(["A", "SMTP_Password"]) == {"A": 1, "SMTP_Password": "s3cret"}


@pytest.mark.parametrize("option", ["user_id", "auth_token"])
def test_empty_credentials_are_refused_before_any_request(option):
    kwargs = {"user_id": "u1", "auth_token": "tok"}
    kwargs[option] = "  "
    with pytest.raises(RocketChatValidationError, match="%s is empty" % option):
        RocketChatClient("https://chat.example.com", **kwargs)


def test_wrong_token_in_a_used_up_window_is_reported_without_waiting():
    """Issue 13.2: Rocket.Chat's limiter answers 429 before it checks the token; the client asks /api/v1/me
    (another bucket) once instead of waiting out the window to learn that the token is wrong."""
    used_up = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1060000"}
    limited = FakeResponse(429, {"success": False, "error": "Error, too many requests."}, used_up)
    denied = FakeResponse(401, {"success": False, "error": "You must be logged in to do this."})
    client, clock = make_client([INFO, ("GET", "/api/v1/settings", limited), ("GET", "/api/v1/me", denied)],
                                auth_token="mistyped")
    with pytest.raises(RocketChatAuthError, match="user_id and auth_token"):
        client.get_settings(["A", "B"])
    assert clock.slept == [] and client.stats()["requests"] == 3


def test_good_token_in_a_used_up_window_waits_once_for_it():
    used_up = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1020000"}
    limited = FakeResponse(429, {"success": False, "error": "Error, too many requests."}, used_up)
    me = FakeResponse(200, {"_id": "u1", "success": True})
    client, clock = make_client([INFO, ("GET", "/api/v1/settings", limited), ("GET", "/api/v1/me", me),
                                 listing({"A": 1, "B": 2})])
    assert client.get_settings(["A", "B"]) == {"A": 1, "B": 2}
    assert clock.slept == [20.01] and client.stats()["rate_limit_waits"] == 1
