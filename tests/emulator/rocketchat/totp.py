"""RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s steps), as authenticator apps and Rocket.Chat use it."""
import base64
import hashlib
import hmac
import struct
import time


def _key(secret_b32):
    padded = secret_b32.upper().replace(" ", "")
    padded += "=" * (-len(padded) % 8)
    return base64.b32decode(padded)


def hotp(secret_b32, counter, digits=6):
    mac = hmac.new(_key(secret_b32), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return str(code).zfill(digits)


def totp(secret_b32, at=None, step=30, digits=6):
    at = time.time() if at is None else at
    return hotp(secret_b32, int(at // step), digits)


def verify(secret_b32, code, at=None, step=30, window=1):
    """True when `code` matches the current step or one step either side (clock drift)."""
    at = time.time() if at is None else at
    code = str(code or "").strip()
    counter = int(at // step)
    return any(hmac.compare_digest(hotp(secret_b32, counter + d), code) for d in range(-window, window + 1))
