// Warehouse tablet behaviours. Vanilla JS, no external assets; every page
// works without it (the scan field is a plain form that Enter submits).
(function () {
  "use strict";

  var scan = document.querySelector("[data-scan]");

  // Where the picker is typing on purpose: leave the focus there.
  function typingIn(el) {
    if (!el || el === document.body) return false;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    if (el.tagName === "INPUT") {
      return !/^(checkbox|radio|button|submit|reset|hidden|range|color|file)$/i.test(el.type);
    }
    return el.isContentEditable;
  }

  function refocus() {
    if (scan && !typingIn(document.activeElement)) {
      scan.focus({ preventScroll: true });
    }
  }

  function later(fn) {
    window.setTimeout(fn, 0);
  }

  if (scan) {
    // The scanner types the code and presses Enter, into whatever has the
    // focus: the scan field takes it back after every tap and every blur,
    // unless the picker moved to another field to type.
    scan.addEventListener("blur", function () {
      later(refocus);
    });
    document.addEventListener("click", function () {
      later(refocus);
    });
    document.addEventListener("change", function (event) {
      if (event.target.tagName === "SELECT" && !event.target.hasAttribute("data-autosubmit")) {
        later(refocus);
      }
    });
    window.addEventListener("pageshow", refocus);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) refocus();
    });
    refocus();

    // A stray Enter with nothing scanned sends nothing.
    scan.form.addEventListener("submit", function (event) {
      if (!scan.value.trim()) {
        event.preventDefault();
        refocus();
      }
    });

    // The field keeps the on-screen keyboard away (inputmode="none"), since
    // the scanner types; "Type" brings it up for a code typed by hand.
    document.querySelectorAll("[data-keyboard]").forEach(function (button) {
      button.addEventListener("click", function () {
        var on = button.getAttribute("aria-pressed") !== "true";
        button.setAttribute("aria-pressed", on ? "true" : "false");
        scan.setAttribute("inputmode", on ? "text" : "none");
        scan.blur();
        scan.focus();
      });
    });
  }

  // Bring into sight, if it is out of it, the line just scanned or the
  // first field a refusal is about (the banner above stays in sight).
  var target = document.querySelector(".is-scanned, .field--error, .toggle--error");
  if (target) {
    var box = target.getBoundingClientRect();
    var dock = document.querySelector(".dock");
    var bar = document.querySelector(".actionbar");
    var top = dock ? dock.getBoundingClientRect().bottom : 0;
    var bottom = bar ? bar.getBoundingClientRect().top : window.innerHeight;
    if (box.top < top || box.bottom > bottom) {
      target.scrollIntoView({ block: "nearest" });
    }
  }

  // Quantity for the next scan: − / + buttons, 1 to 9999.
  var quantity = document.querySelector(".scanbar input[name=quantity]");
  function setQuantity(value) {
    quantity.value = String(Math.max(1, Math.min(9999, value || 1)));
  }
  if (quantity) {
    document.querySelectorAll("[data-qty-step]").forEach(function (button) {
      button.addEventListener("click", function () {
        setQuantity(parseInt(quantity.value, 10) + parseInt(button.dataset.qtyStep, 10));
      });
    });
    // Enter in the quantity goes on to the scan. A long number there was a
    // scan into the wrong field: move it to the scan field and record it.
    quantity.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      if (quantity.value.length > 4 && scan) {
        scan.value = quantity.value;
        setQuantity(1);
        scan.form.requestSubmit();
        return;
      }
      setQuantity(parseInt(quantity.value, 10));
      if (scan) scan.focus();
    });
  }

  // Packing: Enter in a field moves to the next one instead of packing
  // before every package is entered; a new package gets the focus.
  document.querySelectorAll("form[data-enter-next]").forEach(function (form) {
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key !== "Enter" || target.tagName !== "INPUT" || target === scan) return;
      event.preventDefault();
      var fields = Array.prototype.filter.call(
        form.querySelectorAll("input:not([type=hidden]), select, textarea"),
        function (el) {
          return el.offsetParent !== null;
        }
      );
      var next = fields[fields.indexOf(target) + 1];
      if (next) next.focus();
    });
    form.querySelectorAll("[data-formset-add]").forEach(function (button) {
      // Runs after the shared formset script (orders/app.js) added the row.
      button.addEventListener("click", function () {
        var rows = form.querySelectorAll("[data-formset-row]:not([hidden])");
        var input = rows.length && rows[rows.length - 1].querySelector("input");
        if (input) input.focus();
      });
    });
    form.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-package-remove]");
      if (!remove) return;
      // An emptied package is left out of the formset; hidden, it is gone.
      var row = remove.closest("[data-formset-row]");
      row.querySelectorAll("input").forEach(function (input) {
        input.value = "";
      });
      row.hidden = true;
    });
  });
})();
