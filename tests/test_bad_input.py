"""Bad input gets a clear exception and leaves the process healthy."""

from __future__ import annotations

import asyncio
import re

import pytest

import webrtc
from webrtc import aiortc_compat as compat
from conftest import configuration, connect_trickle, wait_for

LAYERS = [pytest.param(webrtc, id="w3c"), pytest.param(compat, id="compat")]


def new_pc(module, closing):
    pc = module.RTCPeerConnection(configuration(module))
    closing(pc)
    return pc


@pytest.mark.parametrize("module", LAYERS)
@pytest.mark.parametrize(
    "sdp",
    [
        "hello world",
        "",
        "v=0\r\n",
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=application",
        "v=0\r\n" + "a=" + "x" * 100000 + "\r\n",
        "\x00\xff\xfe" * 100,
    ],
    ids=["hello", "empty", "version-only", "truncated", "oversized-line", "binary-junk"],
)
async def test_malformed_sdp_is_refused(closing, module, sdp):
    pc = new_pc(module, closing)
    with pytest.raises(ValueError, match="SDP"):
        await pc.setRemoteDescription(module.RTCSessionDescription(sdp=sdp, type="offer"))
    assert pc.signalingState == "stable"
    with pytest.raises(ValueError, match="SDP"):
        await pc.setLocalDescription(module.RTCSessionDescription(sdp=sdp, type="offer"))


@pytest.mark.parametrize("module", LAYERS)
async def test_sdp_of_the_wrong_type(closing, module):
    a, b = new_pc(module, closing), new_pc(module, closing)
    a.createDataChannel("x")
    offer = await a.createOffer()
    # An offer presented as an answer, in the stable state.
    with pytest.raises(module.InvalidStateError):
        await b.setRemoteDescription(module.RTCSessionDescription(sdp=offer.sdp, type="answer"))
    with pytest.raises(ValueError, match=r"'type' must be in \['offer', 'pranswer', 'answer', 'rollback'\]"):
        module.RTCSessionDescription(sdp=offer.sdp, type="bogus")
    with pytest.raises(TypeError):
        await b.setRemoteDescription("not a description")
    with pytest.raises(TypeError):
        await b.setRemoteDescription(None)
    # Still usable afterwards.
    await b.setRemoteDescription(offer)
    assert b.signalingState == "have-remote-offer"


@pytest.mark.parametrize(
    "line,message",
    [
        ("candidate:garbage", "malformed ICE candidate: 'garbage'"),
        ("candidate:1 1 udp notanumber 127.0.0.1 9 typ host", "malformed ICE candidate: '1 1 udp notanumber"),
        ("candidate:1 1 udp 1 127.0.0.1 99999 typ host", "malformed ICE candidate: '1 1 udp 1 127.0.0.1 99999"),
        ("candidate:1 1 udp 1 127.0.0.1 9 typ", "malformed ICE candidate: '1 1 udp 1 127.0.0.1 9 typ'"),
        ("candidate:" + "1 " * 5000, r"candidate is too long \(10010 characters\)"),
        ("candidate:1 1 udp 1 " + "9" * 10000 + " 9 typ host", r"candidate is too long \(10031 characters\)"),
    ],
    ids=["garbage", "bad-priority", "bad-port", "truncated", "oversized", "oversized-address"],
)
async def test_garbage_candidates_w3c(closing, line, message):
    a, b = new_pc(webrtc, closing), new_pc(webrtc, closing)
    a.createDataChannel("x")
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    with pytest.raises(ValueError, match=message):
        await b.addIceCandidate(webrtc.RTCIceCandidate(line, sdpMid="0"))


async def test_garbage_candidates_compat(closing):
    from webrtc.aiortc_compat.sdp import candidate_from_sdp

    # As aiortc.sdp.candidate_from_sdp: an AssertionError, int()'s ValueError.
    with pytest.raises(AssertionError):
        candidate_from_sdp("garbage")
    with pytest.raises(ValueError, match="invalid literal for int\\(\\) with base 10: 'notanumber'"):
        candidate_from_sdp("1 1 udp notanumber 127.0.0.1 9 typ host")
    # Ours alone (aiortc parses it, or fails with an AttributeError on None).
    with pytest.raises(ValueError, match=r"candidate is too long \(10000 characters\)"):
        candidate_from_sdp("1 " * 5000)
    with pytest.raises(TypeError, match=r"candidate must be a str \(got NoneType\)"):
        candidate_from_sdp(None)
    pc = new_pc(compat, closing)
    with pytest.raises(ValueError, match="sdpMid or sdpMLineIndex"):
        await pc.addIceCandidate(candidate_from_sdp("1 1 udp 1 127.0.0.1 9 typ host"))


