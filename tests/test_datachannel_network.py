"""Data channels over a bad network: two peer processes in two network namespaces joined by a
veth pair, with nftables dropping a share of the UDP packets each namespace receives
(benchmarks/_veth_link.py, DESIGN.md's recipe; this kernel has no netem), or all of them for
a while (a cut link). Every packet stays between the two namespaces' own addresses.

Each peer is benchmarks/_link_peer.py, which checks every message it receives (each carries
its index and bytes that depend on it) and hashes them in arrival order.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
import _veth_link  # noqa: E402
from _link_peer import LinkPeer, connect  # noqa: E402

pytestmark = pytest.mark.skipif(_veth_link.available() is not None,
                                reason=str(_veth_link.available()))

BULK_SIZE = 16 * 1024
BULK_COUNT = 512  # 8 MiB


class Link:
    """A VethLink with one peer process (library key) in each namespace."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.veth = _veth_link.VethLink()
        self.peers: list[LinkPeer] = []

    async def __aenter__(self) -> Link:
        self.veth.__enter__()
        try:
            for side in (0, 1):
                self.peers.append(await LinkPeer.start(self.veth.command(side), self.key))
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc) -> None:
        try:
            for peer in self.peers:
                await peer.stop()
        finally:
            self.veth.__exit__()

    @property
    def offerer(self) -> LinkPeer:
        return self.peers[0]

    @property
    def answerer(self) -> LinkPeer:
        return self.peers[1]


async def transfer(link: Link, label: str, count: int, size: int, timeout: float,
                   idle: float | None = None) -> tuple[dict, dict]:
    """Sends count messages from the offerer; what was sent and what the answerer received."""
    received = asyncio.create_task(link.answerer.call(
        "receive", wait=timeout + 30, label=label, count=count, timeout=timeout, idle=idle))
    sent = await link.offerer.call("send", wait=timeout + 30, label=label, count=count, size=size)
    return sent, await received


def assert_complete(sent: dict, received: dict, count: int, size: int) -> None:
    assert received["corrupt"] == 0 and received["duplicates"] == 0, received
    assert received["messages"] == count, f"{received['messages']} of {count} messages arrived"
    assert received["bytes"] == count * size
    assert received["in_order"]
    assert received["sha256"] == sent["sha256"]


@pytest.mark.parametrize("key", ["webrtc", "compat"])
async def test_reliable_channel_at_10_percent_loss_delivers_8_mib_intact(key):
    async with Link(key) as link:
        await connect(link.offerer, link.answerer, [{"label": "bulk"}])
        link.veth.drop(10)
        started = time.monotonic()
        sent, received = await transfer(link, "bulk", BULK_COUNT, BULK_SIZE, timeout=30)
        assert_complete(sent, received, BULK_COUNT, BULK_SIZE)
        # the loss was real: some thousands of packets dropped on the way
        assert link.veth.dropped() > 200
        print(f"{key}: 8 MiB at 10% loss in {received['latest'] - started:.2f} s")


