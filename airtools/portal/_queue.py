"""The waiting room: a page that says "busy, you are 3rd in line" instead of a blank tab that loads for a minute.

``QueueingRenderHandler`` replaces Voila's ``/voila/render/...`` handler. When the dashboard is served from a
pool (``ClassPool``) and no kernel is ready for the visitor -- the class opened it all at once -- it answers at
once with a small page (no kernel, no widgets) that shows the visitor's place in line and an estimate, asks
``/airtools/api/queue/<ticket>`` every second, and opens the dashboard by itself once a kernel is reserved for
that ticket (``?airtools_ticket=...``). Every other request is Voila's own.

>>> html = waiting_page("abc", "rotations.ipynb", "/", "/voila/render/rotations.ipynb?airtools_ticket=abc")
>>> 'class="airtools-waiting"' in html and "/airtools/api/queue/abc" in html
True
"""
from __future__ import annotations

import html
import json
from urllib.parse import urlencode

import tornado.web
from jupyter_server.base.handlers import APIHandler
from voila.tornado.handler import TornadoVoilaHandler

from airtools.portal._pool import ClassPool

__all__ = ["QueueingRenderHandler", "QueueStatusHandler", "waiting_page"]


class QueueingRenderHandler(TornadoVoilaHandler):
    """Voila's render handler behind the waiting room (see the module docstring)."""

    @tornado.web.authenticated
    async def get(self, path=None):
        pool = self.kernel_manager
        ticket_id = self.get_argument("airtools_ticket", None)
        if isinstance(pool, ClassPool) and path and pool.pooled(path) and not pool.admit(path, ticket_id):
            ticket = pool.enqueue(path, ticket_id)
            args = {k: self.get_argument(k) for k in self.request.arguments if k != "airtools_ticket"}
            target = f"{self.base_url.rstrip('/')}/voila/render/{path}?{urlencode({**args, 'airtools_ticket': ticket.id})}"
            self.set_header("Cache-Control", "no-cache, no-store, must-revalidate")
            self.finish(waiting_page(ticket.id, path, self.base_url, target))
            return
        await super().get(path)


class QueueStatusHandler(APIHandler):
    """``GET /airtools/api/queue/<ticket>``: ``{"position", "ready", "eta_s", "kernels", "capacity"}``; 404 when
    the ticket expired (the page then starts over)."""

    @tornado.web.authenticated
    def get(self, ticket_id: str) -> None:
        pool = self.kernel_manager
        status = pool.ticket_status(ticket_id) if isinstance(pool, ClassPool) else None
        if status is None:
            raise tornado.web.HTTPError(404, "no such ticket")
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(status))


def waiting_page(ticket_id: str, notebook: str, base_url: str, target: str) -> str:
    """The waiting room's HTML for one visitor (``target``: the dashboard URL carrying their ticket)."""
    title = html.escape(notebook.removesuffix(".ipynb"))
    api = json.dumps(f"{base_url.rstrip('/')}/airtools/api/queue/{ticket_id}")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} — waiting for a kernel</title>
<style>
  body {{ font: 17px/1.5 system-ui, sans-serif; color: #222; margin: 0; display: flex; min-height: 100vh;
         align-items: center; justify-content: center; background: #f6f7f9; }}
  .airtools-waiting {{ background: #fff; padding: 32px 44px; border-radius: 8px; box-shadow: 0 2px 10px #0002;
                       max-width: 560px; }}
  .airtools-place {{ font-size: 1.6em; font-weight: 600; color: #1f5fa8; }}
  .airtools-bar {{ height: 6px; background: #e3e8ef; border-radius: 3px; overflow: hidden; margin-top: 14px; }}
  .airtools-bar div {{ height: 100%; width: 30%; background: #1f5fa8; animation: slide 1.4s linear infinite; }}
  @keyframes slide {{ from {{ margin-left: -30%; }} to {{ margin-left: 100%; }} }}
</style></head>
<body><div class="airtools-waiting" role="status" aria-live="polite">
  <div>The <b>{title}</b> dashboard is busy: everyone in the room opened it at once.</div>
  <div class="airtools-place">You are <span class="airtools-position">…</span> in line</div>
  <div class="airtools-eta">Preparing a kernel for you.</div>
  <div style="color:#666;font-size:0.9em;margin-top:8px">This page opens the dashboard by itself; keep it open.</div>
  <div class="airtools-bar"><div></div></div>
</div>
<script>
(() => {{
  const api = {api}, target = {json.dumps(target)};
  const ordinal = (n) => n + ((n % 100 >= 10 && n % 100 <= 20) ? "th" : ({{1: "st", 2: "nd", 3: "rd"}}[n % 10] || "th"));
  async function poll() {{
    try {{
      const reply = await fetch(api, {{credentials: "same-origin", cache: "no-store"}});
      if (reply.status === 404) {{ window.location.replace(target.replace(/[?&]airtools_ticket=[^&]*/, "")); return; }}
      const s = await reply.json();
      if (s.ready) {{ window.location.replace(target); return; }}
      document.querySelector(".airtools-position").textContent = ordinal(s.position);
      document.querySelector(".airtools-eta").textContent =
        s.eta_s > 0 ? `About ${{s.eta_s}} s (${{s.kernels}} of ${{s.capacity}} kernels in use).` : "Any moment now.";
    }} catch (err) {{
      document.querySelector(".airtools-eta").textContent = "The dashboard server does not answer; retrying…";
    }}
    setTimeout(poll, 1000);
  }}
  poll();
}})();
</script></body></html>"""
