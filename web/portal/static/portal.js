// stint portal: live countdowns of the time a grant has left. Everything
// else works without this file; htmx.min.js only enhances the forms.
(function () {
  "use strict";
  function left(ms) {
    if (ms <= 0) return "ended";
    var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    s = s % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    if (h > 0) return h + "h " + pad(m) + "m " + pad(s) + "s";
    if (m > 0) return m + "m " + pad(s) + "s";
    return s + "s";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-ends-at]").forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-ends-at"));
      if (!isNaN(end)) el.textContent = left(end - now);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
  });
  // Swapped-in content gets its countdown at once, not a second later.
  document.addEventListener("htmx:afterSettle", tick);
})();
