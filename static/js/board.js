/* Pipeline board: drag-and-drop with SortableJS, saved through the move endpoint.
   A refused move puts the card back where it was and says why. */
(function () {
  "use strict";

  var board = document.getElementById("board");
  if (!board || !window.Sortable) return;
  var status = document.getElementById("board-status");

  function columnOf(el) { return el.closest("[data-stage-id]"); }
  function cardIds(list) {
    return Array.prototype.map.call(list.querySelectorAll(":scope > .card"), function (c) {
      return c.getAttribute("data-deal-id");
    });
  }

  function updateColumns(columns) {
    Object.keys(columns || {}).forEach(function (stageId) {
      var column = board.querySelector('[data-stage-id="' + stageId + '"]');
      if (!column) return;
      var count = column.querySelector('[data-role="count"]');
      var n = columns[stageId].count;
      count.textContent = n;
      // The label screen readers hear must follow the figure, in the page's plural rules.
      count.setAttribute("aria-label",
        interpolate(ngettext("%(counter)s deal", "%(counter)s deals", n), { counter: n }, true));
      var total = column.querySelector('[data-role="total"]');
      total.textContent = columns[stageId].total;
      total.title = columns[stageId].parts || "";
      var warning = column.querySelector('[data-role="warning"]');
      if (warning) {
        warning.textContent = columns[stageId].warning || "";
        warning.hidden = !columns[stageId].warning;
      }
    });
  }

  /* Put a card back at `index` in `list` (its place before the drag). */
  function snapBack(card, list, index) {
    var cards = list.querySelectorAll(":scope > .card");
    var ref = cards[index] || list.querySelector(":scope > .column__empty");
    if (ref && ref !== card) list.insertBefore(card, ref); else list.appendChild(card);
    card.classList.add("is-refused");
    setTimeout(function () { card.classList.remove("is-refused"); }, 600);
  }

  function move(card, fromList, oldIndex) {
    var toList = card.parentElement;
    var stageId = columnOf(toList).getAttribute("data-stage-id");
    var body = new URLSearchParams();
    body.set("stage", stageId);
    body.set("order", cardIds(toList).join(","));
    if (board.dataset.owner) body.set("owner", board.dataset.owner);
    card.classList.add("is-saving");
    card.setAttribute("aria-busy", "true");
    return fetch(card.getAttribute("data-move-url"), {
      method: "POST",
      headers: {
        "X-CSRFToken": window.Goalpost.csrfToken(),
        "X-Requested-With": "XMLHttpRequest",
        "Accept": "application/json",
      },
      body: body,
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { ok: response.ok && data.ok, status: response.status, data: data };
        });
      })
      .catch(function () {
        return { ok: false, status: 0, data: { error: gettext("The server could not be reached. Check your connection.") } };
      })
      .then(function (result) {
        card.classList.remove("is-saving");
        card.removeAttribute("aria-busy");
        if (result.ok) {
          updateColumns(result.data.columns);
          window.Goalpost.announce(result.data.message || gettext("Moved."), "success", status);
        } else {
          snapBack(card, fromList, oldIndex);
          var reason = result.data.error || (result.status === 403 ? gettext("You are not allowed to do that.") : gettext("The move was refused."));
          window.Goalpost.announce(reason, "error", status);
        }
        return result;
      });
  }

  board.querySelectorAll(".column__cards").forEach(function (list) {
    Sortable.create(list, {
      group: "board",
      draggable: ".card",
      filter: "button, input, select, textarea",
      preventOnFilter: false,
      animation: 150,
      ghostClass: "sortable-ghost",
      chosenClass: "sortable-chosen",
      dragClass: "sortable-drag",
      fallbackTolerance: 3,
      onEnd: function (event) {
        if (event.from === event.to && event.oldIndex === event.newIndex) return;
        move(event.item, event.from, event.oldDraggableIndex);
      },
    });
  });

  /* A card leaving the board (won, or lost through the dialog) must not take keyboard focus
     with it: focus goes to the next card in its column, else the previous, else the column's
     heading. Ids are kept rather than elements because the swaps replace the headings. */
  var leaving = null;
  board.addEventListener("click", function (event) {
    var button = event.target.closest(".card .won, .card .lost");
    if (!button) return;
    var card = button.closest(".card");
    var next = card.nextElementSibling, prev = card.previousElementSibling;
    var neighbour = next && next.matches(".card") ? next : prev && prev.matches(".card") ? prev : null;
    leaving = {
      card: card,
      neighbourId: neighbour ? neighbour.id : null,
      stageId: columnOf(card).getAttribute("data-stage-id"),
    };
  });
  function restoreFocus() {
    if (!leaving || leaving.card.isConnected) return;
    var neighbour = leaving.neighbourId && document.getElementById(leaving.neighbourId);
    var target = neighbour ? neighbour.querySelector(".card__title")
      : document.getElementById("col-title-" + leaving.stageId);
    leaving = null;
    if (!target) return;
    if (!target.matches("a, button")) target.setAttribute("tabindex", "-1");
    target.focus();
  }
  document.addEventListener("htmx:afterSettle", restoreFocus);
  var lostDialog = document.getElementById("lost-dialog");
  if (lostDialog) lostDialog.addEventListener("close", function () { setTimeout(restoreFocus, 0); });

  /* Keyboard: Alt + arrow moves the focused card to the previous/next stage (mirrored in RTL). */
  board.addEventListener("keydown", function (event) {
    if (!event.altKey || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) return;
    var card = event.target.closest(".card");
    if (!card) return;
    event.preventDefault();
    var rtl = document.documentElement.dir === "rtl";
    var forward = (event.key === "ArrowRight") !== rtl;
    var columns = Array.prototype.slice.call(board.querySelectorAll(".column"));
    var from = columnOf(card);
    var target = columns[columns.indexOf(from) + (forward ? 1 : -1)];
    if (!target) return;
    var fromList = card.parentElement;
    var oldIndex = Array.prototype.indexOf.call(fromList.querySelectorAll(":scope > .card"), card);
    var toList = target.querySelector(".column__cards");
    toList.insertBefore(card, toList.firstElementChild);
    var focusable = card.querySelector(".card__title");
    if (focusable) focusable.focus();
    move(card, fromList, oldIndex);
  });
})();
