"""Rocket.Chat's rate limiters (CONTRACT.md C-RATE): the windows (the REST limiter per IP, route and method; the
DDP method limiter of ``method.call``) as a mixin of the store, and the limiter step of the request pipeline as a
mixin of the emulator."""
from .api import ApiResponse
from .clock import Clock


class RateLimitState:
    """Mixin of the store: needs ``value``, ``clock``, ``buckets`` and ``ddp_buckets``."""

    def rate_limit(self, ip, route, method):
        """Meteor RateLimiter semantics: a fixed window from the first call. Returns (allowed, headers)."""
        if not self.value("API_Enable_Rate_Limiter"):
            return True, {}, 0
        limit = int(self.value("API_Enable_Rate_Limiter_Limit_Calls_Default"))
        interval = int(self.value("API_Enable_Rate_Limiter_Limit_Time_Default")) / 1000.0
        now = self.clock()
        key = (ip, route, method.lower())
        bucket = self.buckets.get(key)
        if bucket is None or now >= bucket[0] + interval:
            bucket = self.buckets[key] = [now, 0]
        bucket[1] += 1
        time_to_reset = bucket[0] + interval - now
        if bucket[1] > limit and isinstance(self.clock, Clock):
            self.clock.limited_until(bucket[0] + interval)   # C-EMU-3: a frozen clock may skip the wait
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - bucket[1])),
            "X-RateLimit-Reset": str(int((now + time_to_reset) * 1000)),
        }
        return bucket[1] <= limit, headers, time_to_reset

    def ddp_rate_limit(self, user_id, method):
        """DDP_Rate_Limit_User_By_Method (20 per 10 s) for methods called through method.call."""
        if not self.value("DDP_Rate_Limit_User_By_Method_Enabled"):
            return True, 0
        limit = int(self.value("DDP_Rate_Limit_User_By_Method_Requests_Allowed"))
        interval = int(self.value("DDP_Rate_Limit_User_By_Method_Interval_Time")) / 1000.0
        now = self.clock()
        key = (user_id, method)
        bucket = self.ddp_buckets.get(key)
        if bucket is None or now >= bucket[0] + interval:
            bucket = self.ddp_buckets[key] = [now, 0]
        bucket[1] += 1
        return bucket[1] <= limit, bucket[0] + interval - now


class RateLimitStep:
    """Mixin of the emulator: the REST rate limiter of a route (holders of ``api-bypass-rate-limit`` skip it)."""

    def rate_limit(self, route, req):
        """The ``X-RateLimit-*`` headers of the call, or raise its 429 answer (C-RATE-1)."""
        store = self.store
        if not route.rate_limit or (req.user and store.has_permission(req.user, "api-bypass-rate-limit")):
            return {}
        allowed, limit_headers, time_to_reset = store.rate_limit(req.ip, route.pattern, req.method)
        if not allowed:
            seconds = int(-(-time_to_reset // 1))
            raise ApiResponse(429, {"success": False, "error": (
                "Error, too many requests. Please slow down. You must wait %d seconds before trying this "
                "endpoint again." % seconds)}, limit_headers)
        return limit_headers
