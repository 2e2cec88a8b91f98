// The live view's only script: every few seconds, fetch the live section from
// this same server and swap it in. The summary line is the polite live region:
// it changes (and is announced) only when a count changes; the tables below it
// are replaced quietly.
"use strict";

(function () {
  const live = document.getElementById("live");
  const summary = document.getElementById("summary");
  const updated = document.getElementById("updated");
  if (!live || !summary || !updated) {
    return;
  }
  const every = 1000 * Number(live.dataset.every || "3");
  updated.textContent = "Updated " + live.dataset.updated + "; updates every " + every / 1000 + " s.";

  async function refresh() {
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
      if (again) {
        window.setTimeout(refresh, every);
      }
    }
  }

  window.setTimeout(refresh, every);
})();
