"""A data-channel peer in its own process, driven over stdin/stdout in JSON lines, and the
client that drives it. The loss benchmark and tests/test_datachannel_network.py put one in
each namespace of a _veth_link.VethLink and relay full SDP (no trickle) between them.

    python benchmarks/_link_peer.py KEY     (KEY: one of _dc_peer.LIBRARIES)

Requests carry an "id" and a "cmd"; each runs as its own task, so a transfer and a question
about the connection's state can be in flight together, and its reply carries the same id:

    offer    {channels: [{label, ordered?, maxRetransmits?, maxPacketLifeTime?}]} -> {offer}
    answer   {offer}                 -> {answer}          (the answering side)
    accept   {answer}                -> {}                (the offering side)
    open     {labels}                -> {}                once those channels are open here
    send     {label, count, size, interval?} -> {seconds, sha256, sent_at?} once every message
                                       is handed to the channel and its bufferedAmount is back
                                       to 0; with interval, one message every interval seconds,
                                       and sent_at lists when each was handed over
    receive  {label, count, timeout, idle?, arrivals?} -> {messages, bytes, sha256, in_order,
                                       duplicates, corrupt, seconds, arrivals?}  when count
                                       messages came, or nothing came for idle seconds, or
                                       timeout passed; arrivals maps each index to its time
    states   {}                      -> {states: [[t, connectionState], ...]}
    resources {}                     -> {fds, descriptors, threads, rss_kb}
    warm     {}                      -> {}                a peer connection made and closed
    close    {}                      -> {}
    exit     {}                      -> the process ends

Message i is an 8-byte big-endian index followed by bytes that depend on i only, so the
receiver can check each message and the order they came in without knowing the sender's
state.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import os
import sys
import time

from _dc_peer import LIBRARIES, json_lines

HERE = os.path.dirname(os.path.abspath(__file__))
PATTERN = hashlib.shake_256(b"python-webrtc link").digest(1 << 20)
HIGH_WATER = 1024 * 1024
LOW_WATER = 256 * 1024


def message(index: int, size: int) -> bytes:
    if size < 8:
        raise ValueError("messages carry an 8-byte index")
    start = (index * 7919) % (len(PATTERN) - size)
    return index.to_bytes(8, "big") + PATTERN[start:start + size - 8]


class Collector:
    """What one channel received: counts, integrity, order."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}  # index -> when it first arrived
        self.messages = self.bytes = self.duplicates = self.corrupt = 0
        self.in_order = True
        self.last = -1
        self.hash = hashlib.sha256()
        self.first = self.latest = None
        self.changed = asyncio.Event()

    def value(self, data) -> None:
        if isinstance(data, str):
            data = data.encode()
        now = time.monotonic()
        self.first = self.first or now
        self.latest = now
        self.messages += 1
        self.bytes += len(data)
        self.hash.update(data)
        index = int.from_bytes(data[:8], "big") if len(data) >= 8 else -1
        if index < 0 or data != message(index, len(data)):
            self.corrupt += 1
        elif index in self.seen:
            self.duplicates += 1
        else:
            self.seen[index] = now
        if index < self.last:
            self.in_order = False
        self.last = max(self.last, index)
        self.changed.set()

    def event(self, event) -> None:
        self.value(event.data)

    def report(self) -> dict:
        return {"messages": self.messages, "bytes": self.bytes, "sha256": self.hash.hexdigest(),
                "in_order": self.in_order, "duplicates": self.duplicates,
                "corrupt": self.corrupt, "first": self.first, "latest": self.latest}


