// The dispatch board: drag a work order onto a technician's hour (day view) or day (week view) to assign
// or reassign it; onto the unassigned list to take it back (HTML5 drag and drop). The change is posted
// with htmx; the server answers 204 and "board-changed", which reloads the board with its conflicts.
// Each unassigned card also has a plain form, for keyboards and for browsers without drag and drop.
(function () {
  "use strict";

  var dragged = null;

  function board() { return document.getElementById("board"); }

  function target(event) {
    return event.target.closest && event.target.closest(".dispatch-drop");
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".wo-card[draggable=true]");
    if (!card || !board()) { return; }
    dragged = card;
    card.classList.add("opacity-50");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.workOrder);
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("opacity-50"); }
    document.querySelectorAll(".dispatch-drop.table-primary, .dispatch-drop.border-primary").forEach(function (c) {
      c.classList.remove("table-primary", "border-primary");
    });
    dragged = null;
  });

  document.addEventListener("dragover", function (event) {
    var cell = target(event);
    if (!cell || !dragged) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    cell.classList.add(cell.tagName === "TD" ? "table-primary" : "border-primary");
  });

  document.addEventListener("dragleave", function (event) {
    var cell = target(event);
    if (cell && !cell.contains(event.relatedTarget)) { cell.classList.remove("table-primary", "border-primary"); }
  });

  document.addEventListener("drop", function (event) {
    var cell = target(event);
    if (!cell || !dragged) { return; }
    event.preventDefault();
    var card = dragged;
    if (cell.dataset.unassign) {
      if (!card.dataset.unscheduleUrl) { return; }  // already unassigned
      window.htmx.ajax("POST", card.dataset.unscheduleUrl, {swap: "none", source: card})
        .catch(function () { window.location.reload(); });
      return;
    }
    var start = cell.dataset.date + "T" + (cell.dataset.time || card.dataset.time || "09:00");
    cell.appendChild(card);  // show the move at once; the reload confirms it and shows its conflicts
    window.htmx.ajax("POST", card.dataset.scheduleUrl, {
      values: {technician: cell.dataset.technician, scheduled_start: start}, swap: "none", source: card,
    }).catch(function () { window.location.reload(); });
  });

  document.addEventListener("htmx:responseError", function (event) {
    if (!board() || !event.detail.xhr) { return; }
    window.alert(event.detail.xhr.responseText || board().dataset.error);
    window.location.reload();
  });
})();
