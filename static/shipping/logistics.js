// Hand-over forms: offer only the chosen carrier's services, and mark the
// reason as needed when the carrier is not the one the rules proposed. The
// server decides either way; this only saves a round trip.
(function () {
  "use strict";
  document.querySelectorAll("form.ship-form").forEach(function (form) {
    var carrier = form.querySelector("[data-carrier]");
    var service = form.querySelector("[data-services]");
    var reason = form.querySelector(".field--reason");
    var proposed = form.getAttribute("data-proposed") || "";
    if (!carrier || !service) return;
    function sync() {
      var name = carrier.options[carrier.selectedIndex]
        ? carrier.options[carrier.selectedIndex].text
        : "";
      service.querySelectorAll("optgroup").forEach(function (group) {
        var mine = group.label === name;
        group.hidden = !mine;
        group.disabled = !mine;
        if (!mine && group.contains(service.options[service.selectedIndex])) {
          service.value = "";
        }
      });
      if (reason) {
        reason.classList.toggle("is-needed", proposed !== "" && carrier.value !== proposed);
      }
    }
    carrier.addEventListener("change", sync);
    sync();
  });
})();
