"""Preheated kernels for a class: a pool per dashboard, refills that do not starve the pages in use, no kernel
handed out dead, and a place in line for whoever arrives when no kernel is ready.

``ClassPool`` is mixed into Voila's ``VoilaKernelManager`` (voila 0.5.x, see ``voila_app``):

- **hand-out**: the kernel a page receives counts as active from that moment (``last_activity`` = now). A
  pooled kernel idle longer than the cull timeout used to be culled between its hand-out and the page's
  websocket connection, leaving the page at "Loading widget..." for good; now it has a full timeout to connect.
- **refills**: at most ``preheat_concurrency`` notebooks execute at once, and no new kernel starts while
  ``capacity`` kernels are alive (from the machine's available memory, or ``max_kernels``). Thirty pages
  opened at once then do not start thirty refills that compete with them for the CPU and double the memory.
- **queue**: a page that finds no ready kernel gets a ticket; ``ticket_status`` assigns ready kernels to
  tickets in arrival order, and the pool grows by the number of people waiting (within ``capacity``).

>>> t = Ticket("abc", "rotations.ipynb", seen=0.0)
>>> t.expired(now=100.0, timeout=30.0), t.item is None
(True, True)
"""
from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass

import psutil
from traitlets import Float, HasTraits, Int

__all__ = ["ClassPool", "Ticket", "capacity_for", "ordinal"]


@dataclass
class Ticket:
    """A visitor waiting for a kernel of ``notebook``; ``item`` is the pool entry reserved for them."""

    id: str
    notebook: str
    seen: float
    item: asyncio.Future | None = None

    def expired(self, now: float, timeout: float) -> bool:
        return now - self.seen > timeout