async def test_unknown_mid_w3c(closing):
    a, b = new_pc(webrtc, closing), new_pc(webrtc, closing)
    a.createDataChannel("x")
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    with pytest.raises(webrtc.OperationError):
        await b.addIceCandidate(
            webrtc.RTCIceCandidate("candidate:1 1 udp 1 127.0.0.1 9 typ host", sdpMid="nope")
        )
    with pytest.raises(TypeError):
        webrtc.RTCIceCandidate("candidate:1 1 udp 1 127.0.0.1 9 typ host")
    with pytest.raises(TypeError):
        await b.addIceCandidate("candidate:1 1 udp 1 127.0.0.1 9 typ host")


async def test_candidate_before_remote_description_w3c(closing):
    pc = new_pc(webrtc, closing)
    with pytest.raises(webrtc.InvalidStateError):
        await pc.addIceCandidate(webrtc.RTCIceCandidate("candidate:1 1 udp 1 127.0.0.1 9 typ host", sdpMid="0"))


@pytest.mark.parametrize("module", LAYERS)
async def test_bad_payloads_and_sizes(closing, module):
    a, b = new_pc(module, closing), new_pc(module, closing)
    channel = a.createDataChannel("x")
    remote = []
    b.on("datachannel", remote.append)
    if module is webrtc:
        await connect_trickle(a, b)
    else:
        from conftest import connect_full

        await connect_full(a, b)
    await wait_for(lambda: channel.readyState == "open" and remote)
    expected_type = TypeError if module is webrtc else ValueError
    for bad in (1, 1.5, None, object(), ["list"], {"d": 1}):
        with pytest.raises(expected_type):
            channel.send(bad)
    with pytest.raises(expected_type, match="Cannot send message of"):
        channel.send(bytes(a.sctp.maxMessageSize + 1))
    # The channel still works.
    received = []
    remote[0].on("message", received.append)
    channel.send("still fine")
    await wait_for(lambda: received == ["still fine"])


@pytest.mark.parametrize("module", LAYERS)
async def test_wrong_argument_types(closing, module):
    pc = new_pc(module, closing)
    # W3C: TypeError, as WebIDL conversions raise it; aiortc_compat: ValueError, as aiortc
    # raises for the RTCDataChannelInit values it checks ("ID must be in range...").
    error = TypeError if module is webrtc else ValueError
    # A label that is not a str is a TypeError in both (aiortc fails on len() of it).
    with pytest.raises(TypeError, match="^label must be a str"):
        pc.createDataChannel(123)
    with pytest.raises(error, match=r"^maxRetransmits must be an int in 0\.\.65535 or None$"):
        pc.createDataChannel("x", maxRetransmits="3")
    with pytest.raises(error, match="id must be an int in 0..65534" if module is webrtc
                       else "ID must be in range 0-65534 if data channel is negotiated out-of-band"):
        pc.createDataChannel("x", id=-1, negotiated=True)
    with pytest.raises(error, match="^ordered and negotiated must be bool$"):
        pc.createDataChannel("x", ordered={"ordered": False})
    with pytest.raises(error, match="^ordered and negotiated must be bool$"):
        pc.createDataChannel("x", negotiated="yes", id=1)
    with pytest.raises(TypeError, match="configuration must be an RTCConfiguration"):
        module.RTCPeerConnection("not a configuration")
    with pytest.raises(TypeError):
        module.RTCPeerConnection(module.RTCConfiguration(iceServers=[module.RTCIceServer(urls=5)]))
    with pytest.raises(ValueError, match="^malformed uri: invalid scheme in 'http://x'$"):
        module.RTCPeerConnection(module.RTCConfiguration(iceServers=[module.RTCIceServer("http://x")]))
    with pytest.raises(ValueError, match="^bundlePolicy must be one of 'balanced', 'max-compat', 'max-bundle'"):
        module.RTCPeerConnection(module.RTCConfiguration(bundlePolicy="sometimes"))
    with pytest.raises(ValueError, match="^TURN server 'turn:127.0.0.1' needs a username and a credential$"):
        module.RTCPeerConnection(module.RTCConfiguration(iceServers=[module.RTCIceServer("turn:127.0.0.1")]))
    if module is compat:
        with pytest.raises(ValueError, match="stun must not contain transport"):
            compat.RTCPeerConnection(compat.RTCConfiguration(iceServers=[compat.RTCIceServer("stun:127.0.0.1?transport=udp")]))


