// The review findings while the order is typed: the intake form posts
// itself (debounced) to the findings endpoint, which applies the manager's
// review rules to it, and the panel beside the lines lists what it finds,
// in the user's language. Advice only: the form saves whatever it says.
(function () {
  "use strict";

  var form = document.querySelector("form[data-intake]");
  if (!form || !form.dataset.findingsUrl) return;
  var panel = form.querySelector("[data-findings-panel]");
  var layout = form.querySelector("[data-findings-layout]");
  if (!panel || !layout) return;
  var card = panel.querySelector("[data-findings-card]");
  var list = panel.querySelector("[data-findings-list]");
  var none = panel.querySelector("[data-findings-none]");
  var errors = panel.querySelector("[data-findings-errors]");
  var errorsTitle = panel.querySelector("[data-findings-errors-title]");
  var errorsList = panel.querySelector("[data-findings-errors-list]");

  // The panel only exists for those who run this script. Beside the lines
  // where the screen leaves the lines table room (a desktop), below them
  // where it would squeeze it (a tablet).
  var wide = window.matchMedia("(min-width: 1200px)");
  function arrange() {
    layout.classList.toggle("layout", wide.matches);
  }
  wide.addEventListener("change", arrange);
  arrange();
  panel.hidden = false;

  var timer = null;
  var seq = 0;

  // What is still being typed is left out, as the endpoint expects: a line
  // whose product the search has not resolved, a customer not picked yet.
  function payload() {
    var data = new FormData(form);
    form.querySelectorAll("tr[data-line]").forEach(function (row) {
      var product = row.querySelector("[data-product-input]");
      if (product && product.name && row.dataset.listPrice === undefined) {
        data.delete(product.name);
      }
    });
    var customer = form.querySelector("[data-customer-id]");
    if (customer && !customer.dataset.chosen) data.delete(customer.name);
    if (form.dataset.order) data.set("order", form.dataset.order);
    return data;
  }

  function show(findings) {
    list.innerHTML = "";
    findings.forEach(function (finding) {
      var item = document.createElement("li");
      item.textContent = finding.message;
      item.dataset.code = finding.code;
      list.appendChild(item);
    });
    list.hidden = !findings.length;
    none.hidden = !!findings.length;
    errors.hidden = true;
    card.classList.toggle("card--warning", findings.length > 0);
  }

  function showErrors(body) {
    errorsList.innerHTML = "";
    errorsTitle.textContent = body.message || "";
    Object.keys(body.fields || {}).forEach(function (name) {
      [].concat(body.fields[name]).forEach(function (message) {
        var item = document.createElement("li");
        item.className = "field__error";
        item.textContent = message;
        errorsList.appendChild(item);
      });
    });
    errors.hidden = false;
    list.hidden = true;
    none.hidden = true;
    card.classList.remove("card--warning");
  }

  function check() {
    var mine = ++seq;
    fetch(form.dataset.findingsUrl, {
      method: "POST",
      body: payload(), // carries the form's csrfmiddlewaretoken
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        if (mine !== seq) return; // a newer check is on its way
        if (answer.ok) {
          show(answer.body.findings || []);
        } else {
          showErrors(answer.body || {});
        }
      })
      .catch(function () {});
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("intake:changed", schedule);
  schedule();
})();
