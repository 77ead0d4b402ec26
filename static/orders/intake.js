// The intake / edit form: new-or-existing customer, lines that grow, and a
// product search that fills a line and shows live availability. The
// customer search (customer-search.js) and the live review findings
// (intake-findings.js) are their own scripts; this one tells them a line
// changed with an "intake:changed" event on the form.
(function () {
  "use strict";

  var form = document.querySelector("form[data-intake]");
  if (!form) return;

  var searchUrl = form.dataset.searchUrl;
  var text = {
    available: form.dataset.textAvailable,
    short: form.dataset.textShort,
    noMatch: form.dataset.textNoMatch,
    listPrice: form.dataset.textListPrice,
  };
  var products = {}; // sku -> last search result, for lines filled earlier

  function fmt(template, n) {
    return template.replace("%(n)s", n);
  }

  function cny(amount) {
    return (
      "¥" +
      amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    );
  }

  function search(q) {
    return fetch(searchUrl + "?q=" + encodeURIComponent(q), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        data.results.forEach(function (p) {
          products[p.sku.toUpperCase()] = p;
        });
        return data.results;
      });
  }

  // --- customer: existing or new -------------------------------------------

  var modeRadios = form.querySelectorAll('input[name="customer_mode"]');
  function showCustomerPanel() {
    var mode = "existing";
    modeRadios.forEach(function (radio) {
      if (radio.checked) mode = radio.value;
    });
    form.querySelectorAll("[data-customer-panel]").forEach(function (panel) {
      panel.hidden = panel.dataset.customerPanel !== mode;
    });
  }
  modeRadios.forEach(function (radio) {
    radio.addEventListener("change", showCustomerPanel);
  });
  showCustomerPanel();

  // --- lines -------------------------------------------------------------------

  var body = form.querySelector("[data-lines]");
  var template = form.querySelector("template[data-line-template]");
  var totalForms = form.querySelector('input[name="lines-TOTAL_FORMS"]');
  var orderTotal = form.querySelector("[data-order-total]");

  function recompute() {
    var total = 0;
    body.querySelectorAll("tr[data-line]").forEach(function (row) {
      if (row.classList.contains("line--removed")) return;
      var qty = parseInt(row.querySelector("[data-quantity]").value, 10) || 0;
      var priceInput = row.querySelector("[data-unit-price]");
      var price = parseFloat(priceInput.value);
      if (isNaN(price)) price = parseFloat(row.dataset.listPrice);
      var cell = row.querySelector("[data-line-total]");
      if (!isNaN(price) && qty > 0) {
        cell.textContent = cny(qty * price);
        total += qty * price;
      } else {
        cell.textContent = "";
      }
      showAvailability(row);
    });
    orderTotal.textContent = cny(total);
    form.dispatchEvent(new CustomEvent("intake:changed"));
  }

  function showAvailability(row) {
    var target = row.querySelector("[data-availability]");
    if (row.dataset.available === undefined) {
      target.textContent = "";
      return;
    }
    var available = parseInt(row.dataset.available, 10);
    var qty = parseInt(row.querySelector("[data-quantity]").value, 10) || 0;
    var short = qty > available;
    target.innerHTML = "";
    var badge = document.createElement("span");
    badge.className = "stock" + (short ? " stock--short" : "");
    badge.textContent = fmt(short ? text.short : text.available, available);
    target.appendChild(badge);
  }

  function fill(row, product) {
    var input = row.querySelector("[data-product-input]");
    var priceInput = row.querySelector("[data-unit-price]");
    if (!product) {
      delete row.dataset.available;
      delete row.dataset.listPrice;
      row.querySelector("[data-product-name]").textContent = "";
      priceInput.placeholder = "";
      priceInput.title = "";
      recompute();
      return;
    }
    input.value = product.sku;
    row.dataset.available = product.available;
    row.dataset.listPrice = product.list_price;
    row.querySelector("[data-product-name]").textContent = product.name;
    priceInput.placeholder = product.list_price;
    priceInput.title = text.listPrice + " " + product.list_price;
    recompute();
  }

  function setupRow(row) {
    var input = row.querySelector("[data-product-input]");
    var list = row.querySelector(".suggest");
    var results = [];
    var active = -1;
    var timer = null;

    function close() {
      list.hidden = true;
      active = -1;
    }

    function render() {
      list.innerHTML = "";
      if (!results.length) {
        var empty = document.createElement("li");
        empty.className = "suggest__empty";
        empty.textContent = text.noMatch;
        list.appendChild(empty);
      }
      results.forEach(function (p, i) {
        var item = document.createElement("li");
        item.setAttribute("role", "option");
        if (i === active) item.classList.add("is-active");
        var sku = document.createElement("span");
        sku.className = "mono strong";
        sku.textContent = p.sku;
        var name = document.createElement("span");
        name.textContent = p.name + " · " + cny(parseFloat(p.list_price));
        var stock = document.createElement("span");
        stock.className = "stock" + (p.available > 0 ? "" : " stock--short");
        stock.textContent = fmt(text.available, p.available);
        item.append(sku, name, stock);
        item.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep focus; choose before blur closes the list
          choose(i);
        });
        list.appendChild(item);
      });
      list.hidden = false;
    }

    function choose(i) {
      fill(row, results[i]);
      close();
      row.querySelector("[data-quantity]").focus();
    }

    input.addEventListener("input", function () {
      var q = input.value.trim();
      var known = products[q.toUpperCase()];
      fill(row, known && known.sku.toUpperCase() === q.toUpperCase() ? known : null);
      clearTimeout(timer);
      if (!q) return close();
      timer = setTimeout(function () {
        search(q).then(function (found) {
          if (input.value.trim() !== q) return; // a newer query is on its way
          results = found;
          active = found.length ? 0 : -1;
          render();
        });
      }, 200);
    });

    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        active = (active + step + results.length) % results.length;
        render();
      } else if (event.key === "Enter") {
        event.preventDefault(); // never submit the order from the search box
        if (active >= 0) choose(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", close);

    row.querySelectorAll("[data-quantity], [data-unit-price]").forEach(function (el) {
      el.addEventListener("input", recompute);
    });

    row.querySelector("[data-remove-line]").addEventListener("click", function () {
      var del = row.querySelector('input[name$="-DELETE"]');
      if (del) del.checked = true;
      row.classList.add("line--removed");
      recompute();
    });

    // A line filled earlier (edit page, or a form shown again with errors).
    var sku = input.value.trim();
    if (sku) {
      search(sku).then(function (found) {
        var exact = found.filter(function (p) {
          return p.sku.toUpperCase() === sku.toUpperCase();
        })[0];
        if (exact) fill(row, exact);
      });
    }
  }

  body.querySelectorAll("tr[data-line]").forEach(setupRow);

  form.querySelector("[data-add-line]").addEventListener("click", function () {
    var index = parseInt(totalForms.value, 10);
    body.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, index));
    totalForms.value = index + 1;
    var row = body.lastElementChild;
    setupRow(row);
    row.querySelector("[data-product-input]").focus();
    recompute();
  });

  recompute();
})();
