// Progress of an import job. htmx (loaded by base.html) polls the partial every second;
// this fallback does the same with fetch when htmx is not on the page.
(function () {
  "use strict";
  if (window.htmx) return;
  function poll() {
    var box = document.getElementById("import-progress");
    if (!box || !box.dataset.polling) return;
    fetch(box.dataset.progressUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response); })
      .then(function (html) {
        box.outerHTML = html;
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
