"""DRF throttles that count per client address as every other limit does (lms.core.client_ip).

DRF's own SimpleRateThrottle.get_ident believes X-Forwarded-For whenever NUM_PROXIES is unset,
so a client could pick a new address for each request."""

from rest_framework.throttling import ScopedRateThrottle

from .client_ip import client_ip


class ScopedClientAddressThrottle(ScopedRateThrottle):
    def get_ident(self, request):
        return client_ip(request)
