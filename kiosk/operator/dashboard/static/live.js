// The live view's only script: every few seconds, fetch the live section from
// this same server and swap it in. The summary line is the polite live region:
// it changes (and is announced) only when a count changes; the tables below it
// are replaced quietly. A button pauses the updates (WCAG 2.2.2): someone
// reading a table with a screen reader keeps their place.
"use strict";

(function () {
  const live = document.getElementById("live");
  const summary = document.getElementById("summary");
  const updated = document.getElementById("updated");
  if (!live || !summary || !updated) {
    return;
  }
  const every = 1000 * Number(live.dataset.every || "3");
  let paused = false;
  updated.textContent = "Updated " + live.dataset.updated + "; updates every " + every / 1000 + " s.";

  const pause = document.createElement("button");
  pause.type = "button";
  pause.id = "pause";
  pause.className = "pause";
  pause.setAttribute("aria-pressed", "false");
  pause.textContent = "Pause updates";
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));  // the label stays: a toggle
    if (paused) {
      updated.textContent = "Updates paused at " + live.dataset.updated + ".";
    } else {
      refresh();
    }
  });
  updated.after(pause);

  let timer = 0;

  async function refresh() {
    window.clearTimeout(timer);
    if (paused) {
      return;
    }
    let again = true;
    try {
      const response = await fetch("/live/fragment", { credentials: "same-origin", cache: "no-store" });
      if (response.status === 401 || response.status === 403) {
        updated.textContent = "This page lost its session (the dashboard was restarted?): open the URL it printed.";
        again = false;
        return;
      }
      if (!response.ok) {
        updated.textContent = "Could not update (" + response.status + "); trying again.";
        return;
      }
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const next = doc.getElementById("live");
      if (!next) {
        return;
      }
      live.replaceChildren(...Array.from(next.childNodes, (node) => document.importNode(node, true)));
      live.dataset.updated = next.dataset.updated || "";
      if (summary.textContent !== next.dataset.summary) {
        summary.textContent = next.dataset.summary || "";
      }
      updated.textContent = "Updated " + live.dataset.updated + "; updates every " + every / 1000 + " s.";
    } catch (error) {
      updated.textContent = "Could not reach the dashboard; trying again.";
    } finally {
      if (again && !paused) {
        timer = window.setTimeout(refresh, every);
      }
    }
  }

  timer = window.setTimeout(refresh, every);
})();
