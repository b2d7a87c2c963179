/* Settings → pipeline: drag stages into order (SortableJS); "Save order" posts the ids in
   their new order. The move up/down buttons are the keyboard way to do the same. */
(function () {
  "use strict";
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