def capacity_for(kernel_mb: float, available_bytes: int | None = None, fraction: float = 0.8) -> int:
    """How many kernels of ``kernel_mb`` MB fit in ``fraction`` of the available memory (at least 1).

    >>> capacity_for(500, available_bytes=16 * 2**30)
    26
    """
    available = psutil.virtual_memory().available if available_bytes is None else available_bytes
    return max(1, int(fraction * available / (kernel_mb * 2**20)))


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ... ``11th``, ``12th``, ``13th``, ``21st``.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 102)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class ClassPool(HasTraits):
    """Mixin for ``VoilaKernelManager`` (put it first in the bases; see the module docstring)."""

    preheat_concurrency = Int(1, config=True, help="notebooks preheated at the same time (each keeps a core busy "
                                                   "for seconds; 1 on a 2-core machine leaves the other to the pages)")
    max_kernels = Int(0, config=True, help="kernels alive at most; 0: as many as fit in 80% of the memory "
                                           "available at start, at kernel_memory_mb each")
    kernel_memory_mb = Float(450, config=True, help="memory one dashboard kernel takes, for the capacity estimate")
    ticket_timeout = Float(20, config=True, help="seconds after which a waiting page that stopped asking "
                                                 "loses its place (its reserved kernel goes back to the pool)")

    def __init__(self, **kwargs):
        self._queues: dict[str, list[Ticket]] = {}
        self._tickets: dict[str, Ticket] = {}
        self._slots: asyncio.Semaphore | None = None
        self._preheat_seconds: list[float] = []
        super().__init__(**kwargs)  # Voila starts filling the pools here
        self.capacity = self.max_kernels or capacity_for(self.kernel_memory_mb)

    # -- hand-out -------------------------------------------------------------------------------------------
    async def get_rendered_notebook(self, notebook_name: str, extra_kernel_env_variables: dict = {}, **kwargs):
        pool = self._pools.get(notebook_name, [])
        ready = [f for f in pool if _ready(f)]
        if ready:  # Voila hands out pool[0]: make it a ready one, not a refill still executing
            pool.remove(ready[0])
            pool.insert(0, ready[0])
        render_task, rendered_cache, kernel_id = await super().get_rendered_notebook(
            notebook_name, extra_kernel_env_variables, **kwargs)
        self.touch(kernel_id)
        return render_task, rendered_cache, kernel_id

    def touch(self, kernel_id: str) -> None:
        """Count ``kernel_id`` as active now (the culler measures idleness from ``last_activity``)."""
        from jupyter_server._tz import utcnow

        if kernel_id in self:
            self.get_kernel(kernel_id).last_activity = utcnow()

    async def cull_kernel_if_idle(self, kernel_id: str):
        if any(t.item is not None and _kernel_of(t.item) == kernel_id for t in self._tickets.values()):
            return  # reserved for a waiting visitor
        return await super().cull_kernel_if_idle(kernel_id)

    # -- refills --------------------------------------------------------------------------------------------
    async def _initialize(self, notebook_path: str, kernel_id: str | None = None, **kwargs):
        if kernel_id is not None:  # a restart of an existing kernel
            return await super()._initialize(notebook_path, kernel_id, **kwargs)
        if self._slots is None:
            self._slots = asyncio.Semaphore(max(1, self.preheat_concurrency))
        async with self._slots:
            while len(self) >= getattr(self, "capacity", 1 << 30):  # wait for a page to close or a cull
                await asyncio.sleep(0.5)
            t0 = time.monotonic()
            content = await super()._initialize(notebook_path, None, **kwargs)
            try:  # hold the slot until the notebook has run: that is the CPU-heavy part
                await asyncio.shield(content["task"])
            except Exception:  # the page shows the notebook's error; the pool goes on
                pass
            self._preheat_seconds = (self._preheat_seconds + [time.monotonic() - t0])[-8:]
        return content

    def fill_if_needed(self, delay=None, notebook_name=None, extra_kernel_env_variables: dict = {}, **kwargs):
        """Voila's refill, with the pool enlarged by the number of visitors waiting for ``notebook_name``."""
        waiting = len(self._queues.get(notebook_name, ())) if notebook_name else 0
        if not waiting:
            return super().fill_if_needed(delay, notebook_name, extra_kernel_env_variables, **kwargs)
        configured = self.kernel_pools_config
        default = configured.get("default", {})
        own = configured.get(notebook_name, default)
        size = own.get("pool_size", default.get("pool_size", 1))
        try:
            self.kernel_pools_config = {**configured, notebook_name: {**own, "pool_size": size + waiting}}
            return super().fill_if_needed(delay, notebook_name, extra_kernel_env_variables, **kwargs)
        finally:
            self.kernel_pools_config = configured

    # -- queue ----------------------------------------------------------------------------------------------
    def pooled(self, notebook_name: str) -> bool:
        """Whether ``notebook_name`` is served from a pool (else Voila starts a kernel per page)."""
        return notebook_name in self._pools

    def admit(self, notebook_name: str, ticket_id: str | None = None) -> bool:
        """Whether a page for ``notebook_name`` can be rendered now from a ready kernel.

        With the ticket of a visitor whose kernel is reserved, that kernel goes first in the pool. Without a
        ticket, only when nobody is waiting and a kernel is ready.
        """
        self._expire()
        ticket = self._tickets.get(ticket_id) if ticket_id else None
        if ticket is not None:
            if ticket.item is None:
                return False
            self._drop(ticket)
            self._pools.setdefault(notebook_name, []).insert(0, ticket.item)
            return True
        return not self._queues.get(notebook_name) and any(_ready(f) for f in self._pools.get(notebook_name, []))

    def enqueue(self, notebook_name: str, ticket_id: str | None = None) -> Ticket:
        """The visitor's ticket (a new one at the end of the line unless ``ticket_id`` is still valid)."""
        ticket = self._tickets.get(ticket_id) if ticket_id else None
        if ticket is None:
            ticket = Ticket(secrets.token_urlsafe(12), notebook_name, seen=time.monotonic())
            self._tickets[ticket.id] = ticket
            self._queues.setdefault(notebook_name, []).append(ticket)
            self.fill_if_needed(delay=0, notebook_name=notebook_name)
        return ticket

    def ticket_status(self, ticket_id: str) -> dict | None:
        """``{"position": k, "ready": bool, "eta_s": s}`` for a waiting visitor (position 1: next), or None."""
        self._expire()
        ticket = self._tickets.get(ticket_id)
        if ticket is None:
            return None
        ticket.seen = time.monotonic()
        queue = self._queues.get(ticket.notebook, [])
        pool = self._pools.get(ticket.notebook, [])
        for waiting in queue:  # ready kernels go to the waiting visitors in arrival order
            if waiting.item is None:
                item = next((f for f in pool if _ready(f)), None)
                if item is None:
                    break
                pool.remove(item)
                waiting.item = item
                self.touch(_kernel_of(item))
        position = queue.index(ticket) + 1
        ahead = sum(1 for t in queue[:position] if t.item is None)
        per_kernel = sum(self._preheat_seconds) / len(self._preheat_seconds) if self._preheat_seconds else 10.0
        eta = ahead * per_kernel / max(1, self.preheat_concurrency)
        return {"position": position, "ready": ticket.item is not None, "eta_s": round(eta),
                "kernels": len(self), "capacity": self.capacity}

    def waiting(self) -> dict[str, int]:
        """Visitors waiting, per notebook."""
        return {name: len(queue) for name, queue in self._queues.items() if queue}

    def _expire(self) -> None:
        now = time.monotonic()
        for ticket in [t for t in self._tickets.values() if t.expired(now, self.ticket_timeout)]:
            self._drop(ticket)
            if ticket.item is not None:  # back to the pool for the next visitor
                self._pools.setdefault(ticket.notebook, []).insert(0, ticket.item)

    def _drop(self, ticket: Ticket) -> None:
        self._tickets.pop(ticket.id, None)
        queue = self._queues.get(ticket.notebook, [])
        if ticket in queue:
            queue.remove(ticket)


def _ready(item) -> bool:
    """A pool entry whose kernel started and whose notebook has finished executing."""
    return (item.done() and not item.cancelled() and item.exception() is None
            and item.result()["task"].done())


def _kernel_of(item) -> str | None:
    return item.result()["kernel_id"] if item.done() and not item.cancelled() and item.exception() is None else None
