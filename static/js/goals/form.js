// Goal form: the unit the baseline and target are written in follows the chosen KPI
// ("In percent: 1.5 means 1.5 percent.", "Amounts in USD."); the hints come from the page
// (json_script "kpi-unit-hints"), already in the page's language.
(function () {
  "use strict";
  const source = document.getElementById("kpi-unit-hints");
  const hint = document.querySelector("[data-kpi-unit-hint]");
  const kpi = document.querySelector('select[name="kpi"]');
  if (!source || !hint || !kpi) return;
  const hints = JSON.parse(source.textContent);
  kpi.addEventListener("change", function () {
    hint.textContent = hints[kpi.value] || "";
  });
})();
