"""Two peers in one process with the W3C API: candidates trickle while negotiating.

Run: WEBRTC_ALLOW_LOOPBACK=1 python examples/w3c_trickle.py
"""

import asyncio

import webrtc


async def main() -> None:
    config = webrtc.RTCConfiguration(iceServers=[])
    offerer, answerer = webrtc.RTCPeerConnection(config), webrtc.RTCPeerConnection(config)

    # Each side hands its candidates to the other as they are found (None marks the end).
    # A real application sends them through its signaling channel. The receiving side can
    # only add them once it has the remote description, so early ones are held until then.
    held = {id(offerer): [], id(answerer): []}

    async def forward(candidate, peer):
        if candidate is None:
            return
        if peer.remoteDescription is None:
            held[id(peer)].append(candidate)
        else:
            await peer.addIceCandidate(candidate)

    async def set_remote(peer, description):
        await peer.setRemoteDescription(description)
        for candidate in held.pop(id(peer)):
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
    await set_remote(answerer, offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await set_remote(offerer, answerer.localDescription)

    print(await asyncio.wait_for(replies.get(), 10), f"({offerer.connectionState})")
    await offerer.close()
    await answerer.close()


if __name__ == "__main__":
    asyncio.run(main())
