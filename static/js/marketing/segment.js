// Segment editor: add and remove condition rows of the Django formset; every change asks
// the server for the live audience count (the form's hx-trigger includes
// "conditions-changed"). A row offers only the operators its field accepts and suggests
// the field's values, so a row the marketer builds stays valid (segmenting.py).
(function () {
  "use strict";
  const form = document.getElementById("segment-form");
  if (!form) return;
  const list = document.getElementById("conditions");
  const template = document.getElementById("condition-template");
  const total = form.querySelector('input[name="c-TOTAL_FORMS"]');
  const described = document.getElementById("segment-fields");
  const fields = {};
  if (described) {
    JSON.parse(described.textContent).fields.forEach(function (field) { fields[field.key] = field; });
  }

  function changed() {
    form.dispatchEvent(new Event("conditions-changed", { bubbles: true }));
  }

  function datalistFor(field) {
    const id = "segment-values-" + field.key;
    if (!field.choices || document.getElementById(id)) return field.choices ? id : null;
    const datalist = document.createElement("datalist");
    datalist.id = id;
    field.choices.forEach(function (choice) {
      const option = document.createElement("option");
      option.value = choice[0];
      option.label = choice[1];
      datalist.appendChild(option);
    });
    form.appendChild(datalist);
    return id;
  }

  // Fit the row's operator and value to its field; `picked` when the marketer just
  // chose the field (then a value of the previous field is cleared).
  function fitRow(row, picked) {
    const fieldSelect = row.querySelector('select[name$="-field"]');
    const operator = row.querySelector('select[name$="-operator"]');
    const value = row.querySelector('input[name$="-value"]');
    const field = fieldSelect && fields[fieldSelect.value];
    if (!field || !operator) return;
    const allowed = field.operators.map(function (o) { return o.key; });
    Array.prototype.forEach.call(operator.options, function (option) {
      const ok = allowed.indexOf(option.value) !== -1;
      option.hidden = !ok;
      option.disabled = !ok;
    });
    if (allowed.indexOf(operator.value) === -1) operator.value = allowed[0];
    if (!value) return;
    const listId = datalistFor(field);
    if (listId) value.setAttribute("list", listId); else value.removeAttribute("list");
    if (picked) {
      value.value = field.choices ? field.choices[0][0] : "";
    }
    value.inputMode = (field.type === "number" || field.type === "recency") ? "numeric" : "text";
  }

  Array.prototype.forEach.call(list.querySelectorAll("[data-condition]"), function (row) { fitRow(row, false); });

  form.addEventListener("change", function (event) {
    if (event.target.matches('select[name$="-field"]')) {
      fitRow(event.target.closest("[data-condition]"), true);
    }
  }, true);

  form.addEventListener("click", function (event) {
    const add = event.target.closest("[data-add-condition]");
    if (add) {
      const index = parseInt(total.value, 10);
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      list.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const row = list.lastElementChild;
      fitRow(row, false);
      const first = row.querySelector("select, input");
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