async def test_compat_non_str_label_is_a_type_error_as_in_aiortc(closing):
    # aiortc fails on len() of the label: a TypeError.
    with pytest.raises(TypeError, match="label must be a str"):
        new_pc(compat, closing).createDataChannel(123)
    with pytest.raises(TypeError, match="protocol must be a str"):
        new_pc(compat, closing).createDataChannel("x", protocol=5)


@pytest.mark.parametrize("module", LAYERS)
async def test_channel_id_beyond_max_channels_is_an_operation_error(closing, module):
    # libwebrtc takes ids 0..1023 only, and refused higher ones with an INTERNAL_ERROR
    # (found by tools/fuzz/data_channel.py).
    pc = new_pc(module, closing)
    for negotiated in (True, False):
        for channel_id in (1024, 65534):
            # The same class in both layers (aiortc_compat.exceptions.OperationError).
            with pytest.raises(webrtc.OperationError,
                               match=rf"^data channel id {channel_id} is not below maxChannels \(1024\)$"):
                pc.createDataChannel("x", negotiated=negotiated, id=channel_id)
    assert pc.createDataChannel("x", negotiated=True, id=1023).id == 1023


@pytest.mark.parametrize("rate", [1, 999, 768001, 2**31 - 1])
def test_audio_frame_with_an_absurd_sample_rate_is_refused(rate):
    # FFmpeg's resampler took 3 s and 1.6 GB for 1 Hz, and failed with a MemoryError for
    # 2**31 - 1 (found by tools/fuzz/frames.py).
    av = pytest.importorskip("av")
    import numpy as np
    from webrtc._mediapump import AudioFeeder

    feeder = AudioFeeder(webrtc._native.AudioSource("absurd-rate"))
    frame = av.AudioFrame.from_ndarray(np.zeros((1, 1920), np.int16), format="s16", layout="stereo")
    frame.sample_rate = rate
    with pytest.raises(ValueError, match=rf"^the audio frame's sample_rate {rate} is out of range "
                                         r"\(1000\.\.768000 Hz\)$"):
        feeder.push(frame)
    frame.sample_rate = 7350  # AAC's lowest rate still goes through the resampler
    feeder.push(frame)


def test_video_frame_ffmpeg_cannot_convert_is_a_value_error():
    # FFmpeg's scaler cannot read rgbaf32le: PyAV's OSError ("Operation not supported") came
    # out of the sender's feeder (found by tools/fuzz/frames.py).
    av = pytest.importorskip("av")
    if int(av.__version__.split(".")[0]) < 18:
        # PyAV 16.1 (the free-threaded CPython's wheel, with FFmpeg's swscale 9.1) crashes in
        # reformat() on such a frame instead of raising: PyAV's fault, nothing ours can catch.
        pytest.skip(f"PyAV {av.__version__} segfaults converting rgbaf32le")
    import numpy as np
    from webrtc._mediapump import VideoFeeder

    feeder = VideoFeeder(webrtc._native.VideoSource("unconvertible"))
    frame = av.VideoFrame.from_ndarray(np.zeros((8, 8, 4), np.float32), format="rgbaf32le")
    with pytest.raises(ValueError, match=r"^cannot convert a rgbaf32le video frame to yuv420p: "):
        feeder.push(frame)
    feeder.push(av.VideoFrame(width=8, height=8, format="gbrpf32le"))  # one it can convert


@pytest.mark.parametrize("module", LAYERS)
async def test_closing_twice_and_use_after_close(module):
    pc = module.RTCPeerConnection(configuration(module))
    channel = pc.createDataChannel("x")
    await pc.close()
    await pc.close()
    channel.close()
    channel.close()
    with pytest.raises(module.InvalidStateError):
        await pc.createOffer()
    with pytest.raises(module.InvalidStateError):
        await pc.setRemoteDescription(module.RTCSessionDescription(sdp="v=0\r\n", type="offer"))
    with pytest.raises(module.InvalidStateError):
        pc.createDataChannel("late")
    with pytest.raises(module.InvalidStateError):
        channel.send("x")


