"""Relay-only ICE through a real TURN server (Debian's coturn) on 127.0.0.1."""

from __future__ import annotations


import os
import shutil
import socket
import subprocess
import tempfile
import time

import aiortc
import pytest

import webrtc
from webrtc import aiortc_compat as compat
from conftest import connect_full, connect_trickle, wait_for

USER, PASSWORD = "python-webrtc", "secret"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def turn_server():
    binary = shutil.which("turnserver")
    if binary is None:
        pytest.fail("coturn is not installed (scripts/setup.sh installs it)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="coturn-")
    process = subprocess.Popen(
        [
            binary, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
            f"--listening-port={port}", "--min-port=49152", "--max-port=49352",
            "--lt-cred-mech", f"--user={USER}:{PASSWORD}", "--realm=python-webrtc.test",
            "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers",
            "--no-multicast-peers", "--simple-log", f"--log-file={workdir}/turnserver.log",
            f"--pidfile={workdir}/turnserver.pid",
        ],
        # its log goes to a file: a pipe nobody reads would block coturn once full
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=workdir,
    )
    deadline = time.monotonic() + 30
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait(10)
            logs = "".join(open(os.path.join(workdir, name), errors="replace").read()
                           for name in os.listdir(workdir) if name.endswith(".log"))
            pytest.fail(f"coturn did not start:\n{logs[-2000:]}")
        time.sleep(0.05)
    yield f"turn:127.0.0.1:{port}?transport=udp"
    process.terminate()
    process.wait(5)
    shutil.rmtree(workdir, ignore_errors=True)


def relay_configuration(module, url):
    return module.RTCConfiguration(
        iceServers=[module.RTCIceServer(urls=url, username=USER, credential=PASSWORD)],
        iceTransportPolicy="relay" if module is not aiortc else aiortc.RTCIceTransportPolicy.RELAY,
    )


def selected_pair_types(report) -> tuple[str, str]:
    """candidateType of the local and remote candidates of the pair in use, from getStats()
    (W3C dicts, or aiortc_compat's objects)."""
    stats = {key: (value if isinstance(value, dict) else vars(value)) for key, value in report.items()}
    (transport,) = [s for s in stats.values() if s["type"] == "transport"]
    pair = stats[transport["selectedCandidatePairId"]]
    assert pair["state"] == "succeeded"
    return stats[pair["localCandidateId"]]["candidateType"], stats[pair["remoteCandidateId"]]["candidateType"]


def candidate_types(sdp: str) -> set[str]:
    return {line.split(" typ ")[1].split()[0] for line in sdp.splitlines() if line.startswith("a=candidate:")}


async def test_relay_only_w3c(closing, turn_server):
    a = webrtc.RTCPeerConnection(relay_configuration(webrtc, turn_server))
    b = webrtc.RTCPeerConnection(relay_configuration(webrtc, turn_server))
    closing(a)
    closing(b)
    gathered = []
    a.on("icecandidate", lambda c: c and gathered.append(c.type))
    remote = []
    b.on("datachannel", remote.append)
    channel = a.createDataChannel("relayed")
    await connect_trickle(a, b)
    await wait_for(lambda: channel.readyState == "open" and remote, timeout=20)
    assert gathered and set(gathered) == {"relay"}
    received = []
    remote[0].on("message", received.append)
    channel.send("through the relay")
    await wait_for(lambda: received == ["through the relay"])
    # The traffic goes through the relay at both ends of the pair in use.
    assert selected_pair_types(await a.getStats()) == ("relay", "relay")
    assert selected_pair_types(await b.getStats()) == ("relay", "relay")


async def test_relay_only_compat_with_aiortc(closing, turn_server):
    ours = compat.RTCPeerConnection(relay_configuration(compat, turn_server))
    theirs = aiortc.RTCPeerConnection(relay_configuration(aiortc, turn_server))
    closing(ours)
    closing(theirs)
    remote = []
    theirs.on("datachannel", remote.append)
    channel = ours.createDataChannel("relayed")
    await connect_full(ours, theirs)
    assert candidate_types(ours.localDescription.sdp) == {"relay"}
    await wait_for(lambda: channel.readyState == "open" and remote, timeout=20)
    received = []
    remote[0].on("message", received.append)
    channel.send(b"relayed bytes")
    await wait_for(lambda: received == [b"relayed bytes"])
    assert candidate_types(theirs.localDescription.sdp) == {"relay"}
    assert selected_pair_types(await ours.getStats()) == ("relay", "relay")
