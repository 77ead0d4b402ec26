// Beside each tracking-number field: only the chosen carrier's format in
// words (the page lists every carrier's for who runs no script).
(function () {
  "use strict";
  document.querySelectorAll("form").forEach(function (form) {
    var carrier = form.querySelector("[data-carrier]");
    var formats = form.querySelector("[data-tracking-formats]");
    if (!carrier || !formats) return;
    function sync() {
      formats.querySelectorAll("[data-carrier-format]").forEach(function (item) {
        item.hidden = carrier.value !== "" && item.dataset.carrierFormat !== carrier.value;
      });
    }
    carrier.addEventListener("change", sync);
    sync();
  });
})();
