"""Delivers a native peer connection's events on the asyncio loop that uses it.

The native side appends events to a queue and signals an eventfd; the loop watches that fd
and drains every waiting event in one pass. The pump holds the native object and only a weak
reference to the Python object, so an unreferenced RTCPeerConnection can be collected.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any, Callable


class EventPump:
    def __init__(self, native: Any, owner: Any, dispatch: Callable[[Any, tuple], None]) -> None:
        self.native = native
        self.loop: asyncio.AbstractEventLoop | None = None
        self._owner = weakref.ref(owner)
        self._dispatch = dispatch
        self._fd = native.fd

    def bind(self) -> asyncio.AbstractEventLoop | None:
        """Attach to the running loop (if any) on first use; refuse a different live loop."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is None:
            return self.loop
        if self.loop is running:
            return running
        if self.loop is not None and not self.loop.is_closed():
            raise RuntimeError(
                "this object is bound to a different event loop; "
                "use it from the loop that first used it"
            )
        self.loop = running
        running.add_reader(self._fd, self.drain)
        return running

    def require_loop(self) -> asyncio.AbstractEventLoop:
        loop = self.bind()
        if loop is None:
            raise RuntimeError("no running event loop")
        return loop

    def drain(self) -> None:
        """Dispatch every waiting event, in order. One failing handler does not stop the rest."""
        owner = self._owner()
        if owner is None:
            self.detach()
            return
        if self.native is None:
            return
        for event in self.native.drain():
            try:
                self._dispatch(owner, event)
            except Exception as exc:  # a user handler raised: report it, keep going
                loop = self.loop or asyncio.get_event_loop()
                loop.call_exception_handler(
                    {"message": "Exception in a WebRTC event handler", "exception": exc}
                )

    def detach(self) -> None:
        """Stop watching the fd (on the loop's thread) and drop the native object.

        Runs when the owner is collected: the native connection is closed here, with the GIL
        released while libwebrtc tears it down, rather than later in a destructor."""
        if self.native is not None:
            try:
                self.native.close()
            except Exception:  # the engine is already shut down
                pass
        loop, self.loop = self.loop, None
        if loop is not None and not loop.is_closed():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                loop.remove_reader(self._fd)
            else:
                native = self.native
                # remove_reader must run on the loop's thread, before the fd closes.
                def remove(native=native) -> None:
                    loop.remove_reader(self._fd)
                    del native

                try:
                    loop.call_soon_threadsafe(remove)
                except RuntimeError:
                    pass
        self.native = None