@pytest.mark.parametrize("module", LAYERS)
def test_calls_from_a_different_event_loop(module):
    pc = module.RTCPeerConnection(configuration(module))
    pc.createDataChannel("x")
    first = asyncio.new_event_loop()
    try:
        first.run_until_complete(pc.createOffer())
        second = asyncio.new_event_loop()
        try:
            with pytest.raises(RuntimeError, match="different event loop"):
                second.run_until_complete(pc.createOffer())
        finally:
            second.close()
        first.run_until_complete(pc.close())
    finally:
        first.close()


def test_log_level_and_loopback_switch():
    with pytest.raises(ValueError, match="^log level must be none, error, warning, info or verbose$"):
        webrtc.set_log_level("loud")
    webrtc.set_log_level("none")
    # Only lo exists here: with loopback off a connection gathers no candidate at all.
    try:
        webrtc.allow_loopback(False)
        assert gathered_addresses() == []
    finally:
        webrtc.allow_loopback(True)
    assert gathered_addresses() == ["127.0.0.1"]


def gathered_addresses() -> list[str]:
    async def gather():
        pc = webrtc.RTCPeerConnection(configuration(webrtc))
        pc.createDataChannel("x")
        await pc.setLocalDescription(await pc.createOffer())
        await wait_for(lambda: pc.iceGatheringState == "complete")
        lines = [line for line in pc.localDescription.sdp.splitlines() if line.startswith("a=candidate:")]
        await pc.close()
        return sorted({line.split()[4] for line in lines})

    return asyncio.run(gather())


def test_loopback_off_by_default():
    # Without WEBRTC_ALLOW_LOOPBACK (a fresh interpreter; this one has it on), nothing is
    # gathered on 127.0.0.1, as in browsers.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "WEBRTC_ALLOW_LOOPBACK"}
    script = (
        "import asyncio, webrtc\n"
        "async def main():\n"
        "    pc = webrtc.RTCPeerConnection(webrtc.RTCConfiguration(iceServers=[]))\n"
        "    pc.createDataChannel('x')\n"
        "    await pc.setLocalDescription(await pc.createOffer())\n"
        "    while pc.iceGatheringState != 'complete':\n"
        "        await asyncio.sleep(0.01)\n"
        "    print('candidates', pc.localDescription.sdp.count('a=candidate:'))\n"
        "    await pc.close()\n"
        "asyncio.run(asyncio.wait_for(main(), 20))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "candidates 0" in result.stdout
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, env={**env, "WEBRTC_ALLOW_LOOPBACK": "1"})
    assert "candidates 0" not in result.stdout and "candidates" in result.stdout, result.stderr[-2000:]


async def offer_sdp(closing):
    pc = new_pc(webrtc, closing)
    pc.createDataChannel("x")
    await pc.setLocalDescription(await pc.createOffer())
    await wait_for(lambda: pc.iceGatheringState == "complete")
    return pc, pc.localDescription.sdp


@pytest.mark.parametrize("module", LAYERS)
@pytest.mark.parametrize(
    "mutation,message",
    [
        # unknown media type, unknown DTLS role: both crashed when answering
        (("m=application", "m=applicati65535n"), "unsupported media type 'applicati65535n'"),
        (("a=setup:actpass", "a=setup:holdconn"), "DTLS setup attribute must be 'actpass', 'active' or 'passive'"),
        (("a=max-message-size:262144", "a=max-message-size:-5"), "bad max-message-size '-5'"),
        (("a=max-message-size:262144", "a=max-message-size:lots"), "bad max-message-size 'lots'"),
    ],
    ids=["unknown-media", "holdconn", "negative-max-size", "garbage-max-size"],
)
async def test_sdp_that_libwebrtc_would_crash_on(closing, module, mutation, message):
    _, sdp = await offer_sdp(closing)
    pc = new_pc(module, closing)
    with pytest.raises(ValueError, match=message):
        await pc.setRemoteDescription(module.RTCSessionDescription(sdp=sdp.replace(*mutation), type="offer"))
    assert pc.signalingState == "stable"


