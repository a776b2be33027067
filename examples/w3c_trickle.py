"""Two peers in one process with the W3C API: candidates trickle while negotiating.

Run: WEBRTC_ALLOW_LOOPBACK=1 python examples/w3c_trickle.py
"""

import asyncio

import webrtc


async def main() -> None:
    config = webrtc.RTCConfiguration(iceServers=[])
    offerer, answerer = webrtc.RTCPeerConnection(config), webrtc.RTCPeerConnection(config)

    # Each side hands its candidates to the other as they are found (None marks the end).
    # A real application sends them through its signaling channel; the receiving side can
    # add them once it has applied the remote description.
    async def forward(candidate, peer):
        while peer.remoteDescription is None:
            await asyncio.sleep(0)
        if candidate is not None:
            await peer.addIceCandidate(candidate)

    offerer.on("icecandidate", lambda c: forward(c, answerer))
    answerer.on("icecandidate", lambda c: forward(c, offerer))

    @answerer.on("datachannel")
    def on_datachannel(channel):
        channel.on("message", lambda message: channel.send(message[::-1]))

    channel = offerer.createDataChannel("chat")
    replies: asyncio.Queue = asyncio.Queue()
    channel.on("message", replies.put_nowait)
    channel.on("open", lambda: channel.send("!ereht olleh"))

    await offerer.setLocalDescription(await offerer.createOffer())
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await offerer.setRemoteDescription(answerer.localDescription)

    print(await asyncio.wait_for(replies.get(), 10), f"({offerer.connectionState})")
    await offerer.close()
    await answerer.close()


if __name__ == "__main__":
    asyncio.run(main())
