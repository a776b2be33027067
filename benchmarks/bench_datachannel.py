"""Data channel benchmarks: python-webrtc (W3C and aiortc_compat layers), wrtc and aiortc, in
one run, over loopback. Run through scripts/benchmark.sh (a loopback-only network namespace).

  setup       createOffer until the channel is open on both sides (median of --runs pairs,
              30 by default)
  throughput  64 MiB in 16 KiB binary messages, keeping bufferedAmount bounded
  messages    10,000 messages of 100 bytes, sent back to back, until all have arrived; also
              the CPU time the process spent meanwhile (all threads, both peers)

  two processes: throughput and messages again with the answerer in a child process
              (`bench_datachannel.py --peer KEY`), the usual deployment. Signaling is full
              SDP (no trickle) as JSON lines over the child's stdin and stdout. The child
              reports the CLOCK_MONOTONIC time of the last arrival and its own CPU time from
              the start signal to then; the parent's CPU runs from its first send until it
              reads that report.

In one process the W3C columns (ours and wrtc) trickle candidates; the aiortc-style ones
exchange full SDP, which is what aiortc supports.

The wrtc column (wrtc 0.1.0 from PyPI, libwebrtc M152) needs its own venv, since its package
is called ``webrtc`` too:

  python3 -m venv ~/.cache/python-webrtc/wrtc-venv
  ~/.cache/python-webrtc/wrtc-venv/bin/pip install wrtc==0.1.0

When that interpreter exists (or --wrtc-python names one), this script runs itself under it
with `--only wrtc` and merges the results; without it the column is left out.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import tempfile
import time

import _dc_peer
from _dc_peer import LIBRARIES, Arrivals, channel_opened, send_bulk, send_burst

SCRIPT = os.path.abspath(__file__)
DEFAULT_WRTC_PYTHON = os.path.expanduser("~/.cache/python-webrtc/wrtc-venv/bin/python")
MESSAGE_SIZE = 100
BULK_SIZE = 16 * 1024


# ---- both peers in this process ----


async def trickle(lib, offerer, answerer) -> None:
    """Negotiate two peers of this process, trickling candidates. A candidate waits until its
    receiver has the remote description, as a signaling server would hold it. (The same as
    webrtc.demo.connect, which wrtc's venv cannot import, with events through `lib`.)"""
    waiting: dict[int, list] = {id(offerer): [], id(answerer): []}
    tasks: set[asyncio.Task] = set()

    async def forward(candidate, peer):
        if peer.signalingState == "closed":
            return
        if peer.remoteDescription is None:
            waiting[id(peer)].append(candidate)
        else:
            await peer.addIceCandidate(candidate)

    def schedule(candidate, peer):
        if candidate is not None:
            task = asyncio.ensure_future(forward(candidate, peer))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def set_remote(peer, description):
        await peer.setRemoteDescription(description)
        early, waiting[id(peer)] = waiting[id(peer)], []
        for candidate in early:
            await peer.addIceCandidate(candidate)

    lib.on(offerer, "icecandidate", lambda c: schedule(c, answerer))
    lib.on(answerer, "icecandidate", lambda c: schedule(c, offerer))
    await offerer.setLocalDescription(await offerer.createOffer())
    await set_remote(answerer, offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await set_remote(offerer, answerer.localDescription)


async def negotiate(lib, offerer, answerer) -> None:
    if lib.trickle:
        await trickle(lib, offerer, answerer)
        return
    await offerer.setLocalDescription(await offerer.createOffer())
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await offerer.setRemoteDescription(answerer.localDescription)


async def open_pair(lib):
    """Returns (seconds from createOffer to open on both sides, offerer, answerer, local, remote).

    Waits on the libraries' own events, not by polling, so the timed window is not spent
    competing with a busy event loop."""
    offerer, answerer = lib.peer(), lib.peer()
    local_open = asyncio.get_running_loop().create_future()
    remote_open = channel_opened(lib, answerer)
    local = offerer.createDataChannel("bench")
    lib.on(local, "open", lambda: local_open.done() or local_open.set_result(None))
    started = time.monotonic()
    await negotiate(lib, offerer, answerer)
    await asyncio.wait_for(local_open, 30)
    remote = await asyncio.wait_for(remote_open, 30)
    elapsed = time.monotonic() - started
    return elapsed, offerer, answerer, local, remote


async def bench_setup(lib, runs: int) -> float:
    times = []
    for _ in range(runs + 2):
        elapsed, a, b, _, _ = await open_pair(lib)
        times.append(elapsed)
        await lib.close(a)
        await lib.close(b)
    return statistics.median(times[2:]) * 1000  # two warm-up pairs


async def bench_transfer(lib, count: int, size: int, burst: bool) -> tuple[float, float]:
    """Sends count messages of size bytes; returns (seconds, CPU seconds of the process) from
    the first send to the last arrival."""
    _, a, b, local, remote = await open_pair(lib)
    arrivals = Arrivals(count * size)
    lib.on_message(remote, arrivals)
    started, cpu = time.monotonic(), time.process_time()
    if burst:
        send_burst(local, count, size)
    else:
        await send_bulk(lib, local, count * size, size)
    finished, cpu_finished = await asyncio.wait_for(arrivals.done, 300)
    await lib.close(a)
    await lib.close(b)
    return finished - started, cpu_finished - cpu


# ---- the answerer in a child process ----


class Child:
    """A `--peer KEY` process, spoken to in JSON lines."""

    def __init__(self, process) -> None:
        self.process = process

    @classmethod
    async def start(cls, key: str) -> Child:
        process = await asyncio.create_subprocess_exec(
            sys.executable, SCRIPT, "--peer", key,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 20,
        )
        child = cls(process)
        await child.receive("hello", 60)
        return child

    async def send(self, message: dict) -> None:
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        await self.process.stdin.drain()

    async def receive(self, key: str, timeout: float) -> dict:
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"the peer process exited (code {await self.process.wait()})")
        message = json.loads(line)
        if key not in message:
            raise RuntimeError(f"expected {key!r} from the peer process, got {message}")
        return message

    async def stop(self) -> None:
        try:
            await self.send({"exit": True})
            await asyncio.wait_for(self.process.wait(), 30)
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()


async def bench_two_process(lib, child: Child, count: int, size: int, burst: bool) -> dict:
    """Sends count messages of size bytes to the child; returns seconds (first send to the
    child's last arrival) and the CPU seconds of both processes."""
    pc = lib.peer()
    local = pc.createDataChannel("bench")
    local_open = asyncio.get_running_loop().create_future()
    lib.on(local, "open", lambda: local_open.done() or local_open.set_result(None))
    await lib.set_local(pc, pc.createOffer)
    await child.send({"offer": lib.description_of(pc)})
    answer = await child.receive("answer", 60)
    await pc.setRemoteDescription(lib.description_from(answer["answer"]))
    await asyncio.wait_for(local_open, 30)
    await child.receive("open", 30)
    await child.send({"start": count * size})
    await child.receive("ready", 30)
    started, cpu = time.monotonic(), time.process_time()
    if burst:
        send_burst(local, count, size)
    else:
        await send_bulk(lib, local, count * size, size)
    done = await child.receive("done", 300)
    cpu_sender = time.process_time() - cpu
    await lib.close(pc)
    await child.send({"close": True})
    await child.receive("closed", 30)
    return {"seconds": done["done"] - started, "cpu_sender": cpu_sender,
            "cpu_receiver": done["cpu"]}


# ---- running and reporting ----


async def measure(lib, args) -> dict:
    lib.load()
    gc.collect()
    megabytes, messages = args.megabytes, args.messages
    bulk_count = megabytes * 1024 * 1024 // BULK_SIZE
    result = {"setup_ms": await bench_setup(lib, args.runs)}
    seconds, cpu = await bench_transfer(lib, bulk_count, BULK_SIZE, burst=False)
    result["throughput_mb_s"] = bulk_count * BULK_SIZE / seconds / 1e6
    result["throughput_cpu_s"] = cpu
    seconds, cpu = await bench_transfer(lib, messages, MESSAGE_SIZE, burst=True)
    result["messages_per_s"] = messages / seconds
    result["messages_cpu_s"] = cpu
    result["messages_cpu_us"] = cpu / messages * 1e6
    if not args.no_two_process:
        child = await Child.start(lib.key)
        try:
            bulk = await bench_two_process(lib, child, bulk_count, BULK_SIZE, burst=False)
            burst = await bench_two_process(lib, child, messages, MESSAGE_SIZE, burst=True)
        finally:
            await child.stop()
        result["tp_throughput_mb_s"] = bulk_count * BULK_SIZE / bulk["seconds"] / 1e6
        result["tp_throughput_cpu_sender_s"] = bulk["cpu_sender"]
        result["tp_throughput_cpu_receiver_s"] = bulk["cpu_receiver"]
        result["tp_messages_per_s"] = messages / burst["seconds"]
        result["tp_messages_cpu_sender_s"] = burst["cpu_sender"]
        result["tp_messages_cpu_receiver_s"] = burst["cpu_receiver"]
        result["tp_messages_cpu_us"] = (burst["cpu_sender"] + burst["cpu_receiver"]) / messages * 1e6
    return result


async def measure_elsewhere(python: str, key: str, args) -> dict | None:
    """Runs this script under another interpreter for one library; its results, or None."""
    with tempfile.TemporaryDirectory() as directory:
        out = os.path.join(directory, "results.json")
        command = [python, SCRIPT, "--only", key, "--json", out, "--no-table",
                   "--runs", str(args.runs), "--megabytes", str(args.megabytes),
                   "--messages", str(args.messages)]
        if args.no_two_process:
            command.append("--no-two-process")
        process = await asyncio.create_subprocess_exec(*command)
        if await process.wait() != 0 or not os.path.exists(out):
            print(f"  {key} under {python} failed (exit code {process.returncode})", file=sys.stderr)
            return None
        with open(out) as f:
            results = json.load(f)
    return results.get(LIBRARIES[key].name)


async def main(args) -> dict:
    keys = args.only.split(",") if args.only else list(LIBRARIES)
    unknown = [k for k in keys if k not in LIBRARIES]
    if unknown:
        raise SystemExit(f"unknown libraries {unknown}; choose from {list(LIBRARIES)}")
    wrtc_python = args.wrtc_python or (DEFAULT_WRTC_PYTHON if os.path.exists(DEFAULT_WRTC_PYTHON) else None)
    results: dict[str, dict[str, float]] = {}
    for key in keys:
        lib = LIBRARIES[key]
        if key == "wrtc" and args.no_wrtc:
            continue
        if lib.available():
            results[lib.name] = await measure(lib, args)
            print(f"  measured {lib.name}", file=sys.stderr)
        elif key == "wrtc" and wrtc_python:
            measured = await measure_elsewhere(wrtc_python, key, args)  # it says "measured"
            if measured is not None:
                results[lib.name] = measured
        elif args.only or key != "wrtc":
            print(f"  {lib.name}: not importable here, skipped", file=sys.stderr)
    return results


def report(results: dict, args) -> None:
    base = results.get(LIBRARIES["aiortc"].name)
    mib = f"{args.megabytes} MiB / 16 KiB"
    burst = f"{args.messages:,} x 100 B"
    # (label, key, format, ratio): ratio "higher"/"lower" is better, or None for no ratio row
    rows = [
        ("setup (median, ms)", "setup_ms", ".1f", "lower"),
        (f"throughput {mib} (MB/s)", "throughput_mb_s", ".1f", "higher"),
        (f"{burst} messages (msg/s)", "messages_per_s", ".1f", "higher"),
        ("  CPU, both peers (s)", "messages_cpu_s", ".3f", None),
        ("  CPU per message (us)", "messages_cpu_us", ".1f", "lower"),
        ("two processes", None, "", None),
        (f"throughput {mib} (MB/s)", "tp_throughput_mb_s", ".1f", "higher"),
        ("  CPU, sender (s)", "tp_throughput_cpu_sender_s", ".3f", None),
        ("  CPU, receiver (s)", "tp_throughput_cpu_receiver_s", ".3f", None),
        (f"{burst} messages (msg/s)", "tp_messages_per_s", ".1f", "higher"),
        ("  CPU, sender (s)", "tp_messages_cpu_sender_s", ".3f", None),
        ("  CPU, receiver (s)", "tp_messages_cpu_receiver_s", ".3f", None),
        ("  CPU per message, both (us)", "tp_messages_cpu_us", ".1f", "lower"),
    ]
    names = list(results)
    width = 40
    print(f"{'':{width}}" + "".join(f"{n:>24}" for n in names))
    for label, key, fmt, ratio in rows:
        if key is None:  # a section header, shown when one of its rows is
            if any(k.startswith("tp_") for n in names for k in results[n]):
                print(label)
            continue
        if not any(key in results[n] for n in names):
            continue
        values = [results[n].get(key) for n in names]
        print(f"{label:{width}}" + "".join(
            f"{v:>24{fmt}}" if v is not None else f"{'-':>24}" for v in values))
        if ratio is None or base is None or not base.get(key):
            continue
        ratios = []
        for v in values:
            if not v:
                ratios.append("-")
            else:
                ratios.append(f"{(base[key] / v if ratio == 'lower' else v / base[key]):.1f}x")
        print(f"{'  vs aiortc':{width}}" + "".join(f"{r:>24}" for r in ratios))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="pairs for the setup median (30)")
    parser.add_argument("--megabytes", type=int, default=64, help="MiB for throughput (64)")
    parser.add_argument("--messages", type=int, default=10000, help="100 B messages (10000)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--only", help="comma-separated libraries: " + ",".join(LIBRARIES))
    parser.add_argument("--no-two-process", action="store_true",
                        help="skip the variant with the answerer in a child process")
    parser.add_argument("--wrtc-python", help="interpreter with wrtc installed (default "
                        f"{DEFAULT_WRTC_PYTHON}, if it exists)")
    parser.add_argument("--no-wrtc", action="store_true", help="leave the wrtc column out")
    parser.add_argument("--no-table", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--peer", metavar="KEY", help=argparse.SUPPRESS)  # the child's role
    arguments = parser.parse_args()
    if arguments.peer:
        asyncio.run(_dc_peer.serve(LIBRARIES[arguments.peer]))
        sys.exit(0)
    outcome = asyncio.run(main(arguments))
    if not arguments.no_table:
        report(outcome, arguments)
    if arguments.json:
        with open(arguments.json, "w") as f:
            json.dump(outcome, f, indent=2)
