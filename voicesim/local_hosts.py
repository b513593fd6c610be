"""The hosts voicesim may request: this machine's own, and those it is told of.

A simulator must never call the outside world: a Url or StatusCallback that
names a public host would otherwise get real requests carrying call data. So a
URL is taken only when its host is a loopback address (``127.0.0.1``, ``::1``…),
``localhost``, the machine's host name, or a host given with ``--allow-host``;
every other URL is refused where the API takes it (21205) and, should one come
another way (a TwiML ``action``, ``<Redirect>``), is never requested.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit


def _name(host: str) -> str:
    return host.lower().rstrip(".")


class LocalHosts:
    def __init__(self, extra: Iterable[str] = ()) -> None:
        own = {"localhost", socket.gethostname(), socket.getfqdn()}
        self.names = frozenset(_name(host) for host in (*own, *extra) if host)

    def allows(self, url: str) -> bool:
        """Whether ``url``'s host is one voicesim may request."""
        try:
            host = urlsplit(url).hostname
        except ValueError:
            return False
        if not host:
            return False
        host = _name(host)
        if host in self.names:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
