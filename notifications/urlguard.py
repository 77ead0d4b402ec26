"""Where a webhook may be sent: the one check, used when a subscription is
saved (API, admin) and again before every delivery (issue 11, item 2).

A webhook URL is a request, made by an outside client, for this server to
open a connection. Without a check it can point at the server's own
loopback, the cloud metadata service (169.254.169.254) or the office
network, and the delivery list would tell the client which ports answer. So
a URL is refused when

* its scheme is not ``http`` or ``https``;
* it carries a user name or password (``https://user:pass@host/``);
* its host resolves (``socket.getaddrinfo``, every address it returns) to an
  address that is loopback, private, link-local, multicast, reserved,
  unspecified (``0.0.0.0``, ``::``), shared (carrier-grade NAT) or otherwise
  not globally routable. IPv4 embedded in IPv6 (``::ffff:127.0.0.1``, 6to4,
  Teredo, NAT64) is judged by the IPv4 address inside it. Decimal, hex and
  short forms (``2130706433``, ``0x7f000001``, ``127.1``) are caught because
  they are judged by what they resolve to, not by how they are spelled.

The operator can lift the address rule for named hosts with the
``NOTIFY_WEBHOOK_ALLOWED_HOSTS`` setting: a list of host names or IP
addresses, matched against the host as written in the URL (names without
regard to case or a trailing dot, IP addresses by value, so ``::1`` also
matches ``[0:0::1]``). An allowed host name may resolve to anything; a host
that merely resolves to an allowed IP address is not allowed by that. The
scheme and credentials rules hold for allowed hosts too.

``destination_resolve`` returns the vetted addresses; the delivery connects
to those and never resolves the name again, so a DNS answer that changes
between the check and the connection (DNS rebinding) cannot slip through.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .exceptions import HostNotFound, URLNotAllowed

SCHEMES = {"http": 80, "https": 443}

# IPv6 ranges that carry an IPv4 address in their last 32 bits: the
# connection ends up at that IPv4 address (through a NAT64 gateway).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class Destination:
    """A vetted URL: where to connect, and what to say in ``Host`` and SNI."""

    scheme: str
    host: str  # as in the URL, lower case, IPv6 without brackets
    port: int
    target: str  # path and query, as sent in the request line
    #: ``socket.getaddrinfo`` entries (family, type, proto, canonname,
    #: sockaddr), every one of them checked; connect to these only.
    addresses: tuple[tuple, ...] = ()


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _as_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def host_allowed(host: str) -> bool:
    """Is ``host`` (as written in the URL) on the operator's allow-list?"""
    host = _normal_host(host)
    ip = _as_ip(host)
    for entry in getattr(settings, "NOTIFY_WEBHOOK_ALLOWED_HOSTS", []) or []:
        entry = _normal_host(str(entry))
        if entry == host or (ip is not None and _as_ip(entry) == ip):
            return True
    return False


def address_is_public(address: str) -> bool:
    """Is this IP address one a webhook may be sent to? Anything that cannot
    be parsed is not."""
    ip = _as_ip(address.split("%", 1)[0])  # a link-local scope ("fe80::1%eth0")
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour]
        if ip.teredo:
            embedded.extend(ip.teredo)
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if any(inner is not None and not address_is_public(str(inner)) for inner in embedded):
            return False
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def destination_parse(url: str) -> Destination:
    """Scheme, credentials and syntax; no name resolution."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise URLNotAllowed("invalid", _("Enter a valid http:// or https:// address.")) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise URLNotAllowed("scheme", _("Use an http:// or https:// address."))
    if "@" in parts.netloc:
        raise URLNotAllowed(
            "credentials",
            _(
                "Leave the user name and password out of the address: each delivery is "
                "signed with the subscription's secret instead."
            ),
        )
    host = _normal_host(parts.hostname or "")
    if not host:
        raise URLNotAllowed("invalid", _("Enter a valid http:// or https:// address."))
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return Destination(scheme=scheme, host=host, port=port or SCHEMES[scheme], target=target)


def _refused(host: str) -> URLNotAllowed:
    return URLNotAllowed(
        "address",
        _(
            "%(host)s leads to a loopback, private, link-local, multicast or reserved "
            "address. Use a public http:// or https:// address, or ask the operator to "
            "allow this host."
        )
        % {"host": host},
    )


def destination_resolve(url: str) -> Destination:
    """Parse ``url``, resolve its host once and vet every address it has.

    Raises ``URLNotAllowed`` if the URL or any of its addresses is refused,
    ``HostNotFound`` if the name does not resolve. One refused address is
    enough to refuse the URL: the connection could land on any of them."""
    destination = destination_parse(url)
    try:
        infos = socket.getaddrinfo(
            destination.host, destination.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError) as exc:
        raise HostNotFound(destination.host) from exc
    if not infos:
        raise HostNotFound(destination.host)
    if not host_allowed(destination.host):
        for info in infos:
            if not address_is_public(str(info[4][0])):
                raise _refused(destination.host)
    return Destination(
        scheme=destination.scheme,
        host=destination.host,
        port=destination.port,
        target=destination.target,
        addresses=tuple(infos),
    )


def validate_webhook_url(value: str) -> None:
    """Django validator for a subscription's URL (the API serializer and
    the admin form use it).

    A name that does not resolve yet is accepted: a receiver may be set up
    before its DNS, and every delivery checks again anyway."""
    try:
        destination_resolve(value)
    except URLNotAllowed as exc:
        raise ValidationError(exc.message, code=exc.code) from None
    except HostNotFound:
        pass
