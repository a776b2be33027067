"""What a hostile peer puts on the wire, for tests/test_hostile_peer.py: a minimal STUN
encoder and decoder (RFC 5389 and the ICE attributes of RFC 8445), malformed datagrams
(random bytes, truncated STUN, DTLS-looking records), and a UDP flooder that can forge the
source port of a real peer.

Run as a script it floods, so that the sending costs the CPU of another process than the one
under test: ``python hostile_packets.py PORT COUNT [--kinds K,...] [--spoof-port P]
[--rate N] [--seed S]``. It prints one JSON line: datagrams and bytes sent per kind.
`run_flooder` starts it from asyncio.
"""

from __future__ import annotations

import argparse
import asyncio
import binascii
import hashlib
import hmac
import json
import os
import random
import re
import socket
import struct
import sys
import time
from dataclasses import dataclass, field

# ---- where to aim: what a peer learns from the other's description ----

_HOST_CANDIDATE = re.compile(r"^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host", re.M | re.I)


def udp_port(sdp: str) -> int:
    """The port of the description's UDP host candidate on 127.0.0.1."""
    return int(_HOST_CANDIDATE.search(sdp).group(1))


def sdp_attribute(sdp: str, name: str) -> str:
    """The value of the first a=`name`: line."""
    return re.search(rf"^a={name}:(\S+)", sdp, re.M).group(1)


# ---- STUN (RFC 5389) ----

MAGIC_COOKIE = 0x2112A442
FINGERPRINT_XOR = 0x5354554E
BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101
BINDING_ERROR = 0x0111

USERNAME = 0x0006
MESSAGE_INTEGRITY = 0x0008
ERROR_CODE = 0x0009
XOR_MAPPED_ADDRESS = 0x0020
PRIORITY = 0x0024
FINGERPRINT = 0x8028
ICE_CONTROLLED = 0x8029

_HEADER = struct.Struct("!HHI12s")


def _attribute(kind: int, value: bytes) -> bytes:
    padding = b"\x00" * (-len(value) % 4)
    return struct.pack("!HH", kind, len(value)) + value + padding


def _header(message_type: int, body_length: int, transaction_id: bytes) -> bytes:
    return _HEADER.pack(message_type, body_length, MAGIC_COOKIE, transaction_id)


def stun_message(
    message_type: int,
    transaction_id: bytes,
    attributes: list[tuple[int, bytes]],
    integrity_key: bytes | None = None,
    fingerprint: bool = True,
) -> bytes:
    """A STUN message. MESSAGE-INTEGRITY (HMAC-SHA1 keyed with `integrity_key`) and
    FINGERPRINT come last, each computed over what precedes it with the header's length
    already counting the attribute itself (RFC 5389, sections 15.4 and 15.5)."""
    body = b"".join(_attribute(kind, value) for kind, value in attributes)
    if integrity_key is not None:
        prefix = _header(message_type, len(body) + 24, transaction_id) + body
        body += _attribute(MESSAGE_INTEGRITY, hmac.new(integrity_key, prefix, hashlib.sha1).digest())
    if fingerprint:
        prefix = _header(message_type, len(body) + 8, transaction_id) + body
        crc = (binascii.crc32(prefix) & 0xFFFFFFFF) ^ FINGERPRINT_XOR
        body += _attribute(FINGERPRINT, struct.pack("!I", crc))
    return _header(message_type, len(body), transaction_id) + body


def binding_request(username: str, password: str | None, fingerprint: bool = True) -> bytes:
    """An ICE connectivity check from the controlled side: USERNAME
    "receiver-ufrag:sender-ufrag", PRIORITY, ICE-CONTROLLED with its tie-breaker,
    MESSAGE-INTEGRITY keyed with the receiver's password (none if `password` is None),
    FINGERPRINT. Our side offers in these tests, so it is the controlling one."""
    attributes = [
        (USERNAME, username.encode()),
        (PRIORITY, struct.pack("!I", 0x6E7F00FF)),
        (ICE_CONTROLLED, os.urandom(8)),
    ]
    return stun_message(
        BINDING_REQUEST,
        os.urandom(12),
        attributes,
        integrity_key=None if password is None else password.encode(),
        fingerprint=fingerprint,
    )


@dataclass
class StunMessage:
    type: int
    transaction_id: bytes
    size: int
    attributes: dict[int, bytes] = field(default_factory=dict)

    @property
    def error_code(self) -> int | None:
        value = self.attributes.get(ERROR_CODE)
        return None if value is None else (value[2] & 0x7) * 100 + value[3]


