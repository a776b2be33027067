"""Free-threading stress: with the GIL off, several connections (each on its own event loop,
in its own thread) receive video while converter threads turn the frames into numpy arrays
and sender threads pour messages into the connections' data channels, all at once.

Run by tests/test_free_threading.py on a free-threaded CPython with PYTHON_GIL=0. Prints
one JSON line of counts; exits 1 on any lost, duplicated, reordered or wrong message or frame,
and a watchdog ends it (exit 2, with every thread's stack) if anything hangs."""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import json
import queue
import sys
import threading
import time

import numpy as np

import webrtc
from webrtc import _native
from webrtc.aiortc_compat import RTCConfiguration, RTCPeerConnection, VideoStreamTrack

CONNECTIONS, CONVERTERS, SENDERS = 3, 4, 3
MESSAGES = 4000            # per sender thread
FRAMES = 90                # converted per connection, at least
WIDTH, HEIGHT = 640, 360
COLOURS = [(200, 40, 40), (40, 200, 40), (40, 40, 200)]
SHARED_TEXT = "ünïcödé shared by every sender thread"  # one str object, many threads
SHARED_EVERY = 50

faulthandler.dump_traceback_later(150, exit=True)
webrtc.allow_loopback()
frames: queue.Queue = queue.Queue(maxsize=32)
errors: list[str] = []
converted = [0] * CONNECTIONS
converted_lock = threading.Lock()


class ColourTrack(VideoStreamTrack):
    def __init__(self, colour) -> None:
        super().__init__()
        self.picture = np.empty((HEIGHT, WIDTH, 3), np.uint8)
        self.picture[:] = colour

    async def recv(self):
        await self.next_timestamp()
        return self.picture


def convert_frames() -> None:
    while (item := frames.get()) is not None:
        index, frame = item
        rgb = frame.to_ndarray(format="rgb24")
        yuv = frame.to_ndarray(format="yuv420p")
        mean = rgb.reshape(-1, 3).mean(axis=0)
        if rgb.shape != (HEIGHT, WIDTH, 3) or yuv.shape != (HEIGHT * 3 // 2, WIDTH):
            errors.append(f"connection {index}: shapes {rgb.shape} {yuv.shape}")
        elif max(abs(mean - COLOURS[index])) > 20:
            errors.append(f"connection {index}: mean colour {mean.round(1)}")
        with converted_lock:
            converted[index] += 1


def send_messages(channel, index: int, sender: int) -> None:
    for seq in range(MESSAGES):
        channel.send(f"{index}:{sender}:{seq}".encode())
        if seq % SHARED_EVERY == 0:
            channel.send(SHARED_TEXT)


async def run_connection(index: int, results: dict) -> None:
    sender_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    receiver_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received: dict[int, list[int]] = {s: [] for s in range(SENDERS)}
    shared = 0
    expected = SENDERS * MESSAGES
    total = 0
    all_arrived = asyncio.Event()
    opened = asyncio.Event()
    tasks = []

    def on_message(message) -> None:
        nonlocal shared, total
        if message == SHARED_TEXT:
            shared += 1
            return
        conn, sender, seq = (int(part) for part in message.decode().split(":"))
        if conn != index:
            errors.append(f"connection {index}: message for {conn}")
        received[sender].append(seq)
        total += 1
        if total == expected:
            all_arrived.set()

    @receiver_pc.on("datachannel")
    def on_datachannel(channel):
        channel.on("message", on_message)

    async def consume(track):
        while True:
            frame = await track.recv()
            try:
                frames.put_nowait((index, frame))
            except queue.Full:
                pass  # the converters are busy: this one is dropped, as a slow consumer would

    @receiver_pc.on("track")
    def on_track(track):
        tasks.append(asyncio.ensure_future(consume(track)))

    channel = sender_pc.createDataChannel("stress")
    channel.on("open", opened.set)
    sender_pc.addTrack(ColourTrack(COLOURS[index]))
    threads = []
    try:
        await sender_pc.setLocalDescription(await sender_pc.createOffer())
        await receiver_pc.setRemoteDescription(sender_pc.localDescription)
        await receiver_pc.setLocalDescription(await receiver_pc.createAnswer())
        await sender_pc.setRemoteDescription(receiver_pc.localDescription)
        await asyncio.wait_for(opened.wait(), 20)
        threads = [threading.Thread(target=send_messages, args=(channel, index, s))
                   for s in range(SENDERS)]
        for thread in threads:
            thread.start()
        await asyncio.wait_for(all_arrived.wait(), 90)
        deadline = time.monotonic() + 60
        while converted[index] < FRAMES and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        while shared < SENDERS * (MESSAGES // SHARED_EVERY) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
    finally:
        for thread in threads:
            thread.join(30)
        for task in tasks:
            task.cancel()
        await sender_pc.close()
        await receiver_pc.close()
    for sender, seqs in received.items():
        if seqs != list(range(MESSAGES)):
            errors.append(f"connection {index}, sender {sender}: {len(seqs)} messages, "
                          f"in order: {seqs == sorted(seqs)}, unique: {len(set(seqs)) == len(seqs)}")
    results[index] = {"messages": total, "shared_text": shared, "frames_converted": converted[index]}


def connection_thread(index: int, results: dict) -> None:
    try:
        asyncio.run(run_connection(index, results))
    except Exception as error:  # noqa: BLE001  (reported as a failure below)
        errors.append(f"connection {index}: {type(error).__name__}: {error}")


def main() -> int:
    started = time.monotonic()
    converters = [threading.Thread(target=convert_frames) for _ in range(CONVERTERS)]
    for thread in converters:
        thread.start()
    results: dict = {}
    connections = [threading.Thread(target=connection_thread, args=(i, results))
                   for i in range(CONNECTIONS)]
    for thread in connections:
        thread.start()
    for thread in connections:
        thread.join()
    for _ in converters:
        frames.put(None)
    for thread in converters:
        thread.join()
    # Frames the converters never took go with the queue.
    while not frames.empty():
        frames.get_nowait()
    gc.collect()
    live = {"peer_connections": _native.live_peer_connections(),
            "data_channels": _native.live_data_channels(),
            "local_tracks": _native.live_local_tracks()}
    outcome = {"gil_enabled": sys._is_gil_enabled(), "seconds": round(time.monotonic() - started, 1),
               "connections": results, "live": live, "errors": errors[:20]}
    print(json.dumps(outcome))
    short = [i for i in range(CONNECTIONS)
             if results.get(i, {}).get("frames_converted", 0) < FRAMES
             or results.get(i, {}).get("shared_text") != SENDERS * (MESSAGES // SHARED_EVERY)]
    return 1 if errors or short or any(live.values()) or len(results) != CONNECTIONS else 0


if __name__ == "__main__":
    sys.exit(main())
