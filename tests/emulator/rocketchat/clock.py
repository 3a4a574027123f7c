"""The emulator's clock, controllable by tests (clause C-EMU-3 of CONTRACT.md).

Rocket.Chat's time-dependent behaviour (rate-limit windows, TOTP steps, the two-factor remember window) follows
this clock. By default it is the machine's clock; a test can freeze it, move it, and let a frozen clock jump to
the reset of a rate-limit window when the server answers 429 (as if the client had waited the window out), so no
test depends on how fast the machine runs its requests.
"""
import threading
import time


class Clock:
    """Callable like ``time.time``: the emulated epoch seconds."""

    def __init__(self, source=time.time):
        self._source = source
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        """Back to the machine's clock."""
        with self._lock:
            self._offset = 0.0
            self._frozen_at = None
            self.skip_on_429 = False

    def __call__(self):
        with self._lock:
            return self._now()

    def _now(self):
        return self._frozen_at if self._frozen_at is not None else self._source() + self._offset

    @property
    def frozen(self):
        return self._frozen_at is not None

    def freeze(self, at=None):
        """Stop the clock at ``at`` (epoch seconds) or at the current emulated time."""
        with self._lock:
            self._frozen_at = float(self._now() if at is None else at)

    def unfreeze(self):
        """Run on from the frozen time (no jump)."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._source()
                self._frozen_at = None

    def advance(self, seconds):
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += float(seconds)
            else:
                self._offset += float(seconds)

    def limited_until(self, reset):
        """The server answered 429 with a window ending at ``reset``: a frozen clock with ``skip_on_429`` moves
        there, as if the client had waited for it."""
        with self._lock:
            if self.skip_on_429 and self._frozen_at is not None and reset > self._frozen_at:
                self._frozen_at = float(reset)

    def state(self):
        with self._lock:
            return {"now": self._now(), "frozen": self._frozen_at is not None, "offset": self._offset,
                    "skip_on_429": self.skip_on_429}

    def control(self, method, body):
        """``/_emulator/clock``: GET the state; POST ``{"freeze": bool, "at": epoch, "advance": seconds,
        "skip_on_429": bool}`` (applied in that order); DELETE: back to the machine's clock."""
        if method == "GET":
            return 200, self.state()
        if method == "DELETE":
            self.reset()
            return 200, self.state()
        if method != "POST" or not isinstance(body, dict) or not body or \
                set(body) - {"freeze", "at", "advance", "skip_on_429"}:
            return 400, {"success": False, "error": "clock control takes a JSON object with freeze, at, advance "
                                                    "and/or skip_on_429, got %r" % (body,)}
        for key in ("at", "advance"):
            if key in body and (isinstance(body[key], bool) or not isinstance(body[key], (int, float))):
                return 400, {"success": False, "error": "%s must be a number of seconds, got %r" % (key, body[key])}
        for key in ("freeze", "skip_on_429"):
            if key in body and not isinstance(body[key], bool):
                return 400, {"success": False, "error": "%s must be true or false, got %r" % (key, body[key])}
        if body.get("freeze") is True:
            self.freeze(body.get("at"))
        elif body.get("freeze") is False:
            self.unfreeze()
        elif "at" in body:
            return 400, {"success": False, "error": "at needs freeze: true"}
        if "advance" in body:
            self.advance(body["advance"])
        if "skip_on_429" in body:
            with self._lock:
                self.skip_on_429 = body["skip_on_429"]
        return 200, self.state()
