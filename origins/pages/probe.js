// corsgate probe runner. The harness calls window.__corsgate.run(probe) with
// Runtime.evaluate and awaits the result. Request headers are set here, in
// page JavaScript, so Chrome decides on the preflight exactly as it does for
// a production frontend (no DevTools header injection, no interception).
(function () {
  "use strict";

  function excerpt(text, limit) {
    return { body: text.slice(0, limit), bodyLength: text.length };
  }

  async function runFetch(p) {
    const ctrl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; ctrl.abort(); }, p.timeoutMs);
    const init = {
      method: p.method,
      headers: p.headers,
      credentials: p.credentials,
      mode: p.mode,
      cache: p.cache,
      redirect: p.redirect,
      signal: ctrl.signal,
    };
    if (p.body !== null) init.body = p.body;
    const out = { api: "fetch" };
    try {
      const r = await fetch(p.url, init);
      out.outcome = "response";
      out.status = r.status;
      out.statusText = r.statusText;
      out.type = r.type;
      out.url = r.url;
      out.redirected = r.redirected;
      out.headers = [...r.headers];
      Object.assign(out, excerpt(await r.text(), p.bodyLimit));
    } catch (e) {
      out.outcome = timedOut ? "timeout" : "error";
      out.errorName = e && e.name ? e.name : String(e);
      out.errorMessage = e && e.message ? e.message : "";
    } finally {
      clearTimeout(timer);
    }
    return out;
  }

  function parseHeaders(all) {
    return all.trim().split(/\r\n/).filter(Boolean).map((line) => {
      const i = line.indexOf(":");
      return [line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()];
    });
  }

  function runXHR(p) {
    return new Promise((resolve) => {
      const x = new XMLHttpRequest();
      const out = { api: "xhr" };
      try {
        x.open(p.method, p.url, true);
        x.withCredentials = p.credentials === "include";
        for (const [k, v] of p.headers) x.setRequestHeader(k, v);
        x.timeout = p.timeoutMs;
      } catch (e) {
        resolve(Object.assign(out, { outcome: "error", errorName: e.name, errorMessage: e.message }));
        return;
      }
      x.onload = () => {
        resolve(Object.assign(out, {
          outcome: "response",
          status: x.status,
          statusText: x.statusText,
          type: "",
          url: x.responseURL,
          headers: parseHeaders(x.getAllResponseHeaders()),
        }, excerpt(x.responseText || "", p.bodyLimit)));
      };
      x.onerror = () => resolve(Object.assign(out, {
        outcome: "error", errorName: "NetworkError", errorMessage: "XMLHttpRequest error event, status " + x.status,
      }));
      x.ontimeout = () => resolve(Object.assign(out, { outcome: "timeout", errorName: "TimeoutError", errorMessage: "XMLHttpRequest timeout" }));
      try {
        x.send(p.body === null ? null : p.body);
      } catch (e) {
        resolve(Object.assign(out, { outcome: "error", errorName: e.name, errorMessage: e.message }));
      }
    });
  }

  window.__corsgate = {
    origin: self.origin,
    run(p) { return p.api === "xhr" ? runXHR(p) : runFetch(p); },
  };
})();
