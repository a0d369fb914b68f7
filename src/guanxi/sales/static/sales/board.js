// The pipeline board: drag a card onto another stage to move the opportunity (HTML5 drag and drop).
// The move is posted with htmx; the server answers 204 and "board-changed", which reloads the board
// with the same filters. Dropping on a won or lost stage opens the page that asks for the reason.
(function () {
  "use strict";

  var dragged = null;

  function board() { return document.getElementById("board"); }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".kanban-card[draggable=true]");
    if (!card) { return; }
    dragged = card;
    card.classList.add("opacity-50");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.opportunity);
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("opacity-50"); }
    document.querySelectorAll(".kanban-column.border-primary").forEach(function (c) { c.classList.remove("border-primary"); });
    dragged = null;
  });

  document.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".kanban-column");
    if (!column || !dragged) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("border-primary");
  });

  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".kanban-column");
    if (column && !column.contains(event.relatedTarget)) { column.classList.remove("border-primary"); }
  });

  document.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".kanban-column");
    if (!column || !dragged) { return; }
    event.preventDefault();
    var card = dragged;
    if (card.closest(".kanban-column") === column) { return; }
    column.querySelector(".kanban-cards").prepend(card);  // show the move at once; the reload confirms it
    window.htmx.ajax("POST", card.dataset.moveUrl, {values: {stage: column.dataset.stage}, swap: "none", source: card})
      .catch(function () { window.location.reload(); });
  });

  document.addEventListener("htmx:responseError", function (event) {
    if (!board() || !event.detail.xhr) { return; }
    window.alert(event.detail.xhr.responseText || board().dataset.error);
    window.location.reload();
  });
})();
