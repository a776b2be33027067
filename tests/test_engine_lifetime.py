"""The engine's life: interpreter exit with live connections, never-closed connections and
garbage-collected objects must neither crash nor hang. Each case runs in a subprocess."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

PRELUDE = """
import asyncio, gc, sys, time
sys.path.insert(0, {tests!r})
import webrtc
from webrtc import aiortc_compat as compat
from conftest import connect_trickle, wait_for
webrtc.allow_loopback()

async def connected_pair():
    a = webrtc.RTCPeerConnection(webrtc.RTCConfiguration(iceServers=[]))
    b = webrtc.RTCPeerConnection(webrtc.RTCConfiguration(iceServers=[]))
    channel = a.createDataChannel("x")
    await connect_trickle(a, b)
    await wait_for(lambda: channel.readyState == "open")
    return a, b, channel

async def settle(predicate, timeout=10.0):
    # Collect and poll until predicate() holds or the deadline passes (the caller prints
    # what it found): teardown finishes on other threads, in its own time.
    deadline = time.monotonic() + timeout
    while True:
        gc.collect()
        if predicate() or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.02)
"""


def run_script(body: str, timeout: float = 30.0) -> subprocess.CompletedProcess:
    import os

    tests = os.path.dirname(__file__)
    script = PRELUDE.format(tests=tests) + textwrap.dedent(body)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "WEBRTC_TESTS_OUTSIDE_NETNS": "1"},
    )
    result.elapsed = time.monotonic() - started
    return result


def assert_clean(result):
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Fatal error" not in result.stderr


def test_exit_with_open_connections():
    result = run_script("""
        async def main():
            global keep
            keep = await connected_pair()
            keep[2].send("in flight")
        asyncio.run(main())
        print("done")
    """)
    assert_clean(result)
    assert "done" in result.stdout and result.elapsed < 15


def test_exit_while_the_loop_still_runs():
    result = run_script("""
        async def main():
            a, b, channel = await connected_pair()
            for _ in range(100):
                channel.send(bytes(16384))
            sys.exit(0)
        asyncio.run(main())
    """)
    assert_clean(result)


def test_connections_never_closed_and_collected():
    result = run_script("""
        import weakref
        async def main():
            refs = []
            for _ in range(5):
                a, b, channel = await connected_pair()
                refs += [weakref.ref(a), weakref.ref(b), weakref.ref(channel)]
                del a, b, channel
            await settle(lambda: all(r() is None for r in refs))
            alive = [r for r in refs if r() is not None]
            print("alive", len(alive))
            # New connections still work after the collected ones.
            a, b, channel = await connected_pair()
            await a.close(); await b.close()
        asyncio.run(main())
    """)
    assert_clean(result)
    assert "alive 0" in result.stdout


def test_objects_made_before_any_loop_and_dropped():
    result = run_script("""
        pcs = [compat.RTCPeerConnection() for _ in range(20)]
        channels = [pc.createDataChannel("x") for pc in pcs]
        del pcs, channels
        gc.collect()
        pc = webrtc.RTCPeerConnection()
        async def main():
            pc.createDataChannel("y")
            await pc.createOffer()
        asyncio.run(main())
        print("ok")
    """)
    assert_clean(result)
    assert "ok" in result.stdout


def test_collected_inside_a_running_loop_while_events_arrive():
    result = run_script("""
        async def main():
            for _ in range(10):
                a, b, channel = await connected_pair()
                for _ in range(50):
                    channel.send("x" * 1000)
                del a, b, channel
                gc.collect()
            await asyncio.sleep(0.2)
        asyncio.run(main())
        print("ok")
    """)
    assert_clean(result)
    assert "ok" in result.stdout


def test_explicit_shutdown_then_exit():
    result = run_script("""
        async def main():
            global keep
            keep = await connected_pair()
        asyncio.run(main())
        webrtc.shutdown()
        webrtc.shutdown()
        try:
            webrtc.RTCPeerConnection()
        except RuntimeError as exc:
            print("refused:", exc)
    """)
    assert_clean(result)
    assert "refused: the WebRTC engine has been shut down" in result.stdout


@pytest.mark.parametrize("count", [1, 50])
def test_many_connections_open_at_exit(count):
    result = run_script(f"""
        async def main():
            global keep
            keep = [webrtc.RTCPeerConnection() for _ in range({count})]
            for pc in keep:
                pc.createDataChannel("x")
                await pc.setLocalDescription(await pc.createOffer())
        asyncio.run(main())
    """)
    assert_clean(result)
    assert result.elapsed < 20


def test_no_native_objects_leak():
    result = run_script("""
        import resource
        from webrtc import _native
        async def cycle():
            a, b, channel = await connected_pair()
            for _ in range(20):
                channel.send(bytes(1000))
            extra = [a.createDataChannel(f"extra{i}") for i in range(5)]
            await a.close(); await b.close()
        async def main():
            for _ in range(5):
                await cycle()
            quiet = lambda: (_native.live_peer_connections(), _native.live_data_channels()) == (0, 0)
            await settle(quiet)
            base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            for _ in range(40):
                await cycle()
            await settle(quiet)  # pending handler tasks may still hold the last pair
            grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_rss
            print("live", _native.live_peer_connections(), _native.live_data_channels())
            print("rss_growth_kib", grown)
        asyncio.run(main())
    """, timeout=60)
    assert_clean(result)
    assert "live 0 0" in result.stdout
    growth = int(result.stdout.split("rss_growth_kib")[1].split()[0])
    assert growth < 20000, f"RSS grew by {growth} KiB over 40 connection cycles"


RECEIVING = """
import aioice.ice, aiortc
from media_sources import QuadrantTrack, ToneTrack
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

async def receiving():
    sender = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    sender.addTrack(QuadrantTrack(320, 240))
    sender.addTrack(ToneTrack())
    receiver = compat.RTCPeerConnection(compat.RTCConfiguration(iceServers=[]))
    tracks = []
    receiver.on("track", tracks.append)
    await sender.setLocalDescription(await sender.createOffer())
    await receiver.setRemoteDescription(sender.localDescription)
    await receiver.setLocalDescription(await receiver.createAnswer())
    await sender.setRemoteDescription(receiver.localDescription)
    frames = [await asyncio.wait_for(t.recv(), 10) for t in tracks for _ in range(3)]
    return sender, receiver, tracks, frames
"""


def test_exit_while_receiving_media_with_frames_held():
    # Decoders, sinks and the audio clock are live at exit; frames outlive everything.
    result = run_script(RECEIVING + textwrap.dedent("""
        async def main():
            global keep
            keep = await receiving()
        asyncio.run(main())
        print("done", keep[3][0].to_ndarray(format="rgb24").shape)
    """))
    assert_clean(result)
    assert "done (240, 320, 3)" in result.stdout and result.elapsed < 20


def test_receiving_connections_collected_without_close():
    result = run_script(RECEIVING + textwrap.dedent("""
        async def main():
            for _ in range(3):
                sender, receiver, tracks, frames = await receiving()
                await sender.close()
                del sender, receiver, tracks
                gc.collect()
            await settle(lambda: (webrtc._native.live_peer_connections(),
                                  webrtc._native.live_remote_tracks()) == (0, 0))
            print("frames", len(frames), frames[0].to_image().size)
            print("live", webrtc._native.live_peer_connections(), webrtc._native.live_remote_tracks())
        asyncio.run(main())
    """))
    assert_clean(result)
    assert "frames 6 (320, 240)" in result.stdout
    assert "live 0 0" in result.stdout
