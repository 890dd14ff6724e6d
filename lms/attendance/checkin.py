"""Rotating check-in codes: derived from the session's secret and the current time window, so
nothing is stored and a code shown on the trainer's screen expires by itself."""

import hashlib
import hmac
import time

# No 0/O, 1/I/L: a code is read on a screen and typed on a phone.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6


def _code(secret: str, window: int) -> str:
    digest = hmac.new(secret.encode(), str(window).encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def current_code(session, *, window_seconds: int, now: float | None = None) -> tuple[str, int]:
    """The code to show now and the seconds it stays valid."""
    now = time.time() if now is None else now
    window = int(now // window_seconds)
    expires_in = int((window + 1) * window_seconds - now)
    return _code(session.checkin_secret, window), expires_in


def code_is_valid(session, code: str, *, window_seconds: int, now: float | None = None) -> bool:
    """Accept the current code and the previous one, so a code typed as it rotates still works."""
    now = time.time() if now is None else now
    window = int(now // window_seconds)
    # Compared as bytes: compare_digest refuses non-ASCII strings, and anything can be typed.
    code = (code or "").strip().upper().encode()
    return any(hmac.compare_digest(code, _code(session.checkin_secret, w).encode())
               for w in (window, window - 1))
