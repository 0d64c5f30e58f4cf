// After a form comes back with errors, its error summary takes the focus, so a screen
// reader reads it at once and a keyboard user starts from it; each of its links then moves
// the focus to the first input of the question or field it names (the page scrolls so its
// legend or label shows). Wired by data-error-summary (templates/quizzes/quiz.html,
// templates/includes/form_fields.html). Without JavaScript the summary is still announced
// (role="alert") and its links still jump to the field.
(function () {
  "use strict";

  const summary = document.querySelector("[data-error-summary]");
  if (!summary) return;

  if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
  summary.focus();

  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    if (!link) return;
    const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) return;
    const field = target.matches("input, select, textarea")
      ? target
      : target.querySelector("input:not([type='hidden']), select, textarea");
    if (!field) return;
    event.preventDefault();
    const group = field.closest("fieldset") || target;
    group.scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });
})();