async def test_unordered_and_partially_reliable_channels_at_10_percent_loss():
    """Reliable unordered: everything, each once. maxRetransmits=0 and maxPacketLifeTime
    (unordered, and ordered): no message twice or damaged, some there and some given up on
    (so they are not retransmitted at will), the ordered one in order; a reliable channel
    beside them still gets everything."""
    count, size = 1000, 1000
    channels = [
        {"label": "unordered", "ordered": False},
        {"label": "no-retransmits", "ordered": False, "maxRetransmits": 0},
        {"label": "lifetime", "ordered": False, "maxPacketLifeTime": 20},
        {"label": "ordered-lifetime", "maxPacketLifeTime": 20},
        {"label": "reliable"},
    ]
    async with Link("webrtc") as link:
        await connect(link.offerer, link.answerer, channels)
        link.veth.drop(10)
        outcome = {}
        for spec in channels:
            idle = None if spec["label"] in ("unordered", "reliable") else 3
            outcome[spec["label"]] = await transfer(link, spec["label"], count, size,
                                                    timeout=30, idle=idle)

        sent, received = outcome["unordered"]
        assert received["corrupt"] == 0 and received["duplicates"] == 0
        assert received["messages"] == count
        print({label: received["messages"] for label, (sent, received) in outcome.items()})
        # Lost lifetime messages are resent only within their 20 ms, so many are given up
        # on, as promised, and none arrives twice. 293-517 of 1,000 arrived in eight runs
        # on 2026-12-04, 301 and 307 with both cores busy; 0-156 before the retransmission
        # timeout could follow the path (src/native/sctp_tracking.cpp, kRtoMin).
        # An ordered one must skip what it gave up on and go on, in order (this dcSCTP once
        # seemed to block such a stream: docs/architecture.md, "Known issues").
        for label, least in (("no-retransmits", count // 2), ("lifetime", count // 10),
                             ("ordered-lifetime", count // 10)):
            sent, received = outcome[label]
            assert received["corrupt"] == 0 and received["duplicates"] == 0, (label, received)
            assert least <= received["messages"] < count, (label, received["messages"])
        assert outcome["ordered-lifetime"][1]["in_order"]
        sent, received = outcome["reliable"]
        assert_complete(sent, received, count, size)


async def test_lifetime_channel_gives_up_what_a_cut_link_held_back():
    """A message every 5 ms for 4 s on an unordered channel with maxPacketLifeTime=100 and on
    a reliable one beside it, the link cut (all UDP dropped) from 1 s to 2 s: the reliable
    channel gets everything; the lifetime channel gets what was sent before the cut and
    well after it, and nothing sent during the cut more than 100 ms before the restore, as
    those were past their lifetime before any retransmission could get through."""
    interval, count, size, lifetime = 0.005, 800, 1000, 0.1
    channels = [{"label": "lifetime", "ordered": False, "maxPacketLifeTime": 100},
                {"label": "reliable", "ordered": False}]
    async with Link("webrtc") as link:
        await connect(link.offerer, link.answerer, channels)
        receiving, sending = {}, {}
        for spec in channels:
            label = spec["label"]
            receiving[label] = asyncio.create_task(link.answerer.call(
                "receive", wait=60, label=label, count=count, timeout=30, idle=3, arrivals=True))
            sending[label] = asyncio.create_task(link.offerer.call(
                "send", wait=60, label=label, count=count, size=size, interval=interval))
        await asyncio.sleep(1)
        link.veth.drop(100)
        cut = time.monotonic()  # once the rule is in: what was sent before it got through
        await asyncio.sleep(1)
        restored = time.monotonic()
        link.veth.drop(0)
        sent = {label: await task for label, task in sending.items()}
        received = {label: await task for label, task in receiving.items()}

    for label in ("lifetime", "reliable"):
        assert received[label]["corrupt"] == 0 and received[label]["duplicates"] == 0
    assert received["reliable"]["messages"] == count
    sent_at = sent["lifetime"]["sent_at"]
    arrived = {int(index) for index in received["lifetime"]["arrivals"]}

    def indices(start: float, end: float) -> set[int]:
        return {i for i, t in enumerate(sent_at) if start < t < end}

    before, held_back = indices(0, cut - 0.1), indices(cut, restored - lifetime - 0.05)
    after = indices(restored + 1.2, float("inf"))  # the retransmission timer has fired by then
    assert len(before) > 100 and len(held_back) > 100 and len(after) > 100
    assert len(before & arrived) >= 0.95 * len(before), (len(before & arrived), len(before))
    assert len(after & arrived) >= 0.95 * len(after), (len(after & arrived), len(after))
    late = sorted(held_back & arrived)
    arrivals = received["lifetime"]["arrivals"]
    assert not late, (f"{len(late)} of {len(held_back)} messages arrived after their lifetime, "
                      f"the first sent {sent_at[late[0]] - cut:.3f} s into the cut, "
                      f"arrived {arrivals[str(late[0])] - restored:.3f} s after the restore")


@pytest.mark.parametrize("key", ["webrtc", "compat"])
async def test_link_cut_for_5_seconds_recovers_and_loses_nothing(key):
    """All UDP dropped for 5 s while the reliable channel is busy, then restored: the W3C
    layer goes to "disconnected" and back to "connected" (the compat layer, like aiortc,
    never reports "disconnected" and stays "connected"); everything sent arrives, in order;
    closing afterwards leaves the process with the descriptors and threads it had."""
    count = 256  # 4 MiB
    async with Link(key) as link:
        await link.offerer.call("warm")
        baseline = await link.offerer.call("resources")
        await connect(link.offerer, link.answerer, [{"label": "bulk"}])
        cut = time.monotonic()
        link.veth.drop(100)
        received = asyncio.create_task(link.answerer.call(
            "receive", wait=90, label="bulk", count=count, timeout=60))
        sending = asyncio.create_task(link.offerer.call(
            "send", wait=90, label="bulk", count=count, size=BULK_SIZE))
        await asyncio.sleep(5)
        restored = time.monotonic()
        link.veth.drop(0)
        sent = await sending
        assert_complete(sent, await received, count, BULK_SIZE)

        for peer in link.peers:
            states = [state for t, state in (await peer.call("states"))["states"]]
            assert "failed" not in states and "closed" not in states, states
            assert states[-1] == "connected", states
            if key == "webrtc":
                assert "disconnected" in states, states
                assert states.index("disconnected") > states.index("connected")
            else:
                assert "disconnected" not in states, states
        states = (await link.answerer.call("states"))["states"]
        times = {state: t for t, state in states}
        if key == "webrtc":
            assert cut < times["disconnected"] < restored
            assert times["connected"] > restored

        await link.offerer.call("close")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            after = await link.offerer.call("resources")
            if after["fds"] <= baseline["fds"] and after["threads"] <= baseline["threads"]:
                break
            await asyncio.sleep(0.2)
        extra = {fd: target for fd, target in after["descriptors"].items()
                 if baseline["descriptors"].get(fd) != target}
        assert after["fds"] <= baseline["fds"], f"left open: {extra}"
        assert after["threads"] <= baseline["threads"], (baseline, after)
