"""Fuzz target: createDataChannel's arguments, and send() payloads on an open channel, on
both layers.

Input: a selector byte (bit 0: the layer; bit 1: send a message on the new channel too;
bit 2: how bytes that are not UTF-8 become text), the arguments of createDataChannel (a
choice byte each from ARGUMENT_CHOICES, text read from the input), then up to MAX_SENDS
payloads (a kind byte each, see payload(), then its bytes). One connected pair per layer
carries everything; both are made again every RECYCLE_AFTER inputs.

What is documented (tests/test_bad_input.py): createDataChannel raises TypeError (webrtc) or
TypeError/ValueError (aiortc_compat, as aiortc), OperationError for an id in use or not
below maxChannels, and UnicodeEncodeError for text that is not UTF-8; send() raises
TypeError (webrtc) or ValueError (compat) for what it cannot send, MessageTooLargeError
(both) for a message over the remote maximum, UnicodeEncodeError as above. A channel that
was made reports the arguments it was given and opens (the other side announces the same
label and protocol; a negotiated one gets its other half there); every message that was
accepted arrives, in order and unchanged.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy

from _fuzzinput import TEXT_ERRORS, FuzzInput
from _harness import Finding, ResourceWatch, check_refusal, instrumented, main, run, wait_until

with instrumented(__file__):
    import webrtc
    from webrtc import aiortc_compat as compat

from _peers import LAYERS, ConnectedPair

RECYCLE_AFTER = 200
MAX_SENDS = 4
MAX_TEXT = 2048
TEXT = object()  # the value is text read from the input

ARGUMENT_CHOICES = {
    "label": (TEXT, "", "x" * 65535, "x" * 65536, 123, None, b"label"),
    "protocol": (TEXT, "", "x" * 65536, 5, None),
    "ordered": (True, False, None, 1, "yes"),
    "maxPacketLifeTime": (None, 0, 1, 65535, 65536, -1, True, "3", 1.5, 2**64),
    "maxRetransmits": (None, 0, 1, 65535, 65536, -1, True, "3", 1.5, 2**64),
    "negotiated": (False, True, 1, None),
    "id": (None, 0, 2, 1023, 65534, 65535, -1, True, "1", 2**40),
}
# Sizes around the limits (the remote maximum is read from the connection).
SIZES = (0, 1, 65535, 65536, "max", "max+1", 1 << 20)


class StrSubclass(str):
    pass


class BytesSubclass(bytes):
    pass


def payload(reader: FuzzInput, errors: str) -> Any:
    kind = reader.byte() % 16
    raw = reader.sized(MAX_TEXT)
    if kind == 0:
        return reader.text(raw, errors)
    if kind == 1:
        return raw
    if kind == 2:
        return bytearray(raw)
    if kind == 3:
        return memoryview(raw)
    if kind == 4:
        return memoryview(raw)[::2]  # not contiguous
    if kind == 5:
        return memoryview(raw[: len(raw) // 4 * 4]).cast("I")  # items of 4 bytes
    if kind == 6:
        return StrSubclass(reader.text(raw, errors))
    if kind == 7:
        return BytesSubclass(raw)
    if kind == 8:
        return numpy.frombuffer(raw, numpy.uint8)
    if kind == 9:
        return ("size", SIZES[reader.byte() % len(SIZES)])
    return (1, 1.5, None, ["list"], {"d": 1}, object())[kind - 10]


def expected_message(data: Any) -> Any:
    """What the other side receives for an accepted send()."""
    if isinstance(data, str):
        return str(data)
    return bytes(data)


def choose(reader: FuzzInput, name: str, errors: str) -> Any:
    value = ARGUMENT_CHOICES[name][reader.byte() % len(ARGUMENT_CHOICES[name])]
    return reader.text(reader.sized(MAX_TEXT), errors) if value is TEXT else value


class Pairs:
    def __init__(self) -> None:
        self.pairs: dict[Any, ConnectedPair] = {}
        self.inputs = 0

    async def get(self, layer: Any) -> ConnectedPair:
        self.inputs += 1
        if self.inputs % RECYCLE_AFTER == 0:
            await self.close()  # both layers' pairs: what they hold is bounded by the period
        pair = self.pairs.get(layer)
        if pair is not None and not pair.healthy:
            raise Finding(f"the {layer.__name__} channel or connection went down: "
                          f"{pair.channel.readyState}, {pair.local.connectionState}")
        if pair is None:
            pair = self.pairs[layer] = ConnectedPair(layer)
            await pair.connect()
        return pair

    async def close(self) -> None:
        for pair in self.pairs.values():
            await pair.close()
        self.pairs.clear()


pairs = Pairs()

# Known and reported: a connection keeps every channel it ever had (native) until it closes,
# so up to two per input (ours and the other side's) until the pair is made again.
watch = ResourceWatch(slack={"data channels": 2 * RECYCLE_AFTER + 8})


def check_attributes(channel: Any, arguments: dict[str, Any]) -> None:
    for name in ("label", "protocol", "ordered", "maxPacketLifeTime", "maxRetransmits",
                 "negotiated"):
        if getattr(channel, name) != arguments[name]:
            raise Finding(f"channel.{name} is {getattr(channel, name)!r:.80}, "
                          f"given {arguments[name]!r:.80}")
    if arguments["negotiated"] and channel.id != arguments["id"]:
        raise Finding(f"negotiated channel id {channel.id}, given {arguments['id']}")


async def create_channel(pair: ConnectedPair, arguments: dict[str, Any], echo: bool) -> None:
    layer = pair.layer
    refusals = (TypeError, webrtc.OperationError, UnicodeEncodeError)
    if layer is compat:
        refusals += (ValueError,)
    pair.remote_channels[1:] = []  # only the first (the pair's own channel) is kept
    try:
        channel = pair.local.createDataChannel(**arguments)
    except Exception as exc:
        check_refusal(exc, refusals, f"{layer.__name__} createDataChannel")
        return
    remote = None
    try:
        check_attributes(channel, arguments)
        if arguments["negotiated"]:
            # The other side's half: without it the channel never finishes closing.
            try:
                remote = pair.remote.createDataChannel(**arguments)
            except webrtc.OperationError:
                pass  # the id is in use over there
        await wait_until(lambda: channel.readyState != "connecting", "a new channel to open")
        if channel.readyState != "open":
            raise Finding(f"a new channel went {channel.readyState!r} instead of opening")
        if not arguments["negotiated"]:
            remote = await announcement(pair, channel)
            if (remote.label, remote.protocol) != (arguments["label"], arguments["protocol"]):
                raise Finding(f"the other side sees label {remote.label!r:.80} protocol "
                              f"{remote.protocol!r:.80}")
        if echo and remote is not None:
            received: list[Any] = []
            remote.on("message", received.append)
            channel.send("on the new channel")
            await wait_until(lambda: received, "a message on the new channel")
            if received != ["on the new channel"]:
                raise Finding(f"the new channel delivered {received!r:.200}")
    finally:
        channel.close()
        if remote is not None and arguments["negotiated"]:
            remote.close()


async def announcement(pair: ConnectedPair, channel: Any) -> Any:
    """The other side's half of a new channel, once announced. (A channel closed before the
    other side processed its OPEN used to stay "closing" for good; src/native/
    sctp_tracking.cpp mends that, and test_rtcdatachannel.py's quick-close test covers it.)"""
    def announced() -> Any:
        # Channels of earlier inputs may still be announced: this one has our channel's id
        # and is not closing.
        return next((remote for remote in pair.remote_channels[1:] if remote.id == channel.id
                     and remote.readyState in ("connecting", "open")), None)

    await wait_until(lambda: announced() is not None, "the channel's announcement")
    return announced()