def parse_stun(data: bytes) -> StunMessage | None:
    """The message in `data`, or None if it is not one."""
    if len(data) < 20:
        return None
    message_type, length, cookie, transaction_id = _HEADER.unpack_from(data)
    if cookie != MAGIC_COOKIE or length != len(data) - 20 or message_type & 0xC000:
        return None
    message = StunMessage(message_type, transaction_id, len(data))
    offset = 20
    while offset + 4 <= len(data):
        kind, size = struct.unpack_from("!HH", data, offset)
        message.attributes.setdefault(kind, data[offset + 4:offset + 4 + size])
        offset += 4 + size + (-size % 4)
    return message


# ---- malformed datagrams ----

def _random_bytes(rng: random.Random, size: int) -> bytes:
    return rng.getrandbits(size * 8).to_bytes(size, "big") if size else b""


def random_datagram(rng: random.Random) -> bytes:
    """Uniform noise: whatever demultiplexing byte it starts with (STUN 0-3, DTLS 20-63,
    RTP 128-191 in RFC 7983's scheme)."""
    return _random_bytes(rng, rng.randint(1, 1200))


def truncated_stun(rng: random.Random) -> bytes:
    """A well-formed binding request cut short, or with a header that claims more or less
    than follows."""
    whole = binding_request(f"{rng.getrandbits(32):08x}:{rng.getrandbits(32):08x}", "x" * 22)
    cut = rng.choice(("short", "long-length", "short-length", "header-only"))
    if cut == "short":
        return whole[:rng.randint(1, len(whole) - 1)]
    if cut == "header-only":
        return whole[:20]
    claimed = len(whole) - 20 + (rng.randint(1, 400) * 4 if cut == "long-length" else -rng.randint(1, 5) * 4)
    return whole[:2] + struct.pack("!H", claimed & 0xFFFF) + whole[4:]


# AES-128-GCM's explicit nonce and tag: no protected record can be shorter.
AEAD_OVERHEAD = 8 + 16


def malformed_dtls(rng: random.Random) -> bytes:
    """One or more records that a DTLS demultiplexer accepts (content type 20-23, version
    DTLS 1.2 0xfefd) but that are wrong inside: lengths that disagree with the datagram,
    epochs from nowhere, handshake fragments that overlap or overrun, bodies of noise.

    Records of epoch 1 (the one a connection protects its data with) are empty or at least
    AEAD_OVERHEAD long: a shorter one is `short_protected_record`, which breaks the
    connection (tests/test_hostile_peer.py has it as a known failure)."""
    records = []
    for _ in range(rng.choice((1, 1, 1, 2, 5))):
        content_type = rng.choice((20, 21, 22, 23))
        epoch = rng.choice((0, 0, 1, 2, 0xFFFF))
        sequence = rng.getrandbits(48)
        if epoch == 1:
            body = rng.choice((b"", _random_bytes(rng, rng.randint(AEAD_OVERHEAD, 600))))
        elif content_type == 22:
            body_length = rng.randint(0, 600)
            # msg_type, length(3), message_seq, fragment_offset(3), fragment_length(3)
            body = struct.pack(
                "!B3sH3s3s",
                rng.choice((1, 2, 3, 11, 12, 14, 15, 16, 20, 255)),
                rng.getrandbits(24).to_bytes(3, "big"),
                rng.getrandbits(16),
                rng.getrandbits(24).to_bytes(3, "big"),
                rng.getrandbits(24).to_bytes(3, "big"),
            ) + _random_bytes(rng, body_length)
        elif content_type == 21:
            body = bytes((rng.choice((1, 2, 255)), rng.randint(0, 255)))
        else:
            body = _random_bytes(rng, rng.randint(0, 600))
        claimed = rng.choice((len(body), len(body), 0, len(body) + rng.randint(1, 3000), 0xFFFF))
        records.append(struct.pack("!BHH6sH", content_type, 0xFEFD, epoch,
                                   sequence.to_bytes(6, "big"), claimed) + body)
    datagram = b"".join(records)
    if rng.random() < 0.2:
        datagram = datagram[:rng.randint(1, max(1, len(datagram) - 1))]
    return datagram


