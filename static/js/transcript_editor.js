// The transcript editor (templates/authoring/transcript_editor.html): a line's time plays the
// video from there, the spoken line is marked, selecting a line's text opens it for editing,
// and a line is saved without leaving the page (the video keeps playing). Without
// JavaScript the times link to the module page at that moment and every form posts as usual.
(function () {
  "use strict";

  const root = document.querySelector("[data-transcript-editor]");
  if (!root) return;
  const video = root.querySelector("[data-editor-video]");
  const status = root.querySelector("[data-editor-status]");
  const lines = Array.from(root.querySelectorAll("[data-line]"));

  // A corrected file's preview replaces the page: start reading there.
  const preview = root.querySelector("[data-preview] h2");
  if (preview) preview.focus();

  function say(message) {
    status.textContent = message;
  }

  function playFrom(link) {
    const start = parseFloat(link.dataset.playFrom);
    video.currentTime = start;
    const playing = video.play();
    if (playing) playing.catch(() => {}); // a browser may refuse to play unasked; seeking stands
    say("Playing from " + link.textContent.trim() + ".");
  }

  root.addEventListener("click", (event) => {
    const link = event.target.closest("[data-play-from]");
    if (link && video) {
      event.preventDefault();
      playFrom(link);
      return;
    }
    const text = event.target.closest("[data-line-text]");
    if (text) openEditor(text.closest("[data-line]"));
  });

  function openEditor(line) {
    const details = line.querySelector("[data-line-edit]");
    details.open = true;
    line.querySelector("textarea").focus();
  }

  // The spoken line: the last timed line starting at or before the video's time.
  let current = null;
  if (video) {
    video.addEventListener("timeupdate", () => {
      let found = null;
      for (const line of lines) {
        if (line.dataset.start === undefined) continue;
        if (parseFloat(line.dataset.start) <= video.currentTime + 0.05) found = line;
      }
      if (found === current) return;
      if (current) {
        current.classList.remove("is-current");
        current.removeAttribute("aria-current");
      }
      current = found;
      if (current) {
        current.classList.add("is-current");
        current.setAttribute("aria-current", "true");
      }
    });
  }

  // Saving a line in place: the same form, sent with fetch; the server answers in JSON.
  root.querySelectorAll("[data-line-form]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const line = form.closest("[data-line]");
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      let saved = false;
      say("Saving line " + line.dataset.position + "…");
      try {
        const response = await fetch(window.location.pathname, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        const answer = await response.json();
        if (!response.ok) {
          say("Not saved. " + answer.error);
          return;
        }
        saved = true;
        show(line, answer.line);
        line.querySelector("[data-line-edit]").open = false;
        line.querySelector("summary").focus();
        say(answer.message);
      } catch (error) {
        say("Not saved: the server could not be reached. Try again.");
      } finally {
        button.disabled = false;
        // Disabling the button took the focus away; a refused line keeps the keyboard there.
        if (!saved) button.focus();
      }
    });
  });

  // Splitting at the cursor: where the caret was left in the line's text, when no words
  // are written and the text is as saved (so the place is the same on the server).
  root.querySelectorAll("[data-split-form]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!event.submitter || event.submitter.value !== "split") return;
      const line = form.closest("[data-line]");
      const text = line.querySelector("textarea");
      const saved = line.querySelector("[data-line-text]").textContent;
      if (!form.elements.before.value.trim() && text.value === saved) {
        form.elements.at.value = String(text.selectionStart);
      }
    });
  });

  function show(line, saved) {
    line.querySelector("[data-line-text]").textContent = saved.text;
    line.querySelector("[data-line-speaker]").textContent = saved.speaker;
    const form = line.querySelector("[data-line-form]");
    form.elements.time.value = saved.time;
    form.elements.speaker.value = saved.speaker;
    form.elements.text.value = saved.text;
    let time = line.querySelector("[data-line-time]");
    if (saved.start === null) {
      delete line.dataset.start;
      const untimed = document.createElement("span");
      untimed.className = "editor-time";
      untimed.dataset.lineTime = "";
      untimed.textContent = "untimed";
      time.replaceWith(untimed);
      return;
    }
    line.dataset.start = String(saved.start);
    if (!time.matches("a")) {
      const link = document.createElement("a");
      link.className = "editor-time";
      link.dataset.lineTime = "";
      time.replaceWith(link);
      time = link;
    }
    time.href = saved.url;
    time.dataset.playFrom = String(saved.start);
    time.textContent = saved.time;
    time.setAttribute("aria-label", "Play from " + saved.time + ", line " + saved.position);
  }
})();
