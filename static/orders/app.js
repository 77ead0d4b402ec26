// Small behaviours shared by every page. Vanilla JS, no external assets.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // The language select submits its form as soon as a language is picked.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });

  // A Django formset that grows: [data-formset-add] clones the nearest
  // <template data-formset-template> (rendered from formset.empty_form) into
  // [data-formset-rows] and raises TOTAL_FORMS.
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.closest("form");
      var template = form.querySelector("template[data-formset-template]");
      var rows = form.querySelector("[data-formset-rows]");
      var total = form.querySelector('input[name$="-TOTAL_FORMS"]');
      var index = parseInt(total.value, 10);
      rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, index));
      total.value = index + 1;
    });
  });
})();
