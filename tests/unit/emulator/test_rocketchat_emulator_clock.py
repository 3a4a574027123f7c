"""C-EMU-3: the emulator's clock, controlled through ``/_emulator/clock``; the machine's clock is a fake here."""
from tests.emulator.rocketchat.clock import Clock
from tests.emulator.rocketchat.server import Emulator
from tests.emulator.rocketchat.totp import totp
from tests.unit.emulator.test_rocketchat_emulator import OPS, call

SECADMIN_PLAIN = ("rcsecadmin0000001", "secadmin-pat-plain-000000000000000000000000001")
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class Machine:
    """The machine's clock, moved by the test."""

    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def make(version="7.10", **kw):
    machine = Machine()
    emu = Emulator(version, clock=Clock(machine), **kw)
    return emu, machine


def clock(emu, method="GET", body=None):
    return emu.control(method, "/_emulator/clock", body)


def test_c_emu_3_frozen_clock_holds_a_rate_limit_window_however_slow_the_calls():
    emu, machine = make(rate_limit_calls=3, rate_limit_window_ms=2000)
    assert clock(emu, "POST", {"freeze": True}) == (200, {"now": machine.now, "frozen": True, "offset": 0.0,
                                                          "skip_on_429": False})
    frozen = machine.now
    for _dummy in range(3):
        machine.now += 600          # ten minutes between calls: a very slow machine
        assert call(emu, "GET", "/api/v1/settings/Site_Name", OPS)[0] == 200
    status, headers, _body = call(emu, "GET", "/api/v1/settings/Site_Name", OPS)
    assert status == 429 and int(headers["X-RateLimit-Reset"]) == int((frozen + 2) * 1000)
    # without skip_on_429 the frozen clock stays: still limited
    assert call(emu, "GET", "/api/v1/settings/Site_Name", OPS)[0] == 429
    assert clock(emu)[1]["now"] == frozen


def test_c_emu_3_skip_on_429_moves_a_frozen_clock_to_the_reset():
    emu, machine = make(rate_limit_calls=2, rate_limit_window_ms=2000)
    clock(emu, "POST", {"freeze": True, "at": 1_900_000_000.0})
    for _dummy in range(2):
        call(emu, "GET", "/api/v1/settings/Site_Name", OPS)
    assert clock(emu, "POST", {"skip_on_429": True})[1]["skip_on_429"] is True
    assert call(emu, "GET", "/api/v1/settings/Site_Name", OPS)[0] == 429
    assert clock(emu)[1]["now"] == 1_900_000_002.0          # the client "waited" the window out
    assert call(emu, "GET", "/api/v1/settings/Site_Name", OPS)[0] == 200
    assert call(emu, "GET", "/api/v1/settings/Site_Name", OPS)[0] == 200
    assert call(emu, "GET", "/api/v1/settings/Site_Name", OPS)[0] == 429   # each 429 skips once
    assert clock(emu)[1]["now"] == 1_900_000_004.0


def test_c_emu_3_unfreeze_runs_on_without_a_jump_and_advance_moves_it():
    emu, machine = make()
    clock(emu, "POST", {"freeze": True, "at": machine.now - 100})
    machine.now += 50
    state = clock(emu, "POST", {"freeze": False})[1]
    assert state == {"now": machine.now - 150, "frozen": False, "offset": -150.0, "skip_on_429": False}
    machine.now += 10
    assert clock(emu, "POST", {"advance": 40})[1]["now"] == machine.now - 110
    assert clock(emu, "DELETE")[1]["now"] == machine.now
    clock(emu, "POST", {"freeze": True, "advance": 5})
    emu.control("POST", "/_emulator/reset", None)          # a reset is the machine's clock again
    assert clock(emu)[1] == {"now": machine.now, "frozen": False, "offset": 0.0, "skip_on_429": False}


def test_c_emu_3_totp_follows_the_emulated_clock():
    emu, machine = make()
    clock(emu, "POST", {"freeze": True})
    code = totp(SECRET, at=machine.now)
    machine.now += 3600             # an hour later by the machine: still the frozen step
    headers = {"X-2FA-Code": code, "X-2FA-Method": "totp"}
    status, _h, body = call(emu, "POST", "/api/v1/settings/Site_Name", SECADMIN_PLAIN, {"value": "x"}, headers)
    assert status == 200, body
    clock(emu, "POST", {"advance": 3600})
    status, _h, body = call(emu, "POST", "/api/v1/settings/Site_Name", SECADMIN_PLAIN, {"value": "y"}, headers)
    assert status == 400 and body["errorType"] == "totp-invalid"


def test_c_emu_3_bad_clock_controls_are_refused_naming_the_key():
    emu, _machine = make()
    for body, text in (({"advance": "5"}, "advance must be a number"), ({"freeze": "yes"}, "freeze must be true"),
                       ({"at": 5}, "at needs freeze"), ({"tick": 1}, "freeze, at, advance"), (None, "JSON object")):
        status, answer = clock(emu, "POST", body)
        assert status == 400 and text in answer["error"], (body, answer)
    assert clock(emu, "PUT", {"freeze": True})[0] == 400
    assert Emulator("7.10", clock=lambda: 5.0).control("GET", "/_emulator/clock", None)[0] == 409