async def test_zero_max_message_size_means_no_limit(closing):
    offerer, sdp = await offer_sdp(closing)
    answerer = new_pc(webrtc, closing)
    remote = []
    answerer.on("datachannel", remote.append)
    await answerer.setRemoteDescription(
        webrtc.RTCSessionDescription(sdp=sdp.replace("a=max-message-size:262144", "a=max-message-size:0"), type="offer")
    )
    assert "a=max-message-size:0" in answerer.remoteDescription.sdp  # as given
    await answerer.setLocalDescription(await answerer.createAnswer())
    await wait_for(lambda: answerer.iceGatheringState == "complete")
    await offerer.setRemoteDescription(answerer.localDescription)
    await wait_for(lambda: remote and remote[0].readyState == "open")
    assert answerer.sctp.maxMessageSize == 262144  # our own limit still applies
    remote[0].send(bytes(262144))


async def test_actpass_answer_is_refused(closing):
    offerer, _ = await offer_sdp(closing)
    answerer = new_pc(webrtc, closing)
    await answerer.setRemoteDescription(offerer.localDescription)
    answer = await answerer.createAnswer()
    bad = answer.sdp.replace("a=setup:active", "a=setup:actpass")
    with pytest.raises(ValueError, match="'active' or 'passive' for an answer"):
        await offerer.setRemoteDescription(webrtc.RTCSessionDescription(sdp=bad, type="answer"))


@pytest.mark.parametrize("module", LAYERS)
async def test_local_sdp_with_unknown_media_type(closing, module):
    pc = new_pc(module, closing)
    pc.createDataChannel("x")
    offer = await pc.createOffer()
    munged = module.RTCSessionDescription(sdp=offer.sdp.replace("m=application", "m=app9ication"), type="offer")
    with pytest.raises(ValueError, match="unsupported media type"):
        await pc.setLocalDescription(munged)
    await pc.setLocalDescription(offer)  # still usable
    assert pc.signalingState == "have-local-offer"


@pytest.mark.parametrize("module", LAYERS)
async def test_text_that_is_not_utf8_encodable(closing, module):
    pc = new_pc(module, closing)
    # As aiortc (and str.encode) refuse them.
    with pytest.raises(UnicodeEncodeError, match="surrogates not allowed"):
        pc.createDataChannel("\ud800")
    with pytest.raises(UnicodeEncodeError, match="surrogates not allowed"):
        pc.createDataChannel("x", protocol="\udfff")
    with pytest.raises(ValueError, match="UTF-8"):
        await pc.setRemoteDescription(module.RTCSessionDescription(sdp="v=0\ud800", type="offer"))
    a, b = new_pc(module, closing), new_pc(module, closing)
    channel = a.createDataChannel("x")
    remote = []
    b.on("datachannel", remote.append)
    from conftest import connect_full

    await connect_full(a, b)
    await wait_for(lambda: channel.readyState == "open" and remote)
    with pytest.raises(UnicodeEncodeError, match="surrogates not allowed"):
        channel.send("\ud800")
    if module is webrtc:
        with pytest.raises(ValueError, match=r"malformed ICE candidate \(not ASCII\)"):
            await b.addIceCandidate(webrtc.RTCIceCandidate("candidate:1 1 udp 1 127.0.0.1 9 typ host\ud800", sdpMid="0"))
    else:
        from webrtc.aiortc_compat.sdp import candidate_from_sdp

        candidate = candidate_from_sdp("1 1 udp 1 127.0.0.1 9 typ host")
        candidate.ip = "127.0.0.\ud800"
        candidate.sdpMid = "0"
        with pytest.raises(ValueError, match=r"malformed ICE candidate \(not ASCII\)"):
            await b.addIceCandidate(candidate)
    received = []
    remote[0].on("message", received.append)
    channel.send("still fine")
    await wait_for(lambda: received == ["still fine"])


@pytest.mark.parametrize("module", LAYERS)
async def test_bad_transceiver_arguments(closing, module):
    pc = new_pc(module, closing)
    # W3C: TypeError; aiortc raises its InternalError with its own messages.
    from webrtc.aiortc_compat.exceptions import InternalError

    expected = InternalError if module is compat else TypeError
    with pytest.raises(expected):
        pc.addTransceiver("data")
    with pytest.raises(expected):
        if module is compat:
            pc.addTransceiver("video", direction="sideways")
        else:
            pc.addTransceiver("video", {"direction": "sideways"})
    if module is compat:
        with pytest.raises(InternalError, match='Invalid track kind "42"'):
            pc.addTransceiver(42)
    else:
        with pytest.raises(TypeError, match="kind 'audio' or 'video'"):
            pc.addTransceiver(42)
    transceiver = pc.addTransceiver("video")
    assert transceiver.receiver.track.kind == "video"
    assert transceiver.receiver.track.readyState == "live"
    await pc.close()
    with pytest.raises(webrtc.InvalidStateError):
        pc.addTransceiver("audio")
    # A track that ended with its connection refuses recv() at once.
    with pytest.raises(webrtc.MediaStreamError):
        await asyncio.wait_for(transceiver.receiver.track.recv(), 2)


