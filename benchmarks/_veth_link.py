"""Two network namespaces joined by a veth pair, with nftables dropping a share of the UDP
packets each one receives (so the sender's sendto succeeds, as on a real lossy path): the lossy link of the loss benchmark and of
tests/test_datachannel_network.py. This kernel has no netem qdisc, so loss is all it can do
(no added delay).

Each namespace has only its end of the pair, with its own address on a private /30 (and lo,
down); the two can reach each other and nothing else, so every packet of a test stays between
them. Needs root: ``ip netns add`` and ``nft``. The namespaces are removed on exit, with the
veth pair, which the kernel deletes with its namespace.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess

ADDRESSES = ("10.203.0.1", "10.203.0.2")
_serial = itertools.count()


def available() -> str | None:
    """None when a link can be made here, or why not."""
    if os.geteuid() != 0:
        return "needs root (ip netns, nft)"
    for tool in ("ip", "nft"):
        if shutil.which(tool) is None:
            return f"needs {tool} (Debian's iproute2, nftables)"
    return None


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=30)


class VethLink:
    """``with VethLink() as link:`` then ``link.command(0, ...)`` runs a program in the first
    namespace, ``link.drop(10)`` drops 10% of the UDP packets arriving on each side, ``link.drop(100)`` cuts
    the link and ``link.drop(0)`` restores it."""

    def __init__(self) -> None:
        tag = f"{os.getpid()}x{next(_serial)}"
        self.namespaces = (f"pwrtc{tag}a", f"pwrtc{tag}b")
        self._devices = (f"vw{tag}a"[:15], f"vw{tag}b"[:15])
        self.addresses = ADDRESSES
        self.percent = 0

    def __enter__(self) -> VethLink:
        try:
            for namespace in self.namespaces:
                _run("ip", "netns", "add", namespace)
            a, b = self._devices
            _run("ip", "link", "add", a, "netns", self.namespaces[0],
                 "type", "veth", "peer", "name", b, "netns", self.namespaces[1])
            for namespace, device, address in zip(self.namespaces, self._devices, self.addresses):
                self._in(namespace, "ip", "addr", "add", f"{address}/30", "dev", device)
                self._in(namespace, "ip", "link", "set", device, "up")
                self._in(namespace, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
                self._in(namespace, "nft", "add", "table", "inet", "link")
                self._in(namespace, "nft", "add", "chain", "inet", "link", "in",
                         "{ type filter hook input priority 0 ; }")
                # No TCP between the two: libwebrtc gathers TCP candidates too, and ICE would
                # move to a TCP pair when UDP suffers, so the loss would not be what we test.
                self._in(namespace, "nft", "add", "table", "inet", "notcp")
                self._in(namespace, "nft", "add", "chain", "inet", "notcp", "in",
                         "{ type filter hook input priority 0 ; }")
                self._in(namespace, "nft", "add", "rule", "inet", "notcp", "in",
                         "meta", "l4proto", "tcp", "drop")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for namespace in self.namespaces:
            subprocess.run(["ip", "netns", "delete", namespace], capture_output=True, timeout=30)

    def _in(self, namespace: str, *command: str) -> None:
        _run("ip", "netns", "exec", namespace, *command)

    def command(self, side: int, *program: str) -> list[str]:
        """The command line that runs program in namespace side (0 or 1)."""
        return ["ip", "netns", "exec", self.namespaces[side], *program]

    def drop(self, percent: int) -> None:
        """Drops that share (0-100) of the UDP packets each namespace receives, from now on."""
        if not 0 <= percent <= 100:
            raise ValueError("percent must be within 0..100")
        for namespace in self.namespaces:
            self._in(namespace, "nft", "flush", "chain", "inet", "link", "in")
            if percent >= 100:
                self._in(namespace, "nft", "add", "rule", "inet", "link", "in",
                         "meta", "l4proto", "udp", "counter", "drop")
            elif percent > 0:
                self._in(namespace, "nft", "add", "rule", "inet", "link", "in",
                         "meta", "l4proto", "udp", "numgen", "random", "mod", "100",
                         "<", str(percent), "counter", "drop")
        self.percent = percent

    def dropped(self) -> int:
        """Packets the rules have dropped so far (both sides), from nft's counters."""
        total = 0
        for namespace in self.namespaces:
            listing = subprocess.run(
                ["ip", "netns", "exec", namespace, "nft", "list", "chain", "inet", "link", "in"],
                check=True, capture_output=True, text=True, timeout=30).stdout
            words = listing.split()
            total += sum(int(words[i + 1]) for i, w in enumerate(words) if w == "packets")
        return total
