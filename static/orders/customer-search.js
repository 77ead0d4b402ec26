// The intake form's customer: a search instead of a list of every customer.
// Without this script the input takes a customer number or phone as typed;
// with it, typing part of a name, company or phone lists matches from the
// server (at most 20), and the one picked (click, or arrow keys and Enter)
// fills a hidden input with its number. A combobox in the ARIA sense: the
// label stays on the input, the list is its listbox.
(function () {
  "use strict";

  var wrap = document.querySelector("[data-customer-search]");
  if (!wrap) return;
  var input = wrap.querySelector("[data-customer-input]");
  var list = wrap.querySelector('[role="listbox"]');
  var chosenText = wrap.querySelector("[data-customer-chosen]");
  var form = input.form;
  if (!input || !list || !form) return;

  // The number goes in a hidden input of the same name; the visible one
  // shows who it is and is not submitted.
  var hidden = document.createElement("input");
  hidden.type = "hidden";
  hidden.name = input.name;
  hidden.value = input.value.trim();
  hidden.setAttribute("data-customer-id", "");
  input.removeAttribute("name");
  input.after(hidden);
  if (wrap.dataset.chosenLabel) {
    input.value = wrap.dataset.chosenLabel;
    hidden.dataset.chosen = "1";
  }

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  var results = [];
  var active = -1;
  var timer = null;
  var seq = 0;

  function changed() {
    form.dispatchEvent(new CustomEvent("intake:changed"));
  }

  function close() {
    list.hidden = true;
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function render() {
    list.innerHTML = "";
    if (!results.length) {
      var empty = document.createElement("li");
      empty.className = "suggest__empty";
      empty.textContent = wrap.dataset.textNoMatch;
      list.appendChild(empty);
    }
    results.forEach(function (c, i) {
      var item = document.createElement("li");
      item.id = list.id + "-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", i === active ? "true" : "false");
      if (i === active) item.classList.add("is-active");
      var phone = document.createElement("span");
      phone.className = "mono";
      phone.textContent = c.phone;
      var who = document.createElement("span");
      who.className = "strong";
      who.textContent = c.label;
      var city = document.createElement("span");
      city.className = "muted small";
      city.textContent = c.city;
      item.append(phone, who, city);
      item.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep focus; choose before blur closes the list
        choose(i);
      });
      list.appendChild(item);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", list.id + "-" + active);
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(i) {
    var c = results[i];
    if (!c) return;
    hidden.value = String(c.id);
    hidden.dataset.chosen = "1";
    input.value = c.label;
    chosenText.textContent = [c.label, c.phone, c.city].filter(Boolean).join(" · ");
    close();
    changed();
  }

  input.addEventListener("input", function () {
    var q = input.value.trim();
    // Until a customer is picked, what is typed is sent as typed: a number
    // or phone still works, anything else the server names as an error.
    hidden.value = q;
    delete hidden.dataset.chosen;
    chosenText.textContent = "";
    changed();
    clearTimeout(timer);
    if (!q) return close();
    timer = setTimeout(function () {
      var mine = ++seq;
      fetch(wrap.dataset.url + "?q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (mine !== seq || input.value.trim() !== q) return; // a newer query is on its way
          results = data.results;
          active = results.length ? 0 : -1;
          render();
        })
        .catch(function () {});
    }, 200);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      close();
      return;
    }
    if (list.hidden) {
      if (event.key === "ArrowDown" && results.length) {
        event.preventDefault();
        active = 0;
        render();
      }
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!results.length) return;
      var step = event.key === "ArrowDown" ? 1 : -1;
      active = (active + step + results.length) % results.length;
      render();
    } else if (event.key === "Enter") {
      event.preventDefault(); // never submit the order from the search box
      if (active >= 0) choose(active);
    }
  });
  input.addEventListener("blur", close);
})();
