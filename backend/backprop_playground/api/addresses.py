"""The addresses students can reach this server at, for share links and QR codes.

A page opened at 127.0.0.1 (or localhost) would make links that only the lecturer's own machine
can open. When `PUBLIC_BASE_URL` is not set, the share dialog asks this route for the machine's
network addresses and lets the lecturer pick the one the students' network reaches; links and
QR codes then use it (`base` on the QR route, which accepts only these addresses).
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from .responses import JSONResponse

SIOCGIFADDR = 0x8915  # Linux: an interface's IPv4 address

router = APIRouter(prefix="/api/v1", tags=["links"])


class NetworkAddress(BaseModel):
    interface: str = Field(description="the network interface, e.g. eth0 or wlan0")
    address: str = Field(description="its IPv4 address")
    base_url: str = Field(description="this server at that address, with the port asked on")


class NetworkAddresses(BaseModel):
    public_base_url: str | None = Field(description="PUBLIC_BASE_URL when it is set")
    loopback: bool = Field(description="this request reached the server at a loopback address")
    listening_on_network: bool = Field(
        description="the server listens beyond loopback (HOST is not 127.0.0.1 or localhost), "
        "so the addresses below reach it"
    )
    addresses: list[NetworkAddress]


def interface_addresses() -> list[tuple[str, str]]:
    """(interface, IPv4 address) of every interface that has one, loopback excluded."""
    found: list[tuple[str, str]] = []
    try:
        import fcntl

        for _, name in socket.if_nameindex():
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                try:
                    packed = fcntl.ioctl(
                        s.fileno(), SIOCGIFADDR, struct.pack("256s", name[:15].encode())
                    )
                except OSError:
                    continue  # no IPv4 address on this interface
            found.append((name, socket.inet_ntoa(packed[20:24])))
    except (ImportError, OSError):
        pass
    if not found:  # not Linux: what the host name resolves to
        try:
            infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
            found = [("host", info[4][0]) for info in infos]
        except OSError:
            found = []
    seen: set[str] = set()
    out = []
    for name, addr in found:
        ip = ipaddress.ip_address(addr)
        if ip.is_loopback or ip.is_unspecified or addr in seen:
            continue
        seen.add(addr)
        out.append((name, addr))
    return out


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _base(request: Request, address: str) -> str:
    port = request.url.port
    default = {"http": 80, "https": 443}.get(request.url.scheme)
    suffix = f":{port}" if port and port != default else ""
    return f"{request.url.scheme}://{address}{suffix}"


def reachable_bases(request: Request) -> list[NetworkAddress]:
    return [
        NetworkAddress(interface=name, address=addr, base_url=_base(request, addr))
        for name, addr in interface_addresses()
    ]


def allowed_base(request: Request, base: str) -> str | None:
    """`base` when it is one of this server's network addresses (as listed), else None."""
    parts = urlsplit(base)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    wanted = base.rstrip("/")
    for item in reachable_bases(request):
        if item.base_url == wanted:
            return wanted
    return None


@router.get("/network-addresses", response_model=NetworkAddresses)
def network_addresses(request: Request) -> JSONResponse:
    """This machine's network addresses, for links that students (not only this machine) open."""
    public = request.app.state.settings.public_base_url.strip() or None
    return JSONResponse(
        {
            "public_base_url": public,
            "loopback": is_loopback_host(request.url.hostname),
            "listening_on_network": not is_loopback_host(request.app.state.settings.host),
            "addresses": [a.model_dump() for a in reachable_bases(request)],
        }
    )
