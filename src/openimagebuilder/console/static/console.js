// The console's live parts: a build log that follows its build, and an image page that refreshes
// itself until the build ends. Everything else is plain HTML.
"use strict";

const POLL_MS = 1000;

function followLog(pre) {
  let after = Number(pre.dataset.after || 0);
  let stopped = false;
  const url = (since) => "/console/logs?" + new URLSearchParams({ arn: pre.dataset.arn, after: String(since) });

  async function poll() {
    if (stopped) return;
    let reply;
    try {
      reply = await fetch(url(after), { credentials: "same-origin", cache: "no-store" });
    } catch (_) {
      setTimeout(poll, POLL_MS * 3);  // the service restarting: try again a little later
      return;
    }
    if (!reply.ok) return;
    const page = await reply.json();
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    for (const event of page.events) {
      const line = document.createElement("span");
      line.className = "line";
      const stamp = document.createElement("time");
      stamp.textContent = event.timestamp.replace("T", " ").slice(0, 19);
      line.append(stamp, " " + event.message);
      pre.append(line);
      after = event.id;
    }
    if (atBottom) pre.scrollTop = pre.scrollHeight;
    if (page.finished && page.events.length === 0) {
      stopped = true;
      pre.dataset.finished = "true";
      return;
    }
    setTimeout(poll, page.events.length ? 0 : POLL_MS);
  }
  pre.scrollTop = pre.scrollHeight;
  if (pre.dataset.finished !== "true") setTimeout(poll, POLL_MS);
}

function refreshWhileRunning(live) {
  async function refresh() {
    // Leave the page alone while someone types a reason into a waiting step's form.
    if (live.contains(document.activeElement) && document.activeElement.tagName === "INPUT") {
      setTimeout(refresh, POLL_MS);
      return;
    }
    let text;
    try {
      const reply = await fetch(location.href, { credentials: "same-origin", cache: "no-store" });
      if (!reply.ok) { setTimeout(refresh, POLL_MS * 3); return; }
      text = await reply.text();
    } catch (_) {
      setTimeout(refresh, POLL_MS * 3);
      return;
    }
    const fresh = new DOMParser().parseFromString(text, "text/html").getElementById("live");
    if (!fresh) return;
    live.replaceChildren(...fresh.childNodes);
    live.dataset.finished = fresh.dataset.finished;
    if (fresh.dataset.finished !== "true") setTimeout(refresh, POLL_MS);
  }
  if (live.dataset.finished !== "true") setTimeout(refresh, POLL_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  const pre = document.getElementById("log");
  if (pre) followLog(pre);
  const live = document.getElementById("live");
  if (live) refreshWhileRunning(live);
});