def short_protected_record(rng: random.Random) -> bytes:
    """A record of epoch 1 too short to hold a nonce and a tag: a receiver can tell it is
    not genuine without any key, and must drop it (RFC 6347, section 4.1.2.7)."""
    body = _random_bytes(rng, rng.randint(1, AEAD_OVERHEAD - 1))
    return struct.pack("!BHH6sH", rng.choice((20, 21, 22, 23)), 0xFEFD, 1,
                       rng.getrandbits(48).to_bytes(6, "big"), len(body)) + body


def dtls_alert(rng: random.Random) -> bytes:
    """A well-formed, unencrypted (epoch 0) fatal alert: what an attacker who can forge the
    peer's address would send to break a handshake in progress."""
    return struct.pack("!BHH6sH", 21, 0xFEFD, 0, rng.getrandbits(48).to_bytes(6, "big"), 2) + bytes((2, 40))


def rtp_like(rng: random.Random) -> bytes:
    """A version-2 RTP header and noise: SRTP that no key opens (the connection has no
    media)."""
    return bytes((0x80, rng.randint(0, 127))) + _random_bytes(rng, rng.randint(10, 1200))


GENERATORS = {
    "random": random_datagram,
    "truncated-stun": truncated_stun,
    "malformed-dtls": malformed_dtls,
    "short-protected-record": short_protected_record,
    "dtls-alert": dtls_alert,
    "rtp": rtp_like,
    "empty": lambda rng: b"",
}


# ---- sending ----

class UdpSender:
    """Sends datagrams to 127.0.0.1:`port`, from a port of its own or, with `spoof_port`,
    from that port through a raw socket (which only root in the network namespace may
    open): to the receiver they then come from the real peer's address."""

    def __init__(self, port: int, spoof_port: int | None = None) -> None:
        self.port = port
        self.spoof_port = spoof_port
        if spoof_port is None:
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._socket.bind(("127.0.0.1", 0))
        else:
            # The kernel writes the IP header; ours is the UDP header, with a zero checksum
            # (allowed over IPv4: "no checksum").
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
            # A raw UDP socket also gets a copy of every UDP datagram in the namespace. It
            # never reads them: a small buffer bounds what they cost.
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)

    def send(self, datagram: bytes) -> None:
        if self.spoof_port is None:
            self._socket.sendto(datagram, ("127.0.0.1", self.port))
        else:
            header = struct.pack("!HHHH", self.spoof_port, self.port, 8 + len(datagram), 0)
            self._socket.sendto(header + datagram, ("127.0.0.1", 0))

    def close(self) -> None:
        self._socket.close()


def raw_sockets_allowed() -> bool:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP).close()
    except PermissionError:
        return False
    return True


def flood(sender: UdpSender, count: int, kinds: list[str], rate: float, seed: int) -> dict:
    """Send `count` datagrams, cycling through `kinds`, at about `rate` per second (paced
    in bursts of 100 so that the receiver's socket buffer is not simply overrun)."""
    rng = random.Random(seed)
    sent = {kind: 0 for kind in kinds}
    sent_bytes = 0
    started = time.monotonic()
    for index in range(count):
        kind = kinds[index % len(kinds)]
        datagram = GENERATORS[kind](rng)
        try:
            sender.send(datagram)
        except OSError:  # ENOBUFS and the like: a flood may be refused locally
            continue
        sent[kind] += 1
        sent_bytes += len(datagram)
        if index % 100 == 99:
            ahead = started + (index + 1) / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    return {"sent": sent, "datagrams": sum(sent.values()), "bytes": sent_bytes,
            "seconds": time.monotonic() - started}


async def run_flooder(port: int, count: int, kinds: str, spoof_port: int | None = None,
                      rate: float = 10_000, seed: int = 13, timeout: float = 60) -> dict:
    """This file as a script in a child process, flooding 127.0.0.1:`port`; its report."""
    argv = [sys.executable, os.path.abspath(__file__), str(port), str(count), "--kinds", kinds,
            "--rate", str(rate), "--seed", str(seed)]
    if spoof_port is not None:
        argv += ["--spoof-port", str(spoof_port)]
    child = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
    try:
        out, _ = await asyncio.wait_for(child.communicate(), timeout)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    if child.returncode != 0:
        raise RuntimeError(f"the flooder exited with {child.returncode}")
    return json.loads(out)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("port", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--kinds", default="random,truncated-stun,malformed-dtls,rtp,empty")
    parser.add_argument("--spoof-port", type=int)
    parser.add_argument("--rate", type=float, default=10_000)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    sender = UdpSender(args.port, args.spoof_port)
    try:
        report = flood(sender, args.count, args.kinds.split(","), args.rate, args.seed)
    finally:
        sender.close()
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
