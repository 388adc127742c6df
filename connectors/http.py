"""JSON over HTTP with retries: rate limits (429, honouring Retry-After), server errors (5xx), timeouts and
dropped connections are retried with exponential backoff; anything else fails at once with the reason."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class FetchError(Exception):
    """A request that failed for good (after retries, or a 4xx other than 429)."""


@dataclass
class Retry:
    attempts: int = 6
    backoff_s: float = 0.2
    max_wait_s: float = 10.0
    timeout_s: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    log: list[str] = field(default_factory=list)  # each retried failure, for the sync log

    def wait(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), self.max_wait_s)
            except ValueError:
                pass
        return min(self.backoff_s * 2**attempt, self.max_wait_s)


def get_json(url: str, params: dict[str, Any], retry: Retry, headers: dict[str, str] | None = None) -> Any:
    """GET url?params and parse the JSON body, retrying what is worth retrying."""
    if not url.startswith(("http://", "https://")):
        raise FetchError(f"{url!r}: only http(s) URLs are fetched")
    full = f"{url}?{urllib.parse.urlencode(params)}" if params else url
    headers = {"Accept": "application/json", **(headers or {})}
    request = urllib.request.Request(full, headers=headers)  # noqa: S310 (http(s) only, checked above)
    last = ""
    for attempt in range(retry.attempts):
        retry_after = None
        try:
            with urllib.request.urlopen(request, timeout=retry.timeout_s) as response:  # noqa: S310
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            if exc.code != 429 and exc.code < 500:
                raise FetchError(f"{full}: HTTP {exc.code} {exc.reason}") from exc
            retry_after = exc.headers.get("Retry-After")
            last = f"HTTP {exc.code}"
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            last = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        except json.JSONDecodeError as exc:
            last = f"broken JSON ({exc.msg} at {exc.pos})"
        retry.log.append(f"{params.get('page_no', params.get('page', ''))}: {last}")
        retry.sleep(retry.wait(attempt, retry_after))
    raise FetchError(f"{full}: gave up after {retry.attempts} attempts ({last})")
