// Injected at the top of every Voila page (standalone Voila and Voila's server extension; see _static.py).
// A dashboard whose kernel is gone -- culled, shut down, the server stopped -- would show "Loading widget..."
// or stop answering without a word. The page asks the server whether its kernel still exists every few
// seconds and whenever its kernel websocket closes or fails to open (a kernel shut down on the server does
// not close the socket); if not, or if the server does not answer, it shows a banner that says so, with a
// button that reloads the page (a reload gets a fresh kernel). The request carries the _xsrf token: behind
// JupyterHub (Voila as a server extension, cookie authentication) it is refused (403) without it.
(() => {
  const Native = window.WebSocket;
  const KERNEL = /\/api\/kernels\/([^/?]+)\/channels/;
  const EVERY_MS = 5000;
  let shown = false;
  let unloading = false;
  let connected = false;  // a kernel websocket of this page has opened
  window.addEventListener("beforeunload", () => { unloading = true; });

  function xsrf() {
    const match = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
    return match ? {"X-XSRFToken": decodeURIComponent(match[1])} : {};
  }

  function baseUrl() {
    const el = document.getElementById("jupyter-config-data");
    const base = el ? JSON.parse(el.textContent).baseUrl : null;
    return (base || "/").replace(/\/?$/, "/");
  }

  function banner(text) {
    if (shown || unloading) return;
    shown = true;
    const box = document.createElement("div");
    box.className = "airtools-dead-kernel";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:sticky;top:0;z-index:10000;padding:12px 20px;background:#fff3f3;" +
      "border-bottom:2px solid #b00020;color:#b00020;font:15px/1.4 system-ui,sans-serif;display:flex;" +
      "gap:16px;align-items:center";
    const message = document.createElement("span");
    message.textContent = text;
    const button = document.createElement("button");
    button.textContent = "Reload this dashboard";
    button.className = "airtools-reload";
    button.style.cssText = "padding:4px 12px;font:inherit;cursor:pointer";
    button.onclick = () => window.location.reload();
    box.append(message, button);
    document.body.prepend(box);
  }

  function pageKernel() {
    const el = document.getElementById("jupyter-config-data");
    return el ? JSON.parse(el.textContent).kernelId : null;
  }

  async function check(kernelId, opened) {
    if (shown || unloading || !kernelId) return;
    let status;
    try {
      const reply = await fetch(`${baseUrl()}api/kernels/${kernelId}`, {credentials: "same-origin", cache: "no-store",
                                                                       headers: xsrf()});
      status = reply.status;
    } catch (err) {
      banner("This dashboard lost its server: it does not answer (it may have been stopped). " +
             "Reload when it runs again.");
      return;
    }
    if (status === 404 || status === 410) {
      banner(opened
        ? "This dashboard's kernel has stopped (it was shut down or idle too long): the controls no longer respond."
        : "This dashboard's kernel no longer exists (it was shut down or idle too long): the page cannot load.");
    }
  }

  function Watched(url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    const match = KERNEL.exec(String(url));
    if (match) {
      let opened = false;
      ws.addEventListener("open", () => { opened = true; connected = true; });
      ws.addEventListener("close", () => { setTimeout(() => check(match[1], opened), 250); });
    }
    return ws;
  }
  Watched.prototype = Native.prototype;
  for (const key of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Watched[key] = Native[key];
  window.WebSocket = Watched;
  setInterval(() => { if (!document.hidden) check(pageKernel(), connected); }, EVERY_MS);
})();
