// corsgate playground page: plain JavaScript, no build step, nothing
// fetched from anywhere but this server. The whole state (web.config and
// request) lives in the URL, so a link reproduces a case.
"use strict";

const BLANK = `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <httpProtocol>
      <customHeaders>
        <add name="Access-Control-Allow-Origin" value="https://app.example.com" />
      </customHeaders>
    </httpProtocol>
  </system.webServer>
</configuration>
`;

const $ = (id) => document.getElementById(id);
let data = null;          // /api/data: cases, origins, fixes
let state = null;         // the case on screen
let lintTimer = 0;
const tab = sessionStorage.getItem("corsgate-tab") || Math.random().toString(36).slice(2);
sessionStorage.setItem("corsgate-tab", tab);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// --- URL <-> state -------------------------------------------------------

function b64u(str) {
  let s = "";
  for (const b of new TextEncoder().encode(str)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64u(s) {
  s = s.replace(/-/g, "+").replace(/_/g, "/");
  while (s.length % 4) s += "=";
  return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
}

function caseOf(config, check) {
  return data.cases.find((c) => c.config === config && c.check === check);
}

// caseOfLink is the case a link's ?lab=&check= names: check is the check's
// slug (lab.CheckSlug, stable when checks are inserted) or, in older links,
// its index.
function caseOfLink(config, check) {
  if (/^\d+$/.test(check)) return caseOf(config, Number(check));
  return data.cases.find((c) => c.config === config && c.slug === check);
}

function stateOfCase(c) {
  return { lab: c.config, check: c.check, config: c.text, app: c.app, request: structuredClone(c.request) };
}

function blankState() {
  return { config: BLANK, app: "plain", request: { origin: "https://app.example.com", path: "/api/orders", method: "GET", credentials: "same-origin" } };
}

function fromURL() {
  const m = location.hash.match(/^#s=([A-Za-z0-9_-]+)$/);
  if (m) {
    try { return JSON.parse(unb64u(m[1])); } catch (e) { status("This link's state is damaged (" + e.message + "); showing a blank case."); }
  }
  const q = new URLSearchParams(location.search);
  if (q.has("lab")) {
    const c = caseOfLink(q.get("lab").replace(/\.config$/, ""), q.get("check") || "0");
    if (c) return stateOfCase(c);
    status("No lab case " + q.get("lab") + " check " + (q.get("check") || 0) + "; showing a blank case.");
  }
  return blankState();
}

// unchanged reports whether s is its lab case exactly as the lab wrote it.
function unchanged(s) {
  if (!s.lab) return false;
  const c = caseOf(s.lab, s.check || 0);
  return !!c && JSON.stringify(stateOfCase(c)) === JSON.stringify(canonical(s));
}

// canonical orders the state's fields as stateOfCase does.
function canonical(s) {
  const r = s.request;
  const req = { origin: r.origin, path: r.path, method: r.method, credentials: r.credentials };
  if (r.headers && r.headers.length) req.headers = r.headers;
  if (r.bodyType) req.bodyType = r.bodyType;
  if (r.body) req.body = r.body;
  if (r.sequence) req.sequence = r.sequence;
  if (r.second) req.second = r.second;
  if (r.grant) req.grant = r.grant;
  return { lab: s.lab, check: s.check || 0, config: s.config, app: s.app, request: req };
}

function toURL() {
  let url;
  if (unchanged(state)) url = "/?lab=" + encodeURIComponent(state.lab) + "&check=" + caseOf(state.lab, state.check || 0).slug;
  else url = "/#s=" + b64u(JSON.stringify(canonical(state)));
  history.replaceState(null, "", url);
}

// --- form <-> state --------------------------------------------------------

function show(s) {
  state = s;
  $("config").value = s.config;
  $("app").value = s.app || "plain";
  const r = s.request;
  $("origin").value = r.origin;
  $("path").value = r.path;
  $("method").value = r.method || "GET";
  $("credentials").value = r.credentials || "same-origin";
  $("grant").value = r.grant || "";
  $("headers").value = (r.headers || []).map((h) => h.name + ": " + h.value).join("\n");
  $("bodyType").value = r.bodyType || "";
  $("body").value = r.body || "";
  for (const x of document.querySelectorAll("input[name=sequence]")) x.checked = x.value === (r.sequence || "");
  $("second").value = r.second || otherOrigin(r.origin);
  $("case").value = s.lab ? s.lab + "#" + (s.check || 0) : "";
  gutter();
  scheduleLint(0);
  toURL();
}

function otherOrigin(o) {
  const names = data.origins.map((x) => x.name).filter((n) => n !== o && n !== "same-origin");
  return names.includes("https://admin.example.com") ? "https://admin.example.com" : names[0];
}

function read() {
  const headers = [];
  for (const line of $("headers").value.split("\n")) {
    if (!line.trim()) continue;
    const i = line.indexOf(":");
    headers.push(i < 0 ? { name: line.trim(), value: "" } : { name: line.slice(0, i).trim(), value: line.slice(i + 1).trim() });
  }
  const seq = document.querySelector("input[name=sequence]:checked").value;
  const r = {
    origin: $("origin").value, path: $("path").value, method: $("method").value,
    credentials: $("credentials").value, headers, bodyType: $("bodyType").value,
    body: $("bodyType").value ? $("body").value : "", sequence: seq,
    second: seq === "then-from" ? $("second").value : "",
    grant: $("grant").value,
  };
  state = { lab: state.lab, check: state.check, config: $("config").value, app: $("app").value, request: r };
  toURL();
}

// --- editor: line numbers, lint ---------------------------------------------

function gutter(errorLine) {
  const n = $("config").value.split("\n").length;
  const g = $("gutter");
  g.replaceChildren();
  for (let i = 1; i <= n; i++) {
    g.append(el("span", { class: i === errorLine ? "bad" : "", "data-line": String(i) }, String(i)), "\n");
  }
  g.scrollTop = $("config").scrollTop;
}

function scheduleLint(delay) {
  clearTimeout(lintTimer);
  lintTimer = setTimeout(lint, delay);
}

async function lint() {
  const resp = await fetch("/api/lint", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(canonical(state)) });
  showLint(await resp.json());
}

function showLint(r) {
  const box = $("config-error");
  if (r.error) {
    box.hidden = false;
    box.replaceChildren(el("strong", {}, r.error.line ? "line " + r.error.line + ": " : ""), r.error.text);
    box.dataset.line = String(r.error.line || 0);
    gutter(r.error.line);
  } else {
    box.hidden = true;
    box.replaceChildren();
    gutter();
  }
  const ul = $("findings");
  ul.replaceChildren();
  if (r.error) { ul.append(el("li", { class: "note" }, "the parser refused the file; fix the error first")); return; }
  if (!r.findings || !r.findings.length) { ul.append(el("li", { class: "note" }, "no findings")); return; }
  for (const f of r.findings) {
    const li = el("li", { "data-line": String(f.line), class: f.note ? "finding-note" : "" },
      el("a", { href: "#", class: "line" }, f.line ? "line " + f.line : "file"), " ", el("code", {}, f.rule),
      f.note ? " (note)" : "", f.location ? " in <location path=\"" + f.location + "\">" : "", ": ", f.message,
      f.verdict ? el("div", { class: "note" }, "Chrome: " + f.verdict) : null,
      f.fix ? el("div", { class: "fix" }, "fix: " + f.fix) : null,
      f.example ? el("div", { class: "note" }, "lets in: " + f.example) : null);
    li.querySelector("a").addEventListener("click", (e) => { e.preventDefault(); selectLine(f.line); });
    ul.append(li);
  }
}

function selectLine(n) {
  const ta = $("config");
  const lines = ta.value.split("\n");
  let start = 0;
  for (let i = 0; i < n - 1 && i < lines.length; i++) start += lines[i].length + 1;
  ta.focus();
  ta.setSelectionRange(start, start + (lines[n - 1] || "").length);
}

// --- run ------------------------------------------------------------------------

function status(text) { $("status").textContent = text; }

async function run() {
  read();
  const btn = $("run");
  btn.disabled = true;
  $("result").dataset.state = "running";
  status("Running in Chrome…");
  $("outcome").replaceChildren();
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 60000);
  try {
    const resp = await fetch("/api/run", {
      method: "POST", signal: ctl.signal,
      headers: { "Content-Type": "application/json", "X-Playground-Tab": tab },
      body: JSON.stringify(canonical(state)),
    });
    const r = await resp.json();
    showLint(r);
    if (r.error || r.problem) {
      $("result").dataset.state = "refused";
      status("Nothing ran: " + (r.error ? (r.error.line ? "line " + r.error.line + ": " : "") + r.error.text : r.problem));
      return;
    }
    showResult(r);
    $("result").dataset.state = "done";
  } catch (e) {
    $("result").dataset.state = "refused";
    status("Nothing ran: " + (e.name === "AbortError" ? "no answer from the playground within 60 s" : e.message));
  } finally {
    clearTimeout(timer);
    btn.disabled = false;
  }
}

function showResult(r) {
  status("Ran in " + r.elapsedMs + " ms against " + r.base + ".");
  const out = $("outcome");
  const blocked = r.runs.some((x) => x.outcome !== "readable");
  if (r.offHost && r.offHost.length) {
    const box = el("div", { id: "offhost", class: "lab" }, el("h3", {}, "The playground does not follow redirects off its own server"));
    for (const n of r.offHost) {
      box.append(el("p", {}, n.request + ": the emulated IIS sent ", el("code", {}, n.header + ": " + n.original),
        "; the playground sent Chrome ", el("code", {}, n.sent), " instead, a stop page on the emulated server (403, no CORS headers). Chrome's verdict below is about that stop page, not about " + n.original + "."));
    }
    out.append(box);
  }
  out.append(el("h3", {}, "What Chrome decides"),
    el("p", { id: "chrome", class: blocked ? "verdict blocked" : "verdict readable" }, r.chrome));
  out.append(el("h4", {}, "Chrome's console message"),
    r.console ? el("pre", { id: "console", class: "console" }, r.console) : el("p", { id: "console", class: "note" }, "(no CORS message: Chrome printed none)"));
  const table = el("table", { class: "runs" },
    el("tr", {}, ...["page origin", "outcome", "CorsError", "failed parameter", "preflight", "JS can read"].map((h) => el("th", {}, h))));
  for (const x of r.runs) {
    table.append(el("tr", {},
      el("td", {}, x.origin), el("td", {}, x.outcome + (x.status ? " " + x.status : "") + (x.net ? " " + x.net : "")),
      el("td", {}, x.corsError || "—"), el("td", {}, x.failedParameter || "—"),
      el("td", {}, x.preflight), el("td", {}, (x.readable || []).join(", ") || "—")));
  }
  out.append(table);
  if (r.step) {
    out.append(el("h4", {}, "The Fetch step that decided"),
      el("p", { id: "step" }, r.step.name + " — ", el("a", { href: r.step.link, target: "_blank", rel: "noopener" }, r.step.link)));
  }
  out.append(el("h4", {}, "What curl sees (same Origin, no CORS rules)"));
  const curl = el("ul", { id: "curl", class: "mono" });
  for (const c of r.curl) {
    curl.append(el("li", {}, c.request + " → " + (c.err || c.status), ...(c.headers || []).map((h) => el("div", { class: "hdr" }, h)),
      !c.err && !(c.headers || []).length ? el("div", { class: "note" }, "no CORS headers") : null));
  }
  out.append(curl);
  const raw = el("details", {}, el("summary", {}, "Raw exchanges as Chrome received them (every header)"));
  r.runs.forEach((x, i) => {
    for (const w of x.wire) {
      raw.append(el("div", { class: "mono" }, el("strong", {}, (r.runs.length > 1 ? "#" + (i + 1) + " " : "") + w.request + " → " + (w.status || "") + (w.note ? " (" + w.note + ")" : "")),
        ...(w.headers || []).map((h) => el("div", { class: "hdr" }, h))));
    }
  });
  out.append(raw);
  if (r.lab) showLab(r.lab);
}

function fixFor(config) { return data.fixes.find((f) => f.config === config); }

function applyFix(f, text) {
  for (const edits of f.alternatives) {
    let out = text, ok = true;
    for (const e of edits) {
      const i = out.indexOf(e.find);
      if (i < 0) { ok = false; break; }
      out = out.slice(0, i) + e.replace + out.slice(i + e.find.length);
    }
    if (ok) return out;
  }
  return null;
}

function showLab(k) {
  const box = el("div", { id: "lab", class: "lab" }, el("h3", {}, "What the lab knows: " + k.config),
    el("p", {}, el("strong", {}, "Mistake: "), k.mistake),
    el("p", {}, el("strong", {}, "Fix: "), k.fix),
    el("p", {}, el("strong", {}, "Why Chrome decides so: "), k.why));
  if (k.unchanged) {
    box.append(el("p", { id: "expected", class: k.asExpected ? "readable" : "blocked" },
      k.asExpected ? "As the lab expects (the same verdict make lab reports)." : "Differs from the lab's expectation: " + k.differs));
  } else {
    box.append(el("p", { class: "note" }, "You changed the case, so the lab's expectation no longer applies; its explanation of the original mistake is above."));
  }
  const f = fixFor(k.config);
  const fixed = f && applyFix(f, $("config").value);
  if (fixed !== null && fixed !== undefined) {
    const b = el("button", { id: "apply-fix", type: "button" }, "Apply the fix to the web.config");
    b.addEventListener("click", () => {
      $("config").value = fixed;
      if (f.app) $("app").value = f.app;
      read();
      gutter();
      scheduleLint(0);
      status("Fix applied to the web.config; Run in Chrome to see what changes.");
      b.disabled = true;
    });
    box.append(b);
  }
  $("outcome").append(box);
}

// --- wiring --------------------------------------------------------------------

function fillMenus() {
  const sel = $("case");
  let group = null;
  for (const c of data.cases) {
    if (!group || group.label !== c.config) { group = el("optgroup", { label: c.config }); sel.append(group); }
    group.append(el("option", { value: c.config + "#" + c.check }, c.config + ": " + c.name));
  }
  for (const id of ["origin", "second"]) {
    for (const o of data.origins) {
      if (id === "second" && o.name === "same-origin") continue;
      $(id).append(el("option", { value: o.name }, o.serialized + (o.kind ? " — " + o.kind : "")));
    }
  }
}

async function main() {
  data = await (await fetch("/api/data")).json();
  fillMenus();
  show(fromURL());
  $("case").addEventListener("change", (e) => {
    const [config, check] = e.target.value.split("#");
    if (!config) return;
    show(stateOfCase(caseOf(config, Number(check))));
    $("outcome").replaceChildren();
    $("result").dataset.state = "idle";
  });
  $("blank").addEventListener("click", () => { show(blankState()); $("outcome").replaceChildren(); });
  $("share").addEventListener("click", async () => {
    read();
    try { await navigator.clipboard.writeText(location.href); $("share-note").textContent = "link copied"; } catch { $("share-note").textContent = "copy the address bar: it holds the whole case"; }
  });
  $("config").addEventListener("input", () => { read(); gutter(); scheduleLint(300); });
  $("config").addEventListener("scroll", () => { $("gutter").scrollTop = $("config").scrollTop; });
  for (const id of ["app", "origin", "path", "method", "credentials", "grant", "headers", "bodyType", "body", "second"]) {
    $(id).addEventListener("input", read);
    $(id).addEventListener("change", read);
  }
  for (const x of document.querySelectorAll("input[name=sequence]")) x.addEventListener("change", read);
  $("run").addEventListener("click", run);
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && !$("run").disabled) { e.preventDefault(); run(); }
  });
  window.addEventListener("hashchange", () => show(fromURL()));
  document.body.dataset.ready = "true";
}

main();
