"""The peer connections the fuzz targets set up: fresh ones on either layer, the offer a
target answers or is answered with, and connected pairs with an open data channel."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import webrtc
from webrtc import aiortc_compat as compat

from _harness import wait_until

LAYERS: tuple[ModuleType, ...] = (webrtc, compat)

# Candidates on 127.0.0.1, the only address the namespace has.
webrtc.allow_loopback()


def new_pc(layer: ModuleType) -> Any:
    """A connection with no ICE server (nothing to reach from the namespace)."""
    return layer.RTCPeerConnection(layer.RTCConfiguration(iceServers=[]))


def add_offer_media(pc: Any) -> None:
    """What every offer the targets make carries, in this order (mids 0, 1, 2): audio, video,
    data. Seeds answering such an offer (tools/fuzz/make_corpus.py) fit it."""
    pc.addTransceiver("audio")
    pc.addTransceiver("video")
    pc.createDataChannel("seed")


async def offer_sdp() -> str:
    """An offer of ours with audio, video and data (no candidates)."""
    pc = new_pc(webrtc)
    try:
        add_offer_media(pc)
        return (await pc.createOffer()).sdp
    finally:
        await pc.close()


_offer: str | None = None


async def cached_offer() -> str:
    """offer_sdp(), made once per process."""
    global _offer
    if _offer is None:
        _offer = await offer_sdp()
    return _offer


class ConnectedPair:
    """Two connected peers of one layer and an open channel from `local` to `remote`; what
    the remote end receives on it is appended to `received`."""

    def __init__(self, layer: ModuleType) -> None:
        self.layer = layer
        self.local = new_pc(layer)
        self.remote = new_pc(layer)
        self.remote_channels: list[Any] = []
        self.received: list[Any] = []
        self.remote.on("datachannel", self.remote_channels.append)
        self.channel = self.local.createDataChannel("fuzz")

    async def connect(self) -> None:
        offerer, answerer = self.local, self.remote
        await offerer.setLocalDescription(await offerer.createOffer())
        await wait_until(lambda: offerer.iceGatheringState == "complete", "gathering")
        await answerer.setRemoteDescription(offerer.localDescription)
        await answerer.setLocalDescription(await answerer.createAnswer())
        await wait_until(lambda: answerer.iceGatheringState == "complete", "gathering")
        await offerer.setRemoteDescription(answerer.localDescription)
        await wait_until(lambda: self.channel.readyState == "open" and self.remote_channels,
                         "the channel to open")
        self.remote_channels[0].on("message", self.received.append)

    @property
    def healthy(self) -> bool:
        return (self.channel.readyState == "open"
                and self.local.connectionState == "connected"
                and self.remote.connectionState == "connected")

    async def close(self) -> None:
        await self.local.close()
        await self.remote.close()
