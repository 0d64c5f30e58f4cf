// Video processing on the module's authoring page: while the server works on the upload,
// the words and the progress bar of [data-processing] follow it, read every two seconds
// from its data-url (JSON: status, percent, words). Without JavaScript the state shown is
// the one at page load.
(function () {
  "use strict";

  const box = document.querySelector("[data-processing]");
  if (!box || !window.fetch) return;
  const words = box.querySelector("[data-processing-words]");
  const bar = box.querySelector("progress");
  const working = ["queued", "running"];

  function poll() {
    if (working.indexOf(box.dataset.status) === -1) return;
    window.setTimeout(function () {
      fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (state) {
          if (!state) return;
          box.dataset.status = state.status;
          bar.value = state.percent;
          bar.textContent = state.percent + "%";
          if (words.textContent !== state.words) words.textContent = state.words;
          poll();
        })
        .catch(function () {
          poll();
        });
    }, 2000);
  }
  poll();
})();
