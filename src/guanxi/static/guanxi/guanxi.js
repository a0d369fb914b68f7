// Guanxi's small amount of JavaScript: record pickers, select-all checkboxes, live notifications.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var item = event.target.closest("[data-lookup-value]");
    if (item) {
      event.preventDefault();
      var box = item.closest(".lookup");
      box.querySelector("input[type=hidden]").value = item.dataset.lookupValue;
      box.querySelector("input[type=search]").value = item.dataset.lookupLabel;
      box.querySelector(".lookup-results").innerHTML = "";
    }
    var all = event.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll("input[name=pk]").forEach(function (box) { box.checked = all.checked; });
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll(".search-dropdown, .lookup-results").forEach(function (el) { el.innerHTML = ""; });
    }
  });

  // After a rejected submit, mark the fields the server named and put the cursor in the first one,
  // which also scrolls it into view on a long form.
  document.addEventListener("DOMContentLoaded", function () {
    var fields = document.querySelectorAll(".has-error :is(input:not([type=hidden]), select, textarea)");
    fields.forEach(function (field) { field.setAttribute("aria-invalid", "true"); });
    if (fields.length) { fields[0].focus(); }
  });

  // Charts: {% chart %} leaves a box and its options as JSON; draw each box once, also after htmx swaps.
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function drawCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart-options]:not([data-chart-drawn])").forEach(function (box) {
      var source = document.getElementById(box.dataset.chartOptions);
      if (!source) { return; }
      var options = JSON.parse(source.textContent);
      if (reducedMotion) { options.animation = false; }
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption(options);
      box.setAttribute("data-chart-drawn", "");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.target); });

  function connectNotifications() {
    var path = document.body.dataset.wsNotifications;
    if (!path || !window.WebSocket) { return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + path);
    socket.onmessage = function (message) {
      var badge = document.getElementById("notification-count");
      if (badge) { badge.textContent = String((parseInt(badge.textContent, 10) || 0) + 1); }
    };
    socket.onclose = function () { setTimeout(connectNotifications, 10000); };
  }
  document.addEventListener("DOMContentLoaded", connectNotifications);
})();
