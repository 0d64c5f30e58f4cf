// Interactive transcript: a cue seeks the video, the spoken cue is highlighted and kept in
// view, and a find box filters the lines. Wired by data-* attributes from
// templates/modules/includes/transcript.html; without JavaScript the transcript stays a
// readable list.
(function () {
  "use strict";

  const root = document.querySelector("[data-transcript]");
  if (!root) return;
  const video = document.getElementById(root.dataset.transcriptFor);
  const list = root.querySelector("[data-transcript-list]");
  if (!list) return;

  const cueButtons = Array.from(list.querySelectorAll("[data-seek]"));
  const starts = cueButtons.map((button) => parseFloat(button.dataset.seek));
  const followButton = root.querySelector("[data-transcript-follow]");
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  let current = null;
  let following = true;
  let programmaticScroll = false;

  // The last cue whose start is at or before `time` (binary search over sorted starts).
  function cueIndexAt(time) {
    let low = 0;
    let high = starts.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (starts[middle] <= time + 0.05) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  function keepInView(button) {
    if (!following || reducedMotion.matches) return;
    const item = button.closest("li");
    const top = item.offsetTop; // the list is the offset parent (position: relative)
    const wanted = top - list.clientHeight / 3;
    if (Math.abs(list.scrollTop - wanted) < 4) return;
    programmaticScroll = true;
    list.scrollTop = Math.max(wanted, 0);
  }

  function highlight(index) {
    const button = index >= 0 ? cueButtons[index] : null;
    if (button === current) return;
    if (current) {
      current.classList.remove("is-current");
      current.removeAttribute("aria-current");
    }
    current = button;
    if (!button) return;
    button.classList.add("is-current");
    button.setAttribute("aria-current", "true");
    keepInView(button);
  }

  function seek(seconds, play) {
    if (!video) return;
    video.currentTime = seconds;
    if (play) {
      const playing = video.play();
      if (playing && playing.catch) playing.catch(() => {});
    }
    following = true;
    if (followButton) followButton.hidden = true;
    highlight(cueIndexAt(seconds));
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-seek]");
    if (!button) return;
    seek(parseFloat(button.dataset.seek), true);
  });

  // Arrow keys move between lines; Home and End jump to the first and last line.
  list.addEventListener("keydown", (event) => {
    const index = cueButtons.indexOf(document.activeElement);
    if (index < 0) return;
    const visible = cueButtons.filter((button) => !button.closest("li").hidden);
    const position = visible.indexOf(document.activeElement);
    let target = null;
    if (event.key === "ArrowDown") target = visible[position + 1];
    else if (event.key === "ArrowUp") target = visible[position - 1];
    else if (event.key === "Home") target = visible[0];
    else if (event.key === "End") target = visible[visible.length - 1];
    if (target) {
      event.preventDefault();
      target.focus();
    }
  });

  // A person scrolling the transcript is reading: stop following until they ask again.
  list.addEventListener("scroll", () => {
    if (programmaticScroll) {
      programmaticScroll = false;
      return;
    }
    if (video && !video.paused && following) {
      following = false;
      if (followButton) followButton.hidden = false;
    }
  });

  if (followButton) {
    followButton.addEventListener("click", () => {
      following = true;
      followButton.hidden = true;
      if (current) keepInView(current);
    });
  }

  if (video) {
    video.addEventListener("timeupdate", () => highlight(cueIndexAt(video.currentTime)));
    video.addEventListener("seeked", () => highlight(cueIndexAt(video.currentTime)));
    const startAt = parseFloat(video.dataset.startAt);
    if (!Number.isNaN(startAt)) {
      const jump = () => {
        if (Math.abs(video.currentTime - startAt) > 0.5) video.currentTime = startAt;
        highlight(cueIndexAt(startAt));
      };
      if (video.readyState >= 1) jump();
      else video.addEventListener("loadedmetadata", jump, { once: true });
    }
  }

  // Find: hide lines without the words and mark each match.
  const findBox = root.querySelector("[data-transcript-find-box]");
  const findInput = root.querySelector("[data-transcript-find]");
  const status = root.querySelector("[data-transcript-status]");
  const items = Array.from(list.children);
  const texts = items.map((item) => item.querySelector(".cue-text"));
  const originals = texts.map((span) => span.textContent);

  function markMatches(span, text, needle) {
    span.textContent = "";
    const lower = text.toLowerCase();
    let from = 0;
    let at = lower.indexOf(needle, from);
    while (at >= 0) {
      span.append(text.slice(from, at));
      const mark = document.createElement("mark");
      mark.textContent = text.slice(at, at + needle.length);
      span.append(mark);
      from = at + needle.length;
      at = lower.indexOf(needle, from);
    }
    span.append(text.slice(from));
  }

  function applyFind() {
    const needle = findInput.value.trim().toLowerCase();
    let matches = 0;
    items.forEach((item, index) => {
      const text = originals[index];
      if (!needle) {
        texts[index].textContent = text;
        item.hidden = false;
        return;
      }
      const found = text.toLowerCase().includes(needle);
      item.hidden = !found;
      if (found) {
        matches += 1;
        markMatches(texts[index], text, needle);
      } else {
        texts[index].textContent = text;
      }
    });
    if (!needle) status.textContent = "";
    else if (matches === 0) status.textContent = `No lines contain “${findInput.value.trim()}”.`;
    else status.textContent = `${matches} of ${items.length} lines contain “${findInput.value.trim()}”.`;
  }

  if (findBox && findInput) {
    findBox.hidden = false;
    let pending = null;
    findInput.addEventListener("input", () => {
      clearTimeout(pending);
      pending = setTimeout(applyFind, 120);
    });
    findInput.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        findInput.value = "";
        applyFind();
      }
    });
  }
})();
