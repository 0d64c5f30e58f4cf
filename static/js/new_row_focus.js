// On the authoring page, a row added with "Add another …" (an objective, a question, a
// choice, an evaluation question) takes the focus at its text, so a keyboard or screen
// reader user goes on where the row is instead of staying on the link above it.
// nested_admin fires "formset:added" on the new row.
(function () {
  "use strict";

  document.addEventListener("formset:added", (event) => {
    const row = event.target;
    if (!(row instanceof Element)) return;
    const field =
      row.querySelector("textarea[name$='-text'], input[name$='-text']") ||
      row.querySelector("input:not([type='hidden']), select, textarea");
    if (field) field.focus();
  });
})();
