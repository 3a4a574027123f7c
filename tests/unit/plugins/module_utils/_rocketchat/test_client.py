"""The REST client against a scripted session: no server, no sleeping (clock and sleep are injected)."""
import json

import pytest
import requests

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat.client import (
    RateLimitBudget,
    RocketChatClient,
    sha256_hex,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat.errors import (
    RocketChatAuthError,
    RocketChatConnectionError,
    RocketChatError,
    RocketChatPermissionError,
    RocketChatRateLimitError,
    RocketChatServerError,
    RocketChatSettingNotFound,
    RocketChatTwoFactorError,
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
                          "headers": dict(headers or {})})
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
    client = RocketChatClient("https://chat.example.com/", sleep=clock.sleep, clock=clock.time, rng=lambda: 0.0,
                              max_workers=1, **kw)
    client.session = FakeSession(script)
    return client, clock


def ok(value):
    return FakeResponse(200, {"value": value, "success": True})


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
    client, _clock = make_client([INFO, ("GET", "/settings/A", ok(1)),
                                  ("GET", "/settings/B", FakeResponse(400, {"success": False}))])
    with pytest.raises(RocketChatSettingNotFound) as info:
        client.get_settings(["A", "B"])
    assert "setting B does not exist or is hidden on Rocket.Chat 7.10.4" in str(info.value)
    assert info.value.setting_ids == ["B"]


def test_get_settings_missing_ok():
    client, _clock = make_client([INFO, ("GET", "/settings/A", ok(True)),
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
    client, clock = make_client([INFO, ("GET", "/settings/A", limited),
                                 ("GET", "/settings/A", FakeResponse(200, {"value": 1, "success": True}, headers))])
    assert client.get_settings(["A"]) == {"A": 1}
    assert clock.slept == [7.51]           # reset at 1007.5 s, clock at 1000 s, +10 ms margin
    assert client.stats()["rate_limited"] == 1


def test_rate_limit_wait_is_bounded():
    limited = FakeResponse(429, {"success": False}, {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0",
                                                     "X-RateLimit-Reset": "1600000"})
    client, _clock = make_client([INFO, ("GET", "/settings/A", limited)], rate_limit_max_wait=30)
    with pytest.raises(RocketChatRateLimitError, match="api-bypass-rate-limit"):
        client.get_settings(["A"])


def test_budget_waits_for_reset_instead_of_running_into_429():
    clock = Clock()
    budget = RateLimitBudget(clock=clock.time, sleep=clock.sleep, max_wait=100)
    bucket = ("GET", "/api/v1/settings/:_id")
    budget.acquire(bucket)                   # unknown bucket: go
    budget.update(bucket, {"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "1020000"})
    budget.acquire(bucket)                   # uses the last one
    assert clock.slept == []
    budget.acquire(bucket)                   # none left: wait for the reset at 1020 s
    assert clock.slept == [20.01] and budget.waited == 20.01
    budget.acquire(bucket)
    budget.acquire(bucket)                   # fresh window of 3: two more, no wait
    assert len(clock.slept) == 1


def test_budget_without_headers_means_exempt():
    clock = Clock()
    budget = RateLimitBudget(clock=clock.time, sleep=clock.sleep)
    bucket = ("GET", "x")
    budget.update(bucket, {})
    for _dummy in range(50):
        budget.acquire(bucket)
    assert clock.slept == []


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


def test_rate_limit_windows_are_remembered_between_clients(tmp_path):
    headers = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1030000"}
    first, clock = make_client([INFO, ("GET", "/settings/A", FakeResponse(200, {"value": 1, "success": True},
                                                                          headers))],
                               rate_limit_state_dir=str(tmp_path))
    first.get_settings(["A"])
    first.close()
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and "tok" not in files[0].read_text() and oct(files[0].stat().st_mode)[-3:] == "600"
    # the next task knows the window is used up and waits for its reset instead of sending into a 429
    second = RocketChatClient("https://chat.example.com/", user_id="u1", auth_token="tok", sleep=clock.sleep,
                              clock=clock.time, max_workers=1, rate_limit_state_dir=str(tmp_path))
    second.session = FakeSession([INFO, ("GET", "/settings/A", FakeResponse(200, {"value": 1, "success": True}))])
    assert second.get_settings(["A"]) == {"A": 1}
    assert clock.slept == [30.01] and second.stats()["rate_limited"] == 0
    second.close()
    assert list(tmp_path.iterdir()) == []       # nothing left to remember: the cache file is gone
