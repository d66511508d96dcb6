/* The application form's helpers: characters left under each limited field, and the
   80/20 share recomputed as the figures are typed (the server computes it again on save). */
(function () {
  "use strict";
  function counters() {
    document.querySelectorAll("[data-counter-for]").forEach(function (counter) {
      var field = document.getElementById(counter.getAttribute("data-counter-for"));
      var max = parseInt(counter.getAttribute("data-max"), 10);
      if (!field || !max) { return; }
      var template = counter.getAttribute("data-template");
      function update() {
        var n = field.value.length;
        counter.textContent = template.replace("{n}", n).replace("{max}", max);
        counter.classList.toggle("over", n > max);
      }
      field.addEventListener("input", update);
      update();
    });
  }
  function share() {
    var box = document.getElementById("share-box");
    var total = document.querySelector("[data-income=total]");
    var earned = document.querySelector("[data-income=entrepreneurial]");
    if (!box || !total || !earned) { return; }
    var threshold = parseFloat(String(box.getAttribute("data-threshold")).replace(",", "."));
    var value = document.getElementById("share-value");
    var result = document.getElementById("share-result");
    function update() {
      var t = parseInt(total.value, 10), e = parseInt(earned.value, 10);
      if (isNaN(t) || isNaN(e) || t <= 0) {
        value.textContent = "—";
        result.textContent = result.getAttribute("data-none");
        result.className = "share-result";
        return;
      }
      var pct = Math.round(e * 10000 / t) / 100;
      value.textContent = pct.toLocaleString(document.documentElement.lang || "ru",
        { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " %";
      var ok = pct >= threshold;
      result.textContent = result.getAttribute(ok ? "data-pass" : "data-fail");
      result.className = "share-result " + (ok ? "pass" : "fail");
    }
    total.addEventListener("input", update);
    earned.addEventListener("input", update);
  }
  document.addEventListener("DOMContentLoaded", function () { counters(); share(); });
})();
