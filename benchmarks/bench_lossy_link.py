"""8 MiB over a reliable ordered data channel through a lossy link: python-webrtc, wrtc and
aiortc in one run. Two network namespaces joined by a veth pair, nftables dropping a share
of the UDP packets each receives (_veth_link.py); one peer process per namespace
(_link_peer.py), full SDP relayed by this script. Needs root.

    python benchmarks/bench_lossy_link.py [--loss 10 30] [--runs 3] [--timeout 60]

For each library and loss rate, every run prints the seconds until the last byte arrived
(or how much arrived before the timeout: a stall) and whether the sha256 matched. wrtc runs
from its own venv (see bench_datachannel.py) when it exists.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

import _veth_link
from _dc_peer import LIBRARIES
from _link_peer import LinkPeer, connect

DEFAULT_WRTC_PYTHON = os.path.expanduser("~/.cache/python-webrtc/wrtc-venv/bin/python")
SIZE = 16 * 1024
COUNT = 512  # 8 MiB


async def one_run(key: str, python: str, loss: int, timeout: float) -> dict:
    with _veth_link.VethLink() as link:
        peers = []
        try:
            for side in (0, 1):
                os.environ["DC_PEER_HOST_ADDRESS"] = link.addresses[side]  # aiortc's host address
                peers.append(await LinkPeer.start(link.command(side), key, python))
            offerer, answerer = peers
            await connect(offerer, answerer, [{"label": "bulk"}])
            link.drop(loss)
            started = time.monotonic()
            sending = asyncio.create_task(offerer.call("send", wait=timeout + 30, label="bulk",
                                                       count=COUNT, size=SIZE))
            received = await answerer.call("receive", wait=timeout + 30, label="bulk",
                                           count=COUNT, timeout=timeout)
            try:  # the sender reports once its bufferedAmount is back to 0
                sent = await asyncio.wait_for(sending, 5)
            except (asyncio.TimeoutError, RuntimeError):
                sent = None
            complete = received["messages"] == COUNT
            return {"complete": complete, "bytes": received["bytes"],
                    "seconds": (received["latest"] or started) - started,
                    "intact": sent is not None and received["sha256"] == sent["sha256"],
                    "dropped": link.dropped()}
        finally:
            for peer in peers:
                await peer.stop()


async def main(args) -> None:
    columns = [("webrtc", sys.executable), ("wrtc", args.wrtc_python), ("aiortc", sys.executable)]
    columns = [(key, python) for key, python in columns
               if key in args.only and python and os.path.exists(python)
               and (key != "aiortc" or LIBRARIES["aiortc"].available())]
    for loss in args.loss:
        for key, python in columns:
            outcomes = []
            for _ in range(args.runs):
                try:
                    outcome = await one_run(key, python, loss, args.timeout)
                except Exception as error:  # a peer that failed counts as a stall, with why
                    outcome = {"complete": False, "bytes": 0, "seconds": 0, "intact": False,
                               "dropped": 0, "error": str(error)}
                outcomes.append(outcome)
                if outcome["complete"]:
                    text = f"{outcome['seconds']:.2f} s" + ("" if outcome["intact"] else " BAD HASH")
                else:
                    text = f"STALL: {outcome['bytes'] / 1e3:.0f} KB in {args.timeout:.0f} s"
                    text += f" ({outcome['error']})" if "error" in outcome else ""
                print(f"{loss:>3}% {LIBRARIES[key].name:<22} {text}"
                      f"  [{outcome['dropped']} packets dropped]", flush=True)
            done = [o["seconds"] for o in outcomes if o["complete"]]
            if done:
                print(f"{loss:>3}% {LIBRARIES[key].name:<22} median {statistics.median(done):.2f} s,"
                      f" {len(done)} of {len(outcomes)} complete", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loss", type=int, nargs="+", default=[10], help="percent (10)")
    parser.add_argument("--runs", type=int, default=3, help="runs per library and loss (3)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds before a stall (60)")
    parser.add_argument("--only", default="webrtc,wrtc,aiortc", help="libraries (all three)")
    parser.add_argument("--wrtc-python", default=DEFAULT_WRTC_PYTHON)
    arguments = parser.parse_args()
    reason = _veth_link.available()
    if reason:
        sys.exit(f"bench_lossy_link: {reason}")
    asyncio.run(main(arguments))
