// Fills the module form's duration (m:ss, or h:mm:ss, as the site writes times) from the
// video chosen for upload, when it is still empty (templates/authoring/
// module_change_form.html). Watch progress and the
// quiz's required share of the video are counted against this duration. The browser reads
// the length from the file itself; nothing is sent. Without JavaScript the author types it.
(function () {
  "use strict";

  const input = document.querySelector("#id_video");
  const duration = document.querySelector("#id_duration_seconds");
  if (!input || !duration || !window.URL) return;

  // The same writing as modules.transcripts.format_timestamp: 3:20, 1:02:03.
  function clock(seconds) {
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const secs = String(seconds % 60).padStart(2, "0");
    return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + secs : minutes + ":" + secs;
  }

  input.addEventListener("change", function () {
    const file = input.files && input.files[0];
    if (!file || duration.value.trim() !== "") return;
    const url = URL.createObjectURL(file);
    const probe = document.createElement("video");
    probe.preload = "metadata";
    probe.addEventListener("loadedmetadata", function () {
      if (isFinite(probe.duration) && duration.value.trim() === "") {
        duration.value = clock(Math.round(probe.duration));
      }
      URL.revokeObjectURL(url);
    });
    probe.addEventListener("error", function () {
      URL.revokeObjectURL(url);
    });
    probe.src = url;
  });
})();
