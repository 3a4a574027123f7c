"""An emulator of the Cloudflare v4 DNS API (zones and DNS records), for the collection's tests."""
from .server import CloudflareEmulator  # noqa: F401
