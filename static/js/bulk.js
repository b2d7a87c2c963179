/* Bulk selection on the lists (templates/web/_bulk_bar.html): the header box selects the
   page, a button then selects every row the filter matches; the action's own choice
   (owner, stage, tag) shows only for that action. */
(function () {
  "use strict";

  function bar() {
    return document.querySelector("form[data-bulk]");
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("input[data-bulk-row]"));
  }

  function refresh() {
    var form = bar();
    if (!form) return;
    var all = rows();
    var checked = all.filter(function (box) { return box.checked; }).length;
    var matching = parseInt(form.dataset.matching, 10) || 0;
    var allMatching = form.querySelector("[data-bulk-all-matching]");
    var page = document.querySelector("input[data-bulk-page]");
    if (page) {
      page.checked = all.length > 0 && checked === all.length;
      page.indeterminate = checked > 0 && checked < all.length;
    }
    var status = form.querySelector("[data-bulk-status]");
    var button = form.querySelector("[data-bulk-select-matching]");
    // Above the list's count limit the bar carries its own words ("All 10,000+ matching
    // records are selected."): the number is a bound, not the total.
    var bounded = form.hasAttribute("data-matching-bounded");
    if (allMatching.value === "1") {
      status.textContent = bounded
        ? form.dataset.allMatchingStatus
        : interpolate(
            ngettext("All %s matching record is selected.", "All %s matching records are selected.", matching),
            [matching]
          );
      button.hidden = true;
      return;
    }
    status.textContent = checked
      ? interpolate(ngettext("%s selected on this page.", "%s selected on this page.", checked), [checked])
      : gettext("Select rows to act on them.");
    button.hidden = !(checked === all.length && (bounded || matching > all.length));
  }

  function showParams() {
    var form = bar();
    if (!form) return;
    var kind = form.querySelector("[data-bulk-kind]").value;
    form.querySelectorAll("[data-bulk-param]").forEach(function (field) {
      var on = field.dataset.bulkParam.split(" ").indexOf(kind) >= 0;
      field.hidden = !on;
      field.querySelectorAll("input, select").forEach(function (input) { input.disabled = !on; });
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("input[data-bulk-page]")) {
      rows().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches("input[data-bulk-page], input[data-bulk-row]")) {
      var form = bar();
      if (form) form.querySelector("[data-bulk-all-matching]").value = "0";
      refresh();
    }
    if (target.matches("[data-bulk-kind]")) showParams();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-bulk-select-matching]");
    if (!button) return;
    bar().querySelector("[data-bulk-all-matching]").value = "1";
    refresh();
  });

  // The list re-renders when the search box loses focus or a filter changes: a
  // re-render of the same filter keeps what was selected and chosen.
  var kept = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var form = bar();
    if (!form) return;
    var fields = {};
    form.querySelectorAll("select[name], input[name]:not([type=hidden])").forEach(function (f) {
      fields[f.name] = f.value;
    });
    kept = {
      filter: form.querySelector("[name=filter]").value,
      all: form.querySelector("[data-bulk-all-matching]").value,
      ids: rows().filter(function (box) { return box.checked; }).map(function (box) { return box.value; }),
      fields: fields,
    };
  });

  function restore() {
    var form = bar();
    var previous = kept;
    kept = null;
    if (!form || !previous || form.querySelector("[name=filter]").value !== previous.filter) return;
    rows().forEach(function (box) { box.checked = previous.ids.indexOf(box.value) >= 0; });
    form.querySelector("[data-bulk-all-matching]").value = previous.all;
    Object.keys(previous.fields).forEach(function (name) {
      var field = form.querySelector('[name="' + name + '"]:not([type=hidden])');
      if (field) field.value = previous.fields[name];
    });
  }

  function setUp() {
    restore();
    showParams();
    refresh();
  }
  document.addEventListener("DOMContentLoaded", setUp);
  document.addEventListener("htmx:afterSettle", setUp);
})();