# ---- remote media sections that libwebrtc fails part-way (src/webrtc/_sdpmedia.py) ----

def section_edit(kind, edit):
    """A mutation that applies `edit` to the offer's `kind` media section."""
    def mutate(sdp):
        parts = re.split(r"(?=^m=)", sdp, flags=re.M)
        return "".join(edit(part) if part.startswith(f"m={kind}") else part for part in parts)
    return mutate


def only_codec(kind, name, renamed=None, direction=None):
    """Keep the first payload type of codec `name` in the section (renamed, if given)."""
    def edit(section):
        pt = re.search(rf"a=rtpmap:(\d+) {name}/", section).group(1)
        lines = section.split("\r\n")
        header = lines[0].split(" ")
        out = [" ".join(header[:3] + [pt])]
        for line in lines[1:]:
            match = re.match(r"a=(rtpmap|fmtp|rtcp-fb):(\d+)", line)
            if match and match.group(2) != pt:
                continue
            if renamed and line.startswith(f"a=rtpmap:{pt} "):
                line = line.replace(f"{name}/", f"{renamed}/", 1)
            if direction and line == "a=sendrecv":
                line = f"a={direction}"
            out.append(line)
        return "\r\n".join(out)
    return section_edit(kind, edit)


def first_apt(replacement):
    return lambda sdp: re.sub(r"a=fmtp:(\d+) apt=\d+", lambda m: f"a=fmtp:{m.group(1)} {replacement(m.group(1))}", sdp, count=1)


def duplicate_ssrc(sdp):
    ssrcs = re.findall(r"a=ssrc:(\d+) cname", sdp)
    return sdp.replace(ssrcs[-1], ssrcs[0])


def inverted_bitrates(sdp):
    pt = re.search(r"a=rtpmap:(\d+) VP8/90000", sdp).group(1)
    return sdp.replace(f"a=rtpmap:{pt} VP8/90000\r\n", f"a=rtpmap:{pt} VP8/90000\r\n"
                       f"a=fmtp:{pt} x-google-min-bitrate=900;x-google-max-bitrate=100\r\n", 1)


def mono_opus(sdp):
    """Opus alone in the audio section, as opus/48000 (one channel, which libwebrtc cannot send)."""
    return only_codec("audio", "opus")(sdp).replace("opus/48000/2", "opus/48000")


def undeclared_rtx_ssrc(sdp):
    primary, rtx = re.search(r"a=ssrc-group:FID (\d+) (\d+)", sdp).groups()
    return sdp.replace(f"a=ssrc:{rtx} ", f"a=ssrc:{int(rtx) + 1} ")


PARTWAY_FAILURES = {
    "rtx-without-apt": (first_apt(lambda pt: "rtx-time=3000"), "RTX payload type"),
    "rtx-apt-unknown-pt": (first_apt(lambda pt: "apt=55"), "RTX payload type"),
    "rtx-apt-to-itself": (first_apt(lambda pt: f"apt={pt}"), "RTX payload type"),
    "video-only-rtx": (only_codec("video", "rtx"), "RTX payload type"),
    "video-codec-we-cannot-send": (only_codec("video", "VP8", renamed="FOO"), "none of the video codecs"),
    "audio-codec-we-cannot-send": (only_codec("audio", "opus", renamed="FOO"), "none of the audio codecs"),
    "audio-we-cannot-send-inactive": (only_codec("audio", "opus", renamed="FOO", direction="inactive"),
                                      "none of the audio codecs"),
    "mono-opus": (mono_opus, "none of the audio codecs"),
    "inverted-bitrates": (inverted_bitrates, "x-google-max-bitrate 100 below"),
    "extension-id-twice": (lambda sdp: sdp.replace("a=rtcp-mux\r\n", "a=rtcp-mux\r\na=extmap:1 urn:x-other\r\n", 1),
                           "extension id 1 is given to both"),
    "ssrc-in-two-sections": (duplicate_ssrc, "SSRC .* is used by m-sections"),
    "extension-id-zero": (lambda sdp: re.sub(r"a=extmap:1 ", "a=extmap:0 ", sdp, count=1),
                          "extension id 0 .* is not in 1..255"),
    "rtx-ssrc-undeclared": (undeclared_rtx_ssrc, "RTX SSRC .* has no a=ssrc line"),
}

