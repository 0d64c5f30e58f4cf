// Video controls outside the browser's own: a captions toggle whose choice is remembered, a
// playback speed (0.75–2×, remembered too), and a polite announcement of where the video is
// after the viewer moves it. Wired by data-player-controls (data-player-for names the video),
// data-captions-toggle, data-playback-rate and data-player-announcer in
// templates/modules/includes/video_player.html. Without JavaScript the controls stay hidden
// and the browser's own captions menu and speed menu remain.
(function () {
  "use strict";

  const box = document.querySelector("[data-player-controls]");
  const video = box && document.getElementById(box.dataset.playerFor);
  if (!video) return;
  const toggle = box.querySelector("[data-captions-toggle]");
  const rateSelect = box.querySelector("[data-playback-rate]");
  const announcer = document.querySelector("[data-player-announcer]");
  const CAPTIONS_KEY = "coachlearn.captions"; // "on" or "off"
  const RATE_KEY = "coachlearn.playbackRate";

  // Storage may be refused (private windows, policies): the controls still work, unremembered.
  function recall(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (error) {
      return null;
    }
  }
  function remember(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (error) {
      /* not remembered */
    }
  }

  // --- Captions: on by default (<track default>), the viewer's choice kept across pages.
  function captionTracks() {
    return Array.from(video.textTracks).filter(
      (track) => track.kind === "captions" || track.kind === "subtitles"
    );
  }
  function captionsShown() {
    return captionTracks().some((track) => track.mode === "showing");
  }
  function showCaptions(on) {
    const tracks = captionTracks();
    // "hidden", not "disabled": the browser's automatic choice of a default track only turns
    // on disabled tracks, so a viewer's "off" is not undone when the video loads.
    tracks.forEach((track, index) => {
      track.mode = on && index === 0 ? "showing" : "hidden";
    });
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
  }

  if (toggle) {
    showCaptions(recall(CAPTIONS_KEY) !== "off");
    if (video.readyState < 1) {
      video.addEventListener(
        "loadedmetadata",
        () => showCaptions(recall(CAPTIONS_KEY) !== "off"),
        { once: true }
      );
    }
    toggle.addEventListener("click", () => {
      const on = toggle.getAttribute("aria-pressed") !== "true";
      showCaptions(on);
      remember(CAPTIONS_KEY, on ? "on" : "off");
    });
    // The browser's own captions menu changes the same tracks: keep the button and the
    // remembered choice in step with it.
    video.textTracks.addEventListener("change", () => {
      const on = captionsShown();
      if ((toggle.getAttribute("aria-pressed") === "true") === on) return;
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      remember(CAPTIONS_KEY, on ? "on" : "off");
    });
  }

  // --- Playback speed.
  function applyRate(value) {
    const rate = parseFloat(value);
    if (!(rate >= 0.75 && rate <= 2)) return false;
    video.defaultPlaybackRate = rate; // kept if the browser reloads the media
    video.playbackRate = rate;
    return true;
  }

  if (rateSelect) {
    const saved = recall(RATE_KEY);
    if (saved && rateSelect.querySelector(`option[value="${CSS.escape(saved)}"]`)) {
      rateSelect.value = saved;
      applyRate(saved);
    }
    rateSelect.addEventListener("change", () => {
      if (applyRate(rateSelect.value)) remember(RATE_KEY, rateSelect.value);
    });
    video.addEventListener("ratechange", () => {
      const value = String(video.playbackRate);
      if (rateSelect.querySelector(`option[value="${CSS.escape(value)}"]`)) {
        rateSelect.value = value;
      }
    });
  }

  // --- Announcing the transcript line.
  // The transcript highlight moves with every cue, every few seconds; reading each one out
  // would talk over the video and the captions. So the polite live region speaks only when
  // the viewer moves the playhead (a transcript line, a ?t= link, the seek bar, the arrow
  // keys): "At 1:26. Coach: …". Seeks that follow each other quickly (dragging the seek bar,
  // holding an arrow key) are announced once, where they land. While the video simply
  // plays, the highlighted line is marked with aria-current but not announced.
  const transcript = document.querySelector(`[data-transcript-for="${CSS.escape(video.id)}"]`);
  const cues = transcript ? Array.from(transcript.querySelectorAll("[data-seek]")) : [];
  const starts = cues.map((cue) => parseFloat(cue.dataset.seek));
  let pending = null;

  function cueAt(time) {
    let found = null;
    for (let index = 0; index < starts.length && starts[index] <= time + 0.05; index += 1) {
      found = cues[index];
    }
    return found;
  }

  function text(cue, selector) {
    const part = cue.querySelector(selector);
    return part ? part.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function announce() {
    const cue = cueAt(video.currentTime);
    if (!announcer || !cue) return;
    const speaker = text(cue, ".cue-speaker");
    const words = text(cue, ".cue-text");
    announcer.textContent = `At ${text(cue, ".cue-time")}. ${speaker ? speaker + ": " : ""}${words}`;
  }

  if (announcer && cues.length) {
    video.addEventListener("seeked", () => {
      clearTimeout(pending);
      pending = setTimeout(announce, 400);
    });
  }

  box.hidden = false;
})();
