"""Randomized lifecycle stress for data channels and connections (a development tool, not
part of the test suite): random sends, closes, late channels, connection closes, garbage
collection, stats and renegotiation attempts on pairs of peers. It prints the outcome
counts and exits with the status of a crash if one happens.

Run inside the loopback namespace:
  WEBRTC_TESTS_OUTSIDE_NETNS=1 scripts/netns-run .venv/bin/python tools/chaos_datachannels.py SEED
"""

import asyncio
import gc
import os
import random
import sys

import webrtc
from webrtc import aiortc_compat as compat

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from conftest import connect_trickle, connect_full

webrtc.allow_loopback()
rng = random.Random(int(sys.argv[1]))
log = open(os.environ.get("CHAOS_LOG", os.devnull), "w")


async def main():
    stats = {}
    for round_ in range(25):
        mod = rng.choice([webrtc, compat])
        a = mod.RTCPeerConnection(mod.RTCConfiguration(iceServers=[]))
        b = mod.RTCPeerConnection(mod.RTCConfiguration(iceServers=[]))
        chans = [
            a.createDataChannel(f"c{i}", ordered=rng.random() < 0.5)
            for i in range(rng.randint(1, 4))
        ]
        remote = []
        b.on("datachannel", remote.append)
        try:
            if mod is webrtc:
                await asyncio.wait_for(connect_trickle(a, b), 10)
            else:
                await asyncio.wait_for(connect_full(a, b), 10)
        except Exception as e:
            stats[type(e).__name__] = stats.get(type(e).__name__, 0) + 1
        for step in range(rng.randint(5, 60)):
            op = rng.random()
            log.write(
                f"round {round_} step {step} op {op:.3f} a={a.signalingState}/{a.connectionState} b={b.signalingState}/{b.connectionState} chans={[(c.label, c.id, c.readyState) for c in chans]} remote={[(c.label, c.id, c.readyState) for c in remote]}\n"
            )
            log.flush()
            try:
                if op < 0.5:
                    ch = rng.choice(chans + remote) if chans or remote else None
                    if ch is not None:
                        for _ in range(rng.randint(1, 50)):
                            ch.send(
                                rng.choice(
                                    [
                                        b"x" * rng.randint(0, 70000),
                                        "y" * rng.randint(0, 3000),
                                    ]
                                )
                            )
                elif op < 0.6:
                    rng.choice(chans + remote).close()
                elif op < 0.65:
                    neg = rng.random() < 0.3
                    cid = rng.randint(0, 100)
                    log.write(f"  create late negotiated={neg} id={cid}\n")
                    log.flush()
                    chans.append(a.createDataChannel("late", negotiated=neg, id=cid))
                elif op < 0.7:
                    await rng.choice([a, b]).close()
                elif op < 0.75:
                    del remote[:]
                    gc.collect()
                elif op < 0.8:
                    await rng.choice([a, b]).getStats()
                elif op < 0.85:
                    await rng.choice([a, b]).setLocalDescription(await a.createOffer())
                else:
                    await asyncio.sleep(rng.random() * 0.02)
                r = "ok"
            except Exception as e:
                r = type(e).__name__
            stats[r] = stats.get(r, 0) + 1
        if rng.random() < 0.5:
            await a.close()
            await b.close()
        del a, b, chans, remote
        if rng.random() < 0.5:
            gc.collect()
    print(stats)


asyncio.run(main())
