// Upload progress for the module form in the admin (templates/authoring/
// module_change_form.html). When a file is chosen, the form is sent with XMLHttpRequest so its
// upload progress can fill the <progress> element and an aria-live line; the server's
// answer (the next page, or the form with its errors) then replaces this page, as a normal
// submit would. Without JavaScript, XMLHttpRequest upload events or FormData, or when the
// request fails, the form is submitted normally.
(function () {
  "use strict";

  const box = document.querySelector("[data-upload-progress]");
  const form = box && box.closest("form");
  if (!form || !window.FormData || !("upload" in new XMLHttpRequest())) return;
  const bar = box.querySelector("progress");
  const status = box.querySelector("[data-upload-status]");

  function chosenFiles() {
    const files = [];
    form.querySelectorAll("input[type='file']").forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) {
        files.push({ input: input, file: file });
      });
    });
    return files;
  }

  function megabytes(bytes) {
    return (bytes / 1e6).toFixed(1) + " MB";
  }

  // The server checks the size too; this only spares a long upload bound to be refused.
  function tooBig(files) {
    return files.find(function (item) {
      const limit = Number(item.input.dataset.maxBytes || 0);
      return limit && item.file.size > limit;
    });
  }

  function show(text, value) {
    box.hidden = false;
    if (value !== undefined) bar.value = value;
    status.textContent = text;
  }

  function replacePage(xhr) {
    if (xhr.responseURL) history.replaceState(null, "", xhr.responseURL);
    document.open();
    document.write(xhr.responseText);
    document.close();
  }

  function send(submitter, names) {
    const data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return show("Uploading " + names + "…");
      const percent = Math.floor((event.loaded * 100) / event.total);
      show("Uploading " + names + ": " + percent + "%", percent);
    });
    xhr.upload.addEventListener("load", function () {
      show("Uploaded " + names + ". Checking and saving…", 100);
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 500 || !xhr.responseText) {
        form.submit(); // let the browser show whatever the server answers
        return;
      }
      replacePage(xhr);
    });
    xhr.addEventListener("error", function () {
      show("The upload failed (the connection was lost). Sending the form again normally…");
      form.submit();
    });
    show("Uploading " + names + ": 0%", 0);
    xhr.send(data);
  }

  form.addEventListener("submit", function (event) {
    const files = chosenFiles();
    if (!files.length) return; // nothing to upload: an ordinary submit is quick
    const big = tooBig(files);
    event.preventDefault();
    if (big) {
      show(
        big.file.name + " is " + megabytes(big.file.size) + "; files up to " +
          megabytes(Number(big.input.dataset.maxBytes)) + " are accepted."
      );
      return;
    }
    const names = files.map(function (item) { return item.file.name; }).join(", ");
    const submitter = event.submitter;
    // The form is read once every other submit handler has run: Django's selector widget
    // (competencies) marks its chosen options in its own handler, registered after this one.
    window.setTimeout(function () {
      const buttons = form.querySelectorAll("[type='submit']");
      const outside = document.querySelectorAll("[type='submit'][form='" + form.id + "']");
      [buttons, outside].forEach(function (list) {
        list.forEach(function (button) { button.disabled = true; });
      });
      send(submitter, names);
    }, 0);
  });
})();
