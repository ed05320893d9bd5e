// The trainer's dashboard refreshes its live part (participants, chart, answers) every few
// seconds, and asks before deleting a session.
(function () {
  "use strict";
  const live = document.getElementById("live");
  if (live) {
    const every = Math.max(2, Number(live.dataset.every) || 3) * 1000;
    let busy = false;
    setInterval(async function () {
      if (busy || document.hidden) return;
      busy = true;
      try {
        const r = await fetch(live.dataset.src, { credentials: "same-origin", cache: "no-store" });
        if (r.ok) {
          // the server's own template, escaped there: safe to place as it is
          const html = await r.text();
          if (html !== live.dataset.last) {
            live.innerHTML = html;
            live.dataset.last = html;
          }
        } else if (r.status === 401) {
          window.location.assign("/trainer");
        }
      } catch (e) {
        // offline for a moment: the next tick tries again
      } finally {
        busy = false;
      }
    }, every);
  }
  const del = document.getElementById("delete-form");
  if (del) {
    del.addEventListener("submit", function (event) {
      if (!window.confirm("Delete this session, its participants' places and every shared answer? This cannot be undone.")) {
        event.preventDefault();
      }
    });
  }
})();
