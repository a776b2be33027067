"""What bench_datachannel.py needs from each library, behind one small interface, and the
answering peer of its two-process variant (``bench_datachannel.py --peer KEY``).

Every library is imported lazily, when it is first used: the wrtc column runs under wrtc's own
interpreter, whose venv has neither python-webrtc nor aiortc (and whose ``webrtc`` package is
wrtc's, not ours).

Times that cross processes are ``time.monotonic()`` (CLOCK_MONOTONIC on Linux, one clock for
every process of the machine); CPU is ``time.process_time()`` (CLOCK_PROCESS_CPUTIME_ID: all
threads of the process, so libwebrtc's network and signaling threads count too).
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import json
import os
import sys
import time

HIGH_WATER = 1024 * 1024
LOW_WATER = 256 * 1024


class Library:
    """The default: aiortc's API (pyee events whose handlers get the payload itself)."""

    key = ""
    name = ""
    trickle = False  # in-process negotiation trickles candidates (W3C) or waits for gathering

    def __init__(self) -> None:
        self.m = None

    def available(self) -> bool:
        raise NotImplementedError

    def _import(self):
        raise NotImplementedError

    def load(self) -> Library:
        if self.m is None:
            self.m = self._import()
        return self

    def peer(self):
        return self.m.RTCPeerConnection(self.m.RTCConfiguration(iceServers=[]))

    def on(self, target, name, handler) -> None:
        """handler gets the event's payload (a channel, a candidate), or nothing."""
        target.on(name, handler)

    def on_message(self, channel, arrivals: Arrivals) -> None:
        channel.on("message", arrivals.value)

    async def close(self, pc) -> None:
        result = pc.close()
        if inspect.isawaitable(result):
            await result

    def description_of(self, pc) -> dict:
        description = pc.localDescription
        return {"type": str(getattr(description.type, "value", description.type)),
                "sdp": description.sdp}

    def description_from(self, data: dict):
        return self.m.RTCSessionDescription(sdp=data["sdp"], type=data["type"])

    async def set_local(self, pc, create) -> None:
        """setLocalDescription(await create()), then wait for ICE gathering to complete, so
        that localDescription carries every candidate (full SDP, no trickle). aiortc and the
        compat layer return from setLocalDescription with gathering complete; the W3C layers
        (ours and wrtc) return at once and gather afterwards."""
        gathered = asyncio.get_running_loop().create_future()

        def on_change():
            if pc.iceGatheringState == "complete" and not gathered.done():
                gathered.set_result(None)

        self.on(pc, "icegatheringstatechange", on_change)
        await pc.setLocalDescription(await create())
        if pc.iceGatheringState != "complete":
            await asyncio.wait_for(gathered, 30)


def _ours() -> bool:
    """Whether ``webrtc`` here is python-webrtc (wrtc installs a package of that name too)."""
    spec = importlib.util.find_spec("webrtc")
    return spec is not None and any(
        os.path.isdir(os.path.join(p, "aiortc_compat")) for p in spec.submodule_search_locations or ()
    )


class OursW3C(Library):
    key = "webrtc"
    name = "webrtc (W3C, trickle)"
    trickle = True

    def available(self) -> bool:
        return _ours()

    def _import(self):
        import webrtc

        webrtc.allow_loopback()
        return webrtc


class OursCompat(Library):
    key = "compat"
    name = "webrtc.aiortc_compat"

    def available(self) -> bool:
        return _ours()

    def _import(self):
        import webrtc
        from webrtc import aiortc_compat

        webrtc.allow_loopback()
        return aiortc_compat


class Aiortc(Library):
    key = "aiortc"
    name = "aiortc 1.16"

    def available(self) -> bool:
        return importlib.util.find_spec("aiortc") is not None

    def _import(self):
        import aioice.ice
        import aiortc

        # aiortc finds no address in a namespace that only has lo unless told to use 127.0.0.1;
        # between the loss benchmark's namespaces it is given its end of the veth pair.
        address = os.environ.get("DC_PEER_HOST_ADDRESS", "127.0.0.1")
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [address]
        return aiortc


# wrtc's events are W3C Event objects: the payload is an attribute of the event.
_WRTC_PAYLOAD = {"datachannel": "channel", "icecandidate": "candidate"}


