"""Test-only control under /_emulator/ (not Rocket.Chat): state, clock, faults."""
import threading
import time
from .clock import Clock


class ControlEndpoints:
    """Test-only control under /_emulator/ (not Rocket.Chat): state, clock, faults."""

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