# What libwebrtc applies, so the checks must let it through.
PARTWAY_CONTROLS = {
    "video-we-cannot-send-sendonly": only_codec("video", "VP8", renamed="FOO", direction="sendonly"),
    "stereo-pcmu": lambda sdp: only_codec("audio", "PCMU")(sdp).replace("PCMU/8000", "PCMU/8000/2"),
    "lowercase-vp8": lambda sdp: sdp.replace("VP8/90000", "vp8/90000"),
    "h264-only": only_codec("video", "H264"),
    "extension-line-twice": lambda sdp: re.sub(r"(a=extmap:1 [^\r]*\r\n)", r"\1\1", sdp, count=1),
}


async def media_offer_sdp():
    pc = webrtc.RTCPeerConnection(configuration(webrtc))
    try:
        pc.addTransceiver("audio")
        pc.addTransceiver("video")
        pc.createDataChannel("x")
        return (await pc.createOffer()).sdp
    finally:
        await pc.close()


@pytest.mark.parametrize("module", LAYERS)
@pytest.mark.parametrize("case", list(PARTWAY_FAILURES))
async def test_remote_media_libwebrtc_fails_part_way_is_refused_first(closing, module, case):
    """libwebrtc M108 moves the signaling state before it pushes codecs, extensions and
    SSRCs down, and when that fails it keeps the new state and refuses every later offer and
    answer. Such a description is refused before libwebrtc sees it: the state stays, and the
    same connection then takes a good offer and answers it."""
    mutate, message = PARTWAY_FAILURES[case]
    offer = await media_offer_sdp()
    bad = mutate(offer)
    assert bad != offer
    pc = new_pc(module, closing)
    with pytest.raises(ValueError, match=message):
        await pc.setRemoteDescription(module.RTCSessionDescription(sdp=bad, type="offer"))
    assert pc.signalingState == "stable"
    await pc.setRemoteDescription(module.RTCSessionDescription(sdp=offer, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    assert pc.signalingState == "stable"


@pytest.mark.parametrize("case", list(PARTWAY_CONTROLS))
async def test_remote_media_libwebrtc_applies_is_not_refused(closing, case):
    offer = await media_offer_sdp()
    edited = PARTWAY_CONTROLS[case](offer)
    assert edited != offer
    pc = new_pc(webrtc, closing)
    await pc.setRemoteDescription(webrtc.RTCSessionDescription(sdp=edited, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    assert pc.signalingState == "stable"



@pytest.mark.parametrize("module", LAYERS)
async def test_pranswer_section_without_ice_credentials_is_refused(closing, module):
    """A provisional answer whose second section has candidates but no ice-ufrag/ice-pwd
    aborted the process on libwebrtc's first ping from that section's own transport (BUNDLE
    waits for the final answer): src/webrtc/_sdpcheck.py refuses it."""
    answerer = new_pc(webrtc, closing)
    offerer = new_pc(module, closing)
    for pc in (offerer, answerer):
        pc.addTransceiver("audio")
        pc.addTransceiver("video")
    await offerer.setLocalDescription(await offerer.createOffer())
    await answerer.setRemoteDescription(webrtc.RTCSessionDescription(
        sdp=offerer.localDescription.sdp, type="offer"))
    answer = (await answerer.createAnswer()).sdp
    sections = re.split(r"(?=^m=)", answer, flags=re.M)
    sections[2] = re.sub(r"a=ice-(ufrag|pwd):[^\r]*\r\n", "", sections[2]).replace(
        "a=rtcp-mux\r\n", "a=rtcp-mux\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n", 1)
    with pytest.raises(ValueError, match="m-section 1 of a pranswer has no ice-ufrag and ice-pwd"):
        await offerer.setRemoteDescription(module.RTCSessionDescription(
            sdp="".join(sections), type="pranswer"))
    assert offerer.signalingState == "have-local-offer"
    await asyncio.sleep(0.5)  # the process would have aborted by now
    await offerer.setRemoteDescription(module.RTCSessionDescription(sdp=answer, type="pranswer"))
    assert offerer.signalingState == "have-remote-pranswer"
