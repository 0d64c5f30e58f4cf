// "Save course" without a full reload. Wired by data-save-course on the forms of
// templates/modules/includes/save_course_toggle.html. Without JavaScript the form posts
// and the server redirects back; here the same post is sent with fetch (the CSRF token in
// the X-CSRFToken header), and the button's aria-pressed and the form's action follow the
// answer. Anything unexpected falls back to the ordinary post.
(function () {
  "use strict";

  async function toggle(form) {
    const button = form.querySelector("[aria-pressed]");
    const status = form.querySelector("[data-save-course-status]");
    const token = form.querySelector("input[name='csrfmiddlewaretoken']").value;
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json", "X-CSRFToken": token },
      credentials: "same-origin",
    });
    if (!response.ok || !response.headers.get("Content-Type")?.includes("application/json")) {
      throw new Error("Unexpected answer " + response.status);
    }
    const answer = await response.json();
    button.setAttribute("aria-pressed", answer.saved ? "true" : "false");
    form.action = answer.saved ? form.dataset.removeUrl : form.dataset.saveUrl;
    if (status) status.textContent = answer.message;
  }

  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-save-course]");
    if (!form) return;
    event.preventDefault();
    if (form.dataset.busy) return; // a double click sends one request
    form.dataset.busy = "true";
    toggle(form)
      .catch(function () {
        form.submit(); // signed out meanwhile, CSRF failure, network: let the server answer
      })
      .finally(function () {
        delete form.dataset.busy;
      });
  });
})();
