// Reports which stretches of the video were actually played, so the server can keep the
// distinct seconds watched. Sent every 15 s while playing, on pause and when the page is
// left. Wired by data-progress-url on the quiz panel (signed-in learners only).
(function () {
  "use strict";

  const panel = document.querySelector("[data-watch-progress][data-progress-url]");
  const video = document.querySelector("[data-player]");
  if (!panel || !video) return;

  const url = panel.dataset.progressUrl;
  const csrf = panel.dataset.csrf;
  const note = panel.querySelector("[data-watched-note]");
  const requirement = panel.querySelector("[data-watch-requirement]");
  // The requirement is a live region: it changes on whole steps only, so a screen reader
  // hears "35%", "40%" and not every report.
  const STEP = 5;
  let pending = [];
  let current = null;
  let last = null;

  video.addEventListener("timeupdate", () => {
    const now = video.currentTime;
    if (video.paused || video.seeking) {
      last = now;
      return;
    }
    // Normal playback moves forward a little between updates; anything else is a jump.
    if (current && last !== null && now >= last && now - last < 2.5) {
      current[1] = now;
    } else {
      current = [now, now];
      pending.push(current);
    }
    last = now;
  });
  video.addEventListener("seeking", () => {
    current = null;
  });

  function send(keepalive) {
    const intervals = pending
      .filter(([start, end]) => end - start >= 0.25)
      .map(([start, end]) => [Math.round(start * 100) / 100, Math.round(end * 100) / 100]);
    pending = [];
    if (current && !video.paused) {
      // Keep counting from where the sent stretch ended.
      current = [current[1], current[1]];
      pending.push(current);
    } else {
      current = null;
    }
    if (!intervals.length) return;
    fetch(url, {
      method: "POST",
      keepalive: keepalive,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ intervals: intervals, position: video.currentTime }),
    })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data) return;
        if (note) note.textContent = `Watched ${data.watched_percent}% of the video`;
        if (requirement) showRequirement(data.watched_percent);
      })
      .catch(() => {});
  }

  function showRequirement(percent) {
    const required = parseInt(requirement.dataset.requiredPercent, 10);
    const shown = parseInt(requirement.dataset.watchedPercent, 10);
    const met = percent >= required;
    if (Math.floor(percent / STEP) === Math.floor(shown / STEP) && met === shown >= required) {
      return;
    }
    requirement.dataset.watchedPercent = percent;
    requirement.querySelectorAll("[data-watched-figure]").forEach((figure) => {
      figure.textContent = percent;
    });
    requirement.querySelector("[data-requirement-unmet]").hidden = met;
    requirement.querySelector("[data-requirement-met]").hidden = !met;
  }

  setInterval(() => {
    if (!video.paused) send(false);
  }, 15000);
  video.addEventListener("pause", () => send(false));
  video.addEventListener("ended", () => send(false));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") send(true);
  });
  window.addEventListener("pagehide", () => send(true));
})();
