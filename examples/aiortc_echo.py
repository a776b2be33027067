"""Two peers in one process, aiortc style (non-trickle), through webrtc.aiortc_compat.

Run: WEBRTC_ALLOW_LOOPBACK=1 python examples/aiortc_echo.py
"""

import asyncio

from webrtc.aiortc_compat import RTCPeerConnection


async def main() -> None:
    offerer, answerer = RTCPeerConnection(), RTCPeerConnection()

    @answerer.on("datachannel")
    def on_datachannel(channel):
        channel.on("message", lambda message: channel.send(f"echo: {message}"))

    channel = offerer.createDataChannel("chat")
    replies: asyncio.Queue = asyncio.Queue()
    channel.on("message", replies.put_nowait)
    channel.on("open", lambda: channel.send("hello"))

    # aiortc style: setLocalDescription returns once every candidate is in the SDP.
    await offerer.setLocalDescription(await offerer.createOffer())
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await offerer.setRemoteDescription(answerer.localDescription)

    print(await asyncio.wait_for(replies.get(), 10))
    await offerer.close()
    await answerer.close()


if __name__ == "__main__":
    asyncio.run(main())