class Wrtc(Library):
    """wrtc 0.1.0 (PyPI): libwebrtc M152 with the W3C API in snake_case (camelCase aliases
    too). Its Python package is also called ``webrtc``, next to a native module ``wrtc``.
    Its aiortc layer (``webrtc.aiortc``) needs the ``wrtc[aiortc]`` extra (PyAV, pyee), so the
    benchmark uses the W3C API, trickling candidates in-process as our W3C column does.

    Loopback: like browsers, libwebrtc skips loopback interfaces when gathering, so in a
    namespace that has only lo wrtc gathers no candidate at all and never connects.
    ``webrtc.allow_loopback()`` (the same as ``WRTC_ALLOW_LOOPBACK=1`` at import) makes it
    gather 127.0.0.1; it must come before the first connection. RTCConfiguration has no such
    member."""

    key = "wrtc"
    name = "wrtc 0.1.0"
    trickle = True

    def available(self) -> bool:
        return importlib.util.find_spec("wrtc") is not None

    def _import(self):
        import webrtc
        import wrtc  # noqa: F401  (fails unless this ``webrtc`` is wrtc's)

        webrtc.allow_loopback()
        return webrtc

    def peer(self):
        return self.m.RTCPeerConnection(self.m.RTCConfiguration())  # no ICE servers by default

    def on(self, target, name, handler) -> None:
        attribute = _WRTC_PAYLOAD.get(name)
        if attribute is None:
            target.on(name, lambda event: handler())
        else:
            target.on(name, lambda event: handler(getattr(event, attribute)))

    def on_message(self, channel, arrivals: Arrivals) -> None:
        channel.on("message", arrivals.event)

    def description_from(self, data: dict):
        return self.m.RTCSessionDescriptionInit(type=data["type"], sdp=data["sdp"])


LIBRARIES = {library.key: library for library in (OursW3C(), OursCompat(), Wrtc(), Aiortc())}


class Arrivals:
    """Counts received bytes until ``target``; ``done`` then holds (monotonic, process_time)
    of the last arrival. ``value`` and ``event`` are the same handler for libraries that pass
    the message itself and for those that pass a MessageEvent, so neither pays a wrapper."""

    __slots__ = ("received", "target", "done")

    def __init__(self, target: int) -> None:
        self.received = 0
        self.target = target
        self.done = asyncio.get_running_loop().create_future()

    def value(self, data) -> None:
        self.received += len(data)
        if self.received >= self.target and not self.done.done():
            self.done.set_result((time.monotonic(), time.process_time()))

    def event(self, event) -> None:
        self.received += len(event.data)
        if self.received >= self.target and not self.done.done():
            self.done.set_result((time.monotonic(), time.process_time()))


async def send_bulk(lib: Library, channel, total: int, size: int) -> None:
    """Sends total bytes in messages of size, keeping bufferedAmount under HIGH_WATER."""
    low = asyncio.Event()
    channel.bufferedAmountLowThreshold = LOW_WATER
    lib.on(channel, "bufferedamountlow", low.set)
    payload = bytes(size)
    sent = 0
    while sent < total:
        while sent < total and channel.bufferedAmount < HIGH_WATER:
            channel.send(payload)
            sent += size
        if sent < total:
            low.clear()
            if channel.bufferedAmount > LOW_WATER:
                await low.wait()


def send_burst(channel, count: int, size: int) -> None:
    payload = bytes(size)
    for _ in range(count):
        channel.send(payload)


def channel_opened(lib: Library, pc):
    """A future for the first channel the remote peer opens on pc."""
    opened = asyncio.get_running_loop().create_future()

    def on_datachannel(channel):
        if channel.readyState == "open":  # aiortc and the compat layer announce it open
            opened.done() or opened.set_result(channel)
        else:
            lib.on(channel, "open", lambda: opened.done() or opened.set_result(channel))

    lib.on(pc, "datachannel", on_datachannel)
    return opened


# ---- the answering peer, in its own process ----


async def json_lines():
    """A child's side of a JSON-lines protocol: a reader of stdin, and a function that writes
    one object a line to the real stdout. Anything a library prints goes to stderr instead,
    not into the protocol."""
    protocol = os.dup(1)
    os.dup2(2, 1)

    def reply(message: dict) -> None:
        os.write(protocol, (json.dumps(message) + "\n").encode())

    reader = asyncio.StreamReader(limit=1 << 22)
    await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader, reply


async def serve(lib: Library) -> None:
    """Answers offers read from stdin, one JSON object a line, and replies on stdout:

    {"offer": {type, sdp}}   -> {"answer": {type, sdp}} (full SDP), then {"open": true}
    {"start": bytes}         -> {"ready": t0}, then once that many bytes arrived
                                {"done": t, "cpu": seconds, "window": t - t0}
    {"close": true}          -> {"closed": true}
    {"exit": true}           -> exits
    """
    reader, reply = await json_lines()
    lib.load()
    pc = channel = None
    reply({"hello": lib.name, "pid": os.getpid()})
    while line := await reader.readline():
        message = json.loads(line)
        if "offer" in message:
            pc = lib.peer()
            opened = channel_opened(lib, pc)
            await pc.setRemoteDescription(lib.description_from(message["offer"]))
            await lib.set_local(pc, pc.createAnswer)
            reply({"answer": lib.description_of(pc)})
            channel = await asyncio.wait_for(opened, 30)
            reply({"open": True})
        elif "start" in message:
            arrivals = Arrivals(message["start"])
            lib.on_message(channel, arrivals)
            started, cpu = time.monotonic(), time.process_time()
            reply({"ready": started})
            finished, cpu_finished = await asyncio.wait_for(arrivals.done, 300)
            reply({"done": finished, "cpu": cpu_finished - cpu, "window": finished - started})
        elif "close" in message:
            await lib.close(pc)
            pc = channel = None
            reply({"closed": True})
        elif "exit" in message:
            break
