/* Settings → pipeline: drag stages into order (SortableJS); "Save order" posts the ids in
   their new order. The move up/down buttons are the keyboard way to do the same. */
(function () {
  "use strict";
  // After a move up/down the page comes back at #stage-<id>?moved=<direction>: the focus
  // returns to that stage's button (the other one at the ends), so the next press works.
  // Once loaded: the browser's scroll to the #fragment would otherwise take the focus away.
  window.addEventListener("load", function () {
    var moved = new URLSearchParams(window.location.search).get("moved");
    var item = moved && window.location.hash && document.getElementById(window.location.hash.slice(1));
    if (!item) return;
    var button = item.querySelector('[data-move="' + (moved === "up" ? "up" : "down") + '"]') ||
      item.querySelector("[data-move]");
    if (button) button.focus();
  });

  var list = document.querySelector("[data-stage-order]");
  if (!list || !window.Sortable) return;
  Sortable.create(list, {
    draggable: ".stage-order__item",
    filter: "button, a, input",
    preventOnFilter: false,
    animation: 150,
    ghostClass: "sortable-ghost",
    chosenClass: "sortable-chosen",
    fallbackTolerance: 3,
  });
})();
