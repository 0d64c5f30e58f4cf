// Fills the module form's "duration seconds" from the video chosen for upload, when it is
// still empty (templates/admin/modules/module/change_form.html). Watch progress and the
// quiz's required share of the video are counted against this duration. The browser reads
// the length from the file itself; nothing is sent. Without JavaScript the author types it.
(function () {
  "use strict";

  const input = document.querySelector("#id_video");
  const duration = document.querySelector("#id_duration_seconds");
  if (!input || !duration || !window.URL) return;

  input.addEventListener("change", function () {
    const file = input.files && input.files[0];
    if (!file || duration.value.trim() !== "") return;
    const url = URL.createObjectURL(file);
    const probe = document.createElement("video");
    probe.preload = "metadata";
    probe.addEventListener("loadedmetadata", function () {
      if (isFinite(probe.duration) && duration.value.trim() === "") {
        duration.value = String(Math.round(probe.duration));
      }
      URL.revokeObjectURL(url);
    });
    probe.addEventListener("error", function () {
      URL.revokeObjectURL(url);
    });
    probe.src = url;
  });
})();