async def send_all(pair: ConnectedPair, payloads: list[Any]) -> None:
    layer = pair.layer
    refusals = (TypeError if layer is webrtc else ValueError, webrtc.MessageTooLargeError,
                UnicodeEncodeError)
    expected = []
    start = len(pair.received)
    for data in payloads:
        if isinstance(data, tuple) and data[:1] == ("size",):
            size = data[1]
            limit = pair.local.sctp.maxMessageSize
            data = bytes(limit if size == "max" else limit + 1 if size == "max+1" else size)
        try:
            pair.channel.send(data)
        except Exception as exc:
            check_refusal(exc, refusals, f"{layer.__name__} send({type(data).__name__})")
            continue
        expected.append(expected_message(data))
    await wait_until(lambda: len(pair.received) - start >= len(expected), "sent messages to arrive")
    got = pair.received[start:]
    del pair.received[:]  # bounded: only this input's messages are kept
    if got != expected:
        raise Finding(f"sent {[m[:40] for m in expected]!r}, received {[m[:40] for m in got]!r}")


async def exercise(layer: Any, arguments: dict[str, Any], echo: bool, payloads: list[Any]) -> None:
    pair = await pairs.get(layer)
    await create_channel(pair, arguments, echo)
    await send_all(pair, payloads)


def TestOneInput(data: bytes) -> None:
    reader = FuzzInput(data)
    selector = reader.byte()
    layer = LAYERS[selector & 1]
    errors = TEXT_ERRORS[(selector >> 2) & 1]
    arguments = {name: choose(reader, name, errors) for name in ARGUMENT_CHOICES}
    payloads = [payload(reader, errors) for _ in range(reader.byte() % (MAX_SENDS + 1))]
    run(exercise(layer, arguments, bool(selector & 2), payloads), f"{layer.__name__} channel")
    watch.tick()


def teardown() -> None:
    run(pairs.close(), "closing the pairs")


def seeds() -> dict[str, bytes]:
    """Hand-made inputs: plain channels on both layers, each payload kind once."""
    def text(value: str) -> bytes:
        raw = value.encode()
        return len(raw).to_bytes(2, "big") + raw

    def arguments(label: str, protocol: str, **choices: int) -> bytes:
        out = b"\x00" + text(label) + b"\x00" + text(protocol)
        for name in ("ordered", "maxPacketLifeTime", "maxRetransmits", "negotiated", "id"):
            out += bytes([choices.get(name, 0)])
        return out

    payloads = b"\x04" + b"\x00" + text("hello") + b"\x01" + text("bytes") + b"\x09" + text("") + b"\x04"
    out = {}
    for layer in (0, 1):
        name = ("w3c", "compat")[layer]
        out[f"{name}-chat"] = bytes([layer | 2]) + arguments("chat", "") + payloads
        out[f"{name}-unordered"] = bytes([layer | 2]) + arguments("rt", "json", ordered=1, maxRetransmits=1) + payloads
        out[f"{name}-negotiated"] = bytes([layer | 2]) + arguments("n", "", negotiated=1, id=3) + payloads
        out[f"{name}-every-payload"] = bytes([layer]) + arguments("\u00e9\u4e2d", "p") + b"\x04" + b"".join(
            bytes([kind]) + text(f"payload {kind}") + (b"\x05" if kind == 9 else b"")
            for kind in range(4, 16, 3))
    return out


if __name__ == "__main__":
    sys.exit(main(TestOneInput, teardown))