def resources() -> dict:
    gc.collect()  # a closed connection is released with the last reference, maybe in a cycle
    with open("/proc/self/status") as f:
        status = dict(line.split(":", 1) for line in f if ":" in line)
    descriptors = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            descriptors[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the listing's own descriptor, closed by now
            pass
    return {"fds": len(descriptors), "descriptors": descriptors, "threads": int(status["Threads"]),
            "rss_kb": int(status["VmRSS"].split()[0])}


class Peer:
    def __init__(self, lib) -> None:
        self.lib = lib
        self.pc = None
        self.channels: dict[str, object] = {}
        self.collectors: dict[str, Collector] = {}
        self.opened: dict[str, asyncio.Event] = {}
        self.states: list = []

    def _peer(self):
        pc = self.lib.peer()
        self.states = [[time.monotonic(), pc.connectionState]]
        self.lib.on(pc, "connectionstatechange",
                    lambda: self.states.append([time.monotonic(), pc.connectionState]))
        self.lib.on(pc, "datachannel", self._adopt)
        return pc

    def _adopt(self, channel) -> None:
        label = channel.label
        self.channels[label] = channel
        collector = self.collectors.setdefault(label, Collector())
        self.lib.on_message(channel, collector)
        opened = self.opened.setdefault(label, asyncio.Event())
        if channel.readyState == "open":
            opened.set()
        else:
            self.lib.on(channel, "open", opened.set)

    async def offer(self, channels: list) -> dict:
        self.pc = self._peer()
        for spec in channels:
            options = {k: v for k, v in spec.items() if k != "label"}
            self._adopt(self.pc.createDataChannel(spec["label"], **options))
        await self.lib.set_local(self.pc, self.pc.createOffer)
        return {"offer": self.lib.description_of(self.pc)}

    async def answer(self, offer: dict) -> dict:
        self.pc = self._peer()
        await self.pc.setRemoteDescription(self.lib.description_from(offer))
        await self.lib.set_local(self.pc, self.pc.createAnswer)
        return {"answer": self.lib.description_of(self.pc)}

    async def accept(self, answer: dict) -> dict:
        await self.pc.setRemoteDescription(self.lib.description_from(answer))
        return {}

    async def open(self, labels: list) -> dict:
        for label in labels:
            await self.opened.setdefault(label, asyncio.Event()).wait()
        return {}

    async def send(self, label: str, count: int, size: int,
                   interval: float | None = None) -> dict:
        channel = self.channels[label]
        low = asyncio.Event()
        channel.bufferedAmountLowThreshold = LOW_WATER
        self.lib.on(channel, "bufferedamountlow", low.set)
        digest = hashlib.sha256()
        started = time.monotonic()
        sent_at = []
        for index in range(count):
            if channel.bufferedAmount >= HIGH_WATER:
                low.clear()
                while channel.bufferedAmount > LOW_WATER:
                    try:
                        await asyncio.wait_for(low.wait(), 0.5)
                    except asyncio.TimeoutError:
                        pass
            data = message(index, size)
            digest.update(data)
            channel.send(data)
            if interval is not None:
                sent_at.append(time.monotonic())
                await asyncio.sleep(max(0.0, started + (index + 1) * interval - time.monotonic()))
        while channel.bufferedAmount:
            await asyncio.sleep(0.01)
        reply = {"seconds": time.monotonic() - started, "sha256": digest.hexdigest()}
        if interval is not None:
            reply["sent_at"] = sent_at
        return reply

    async def receive(self, label: str, count: int, timeout: float, idle: float | None = None,
                      arrivals: bool = False):
        collector = self.collectors.setdefault(label, Collector())
        started = time.monotonic()
        deadline = started + timeout
        while collector.messages < count and time.monotonic() < deadline:
            collector.changed.clear()
            wait = deadline - time.monotonic()
            if idle is not None:
                wait = min(wait, idle)
            try:
                await asyncio.wait_for(collector.changed.wait(), max(wait, 0))
            except asyncio.TimeoutError:
                if idle is not None and collector.messages:
                    break
        report = collector.report()
        if arrivals:
            report["arrivals"] = collector.seen
        return report

    async def warm(self) -> dict:
        """Creates and closes a peer connection, so that what the library sets up once (its
        threads, its sockets for the network monitor) is counted in a later baseline."""
        await self.lib.close(self.lib.peer())
        return {}

    async def close(self) -> dict:
        await self.lib.close(self.pc)
        self.pc = None
        self.channels.clear()
        return {}


async def serve(lib) -> None:
    reader, reply = await json_lines()
    lib.load()
    peer = Peer(lib)
    handlers = {"offer": peer.offer, "answer": peer.answer, "accept": peer.accept,
                "open": peer.open, "send": peer.send, "receive": peer.receive,
                "states": lambda: {"states": peer.states},
                "resources": resources, "warm": peer.warm, "close": peer.close}
    tasks: set[asyncio.Task] = set()

    async def run(request: dict) -> None:
        ident = request.pop("id")
        try:
            result = handlers[request.pop("cmd")](**request)
            if asyncio.iscoroutine(result):
                result = await result
            reply({"id": ident, **result})
        except Exception as error:  # reported to the driver, which raises it there
            reply({"id": ident, "error": f"{type(error).__name__}: {error}"})

    reply({"id": 0, "hello": lib.name, "pid": os.getpid()})
    while line := await reader.readline():
        request = json.loads(line)
        if request["cmd"] == "exit":
            break
        task = asyncio.create_task(run(request))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if peer.pc is not None:
        await peer.close()


class LinkPeer:
    """The driver's side: ``await LinkPeer.start(prefix, key)``, then ``await peer.call(cmd,
    **arguments)``; calls may overlap."""

    def __init__(self, process) -> None:
        self.process = process
        self.pending: dict[int, asyncio.Future] = {}
        self.serial = 0
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, prefix: list[str], key: str, python: str = sys.executable) -> LinkPeer:
        """Runs the peer for library key under python, after prefix (``ip netns exec NS``)."""
        process = await asyncio.create_subprocess_exec(
            *prefix, python, os.path.join(HERE, "_link_peer.py"), key,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 22)
        peer = cls(process)
        hello = peer.pending.setdefault(0, asyncio.get_running_loop().create_future())
        await asyncio.wait_for(hello, 60)
        return peer

    async def _read(self) -> None:
        while line := await self.process.stdout.readline():
            payload = json.loads(line)
            future = self.pending.pop(payload.pop("id"), None)
            if future is not None and not future.done():
                future.set_result(payload)
        for future in self.pending.values():
            if not future.done():
                future.set_exception(RuntimeError("the peer process exited"))

    async def call(self, cmd: str, wait: float = 60, **arguments) -> dict:
        """The reply to cmd, within wait seconds."""
        self.serial += 1
        future = self.pending[self.serial] = asyncio.get_running_loop().create_future()
        line = json.dumps({"id": self.serial, "cmd": cmd, **arguments}) + "\n"
        self.process.stdin.write(line.encode())
        await self.process.stdin.drain()
        payload = await asyncio.wait_for(future, wait)
        if "error" in payload:
            raise RuntimeError(f"{cmd} in the peer process: {payload['error']}")
        return payload

    async def stop(self) -> int:
        try:
            self.process.stdin.write(b'{"cmd": "exit"}\n')
            await self.process.stdin.drain()
            await asyncio.wait_for(self.process.wait(), 30)
        except (OSError, asyncio.TimeoutError):
            pass
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
            self.reader.cancel()
        return self.process.returncode


async def connect(offerer: LinkPeer, answerer: LinkPeer, channels: list) -> None:
    """Negotiates the two (full SDP) and waits until every channel is open on both sides."""
    offer = await offerer.call("offer", channels=channels)
    answer = await answerer.call("answer", offer=offer["offer"])
    await offerer.call("accept", answer=answer["answer"])
    labels = [spec["label"] for spec in channels]
    await asyncio.gather(offerer.call("open", labels=labels), answerer.call("open", labels=labels))


if __name__ == "__main__":
    asyncio.run(serve(LIBRARIES[sys.argv[1]]))
