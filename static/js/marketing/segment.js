// Segment editor: add and remove condition rows of the Django formset; every change asks
// the server for the live audience count (the form's hx-trigger includes
// "conditions-changed").
(function () {
  "use strict";
  const form = document.getElementById("segment-form");
  if (!form) return;
  const list = document.getElementById("conditions");
  const template = document.getElementById("condition-template");
  const total = form.querySelector('input[name="c-TOTAL_FORMS"]');

  function changed() {
    form.dispatchEvent(new Event("conditions-changed", { bubbles: true }));
  }

  form.addEventListener("click", function (event) {
    const add = event.target.closest("[data-add-condition]");
    if (add) {
      const index = parseInt(total.value, 10);
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      list.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const first = list.lastElementChild.querySelector("select, input");
      if (first) first.focus();
      changed();
      return;
    }
    const remove = event.target.closest("[data-remove-condition]");
    if (remove) {
      const row = remove.closest("[data-condition]");
      const flag = row.querySelector('input[name$="-DELETE"]');
      if (flag) flag.value = "True";
      row.hidden = true;
      changed();
    }
  });
})();
