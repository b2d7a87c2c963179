/* Goalpost shell behaviour: htmx settings, navigation, dialogs, messages (pickers: lookup.js). */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) {
      // Forms re-rendered with validation errors come back as 422: swap them in anyway so
      // the errors show next to their fields; other 4xx/5xx stay errors.
      htmx.config.responseHandling = [
        { code: "204", swap: false },
        { code: "[23]..", swap: true },
        { code: "422", swap: true },
        { code: "[45]..", swap: false, error: true },
      ];
      htmx.config.defaultFocusScroll = false;
    }
  });

  // Search forms push their query into the address bar: keep it short and shareable.
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (event.detail.verb !== "get" || !form.matches || !form.matches("form[role=search]")) return;
    var data = event.detail.formData;
    if (!data) return;
    var empty = [];
    data.forEach(function (value, key) { if (value === "") empty.push(key); });
    empty.forEach(function (key) { data.delete(key); });
  });

  // A request htmx could not swap (403, 404, 500, network): say so instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var text = status === 403 ? gettext("You are not allowed to do that.")
      : status === 404 ? gettext("That item no longer exists or is not yours.")
      : gettext("Something went wrong. Please try again.");
    Goalpost.announce(text, "error");
  });
  // A form that comes back with errors (422) makes an earlier "… saved." note stale: the
  // page would otherwise show "SLA targets saved." above "Please correct the errors below".
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.xhr || event.detail.xhr.status !== 422) return;
    document.querySelectorAll("#messages .flash--success").forEach(function (note) { note.remove(); });
  });
  document.addEventListener("htmx:sendError", function () {
    Goalpost.announce(gettext("The server could not be reached. Check your connection."), "error");
  });

  // Strings go through Django's JavaScript catalog (/jsi18n/, loaded before this file):
  // the global gettext, ngettext and interpolate.

  // Dates and numbers drawn by scripts read like the page around them. Django's locale
  // formats print Latin digits and Gregorian dates in every language we ship, Persian
  // included, while ICU's default for "fa" is Persian digits and the Solar Hijri calendar
  // ("fa-u-nu-latn" alone still gives Hijri dates). One reading of a figure across page,
  // chart, CSV and API, and dates matching the deal dates imported from other systems:
  // so Intl always gets the Gregorian calendar and Latin digits (a no-op for de, tr, ko, ro).
  var intlLocale = (document.documentElement.lang || "en") + "-u-ca-gregory-nu-latn";

  var Goalpost = (window.Goalpost = {
    intlLocale: intlLocale,
    csrfToken: function () {
      try {
        return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
      } catch (e) {
        return "";
      }
    },
    /* Show a message in the page's live region (read out by screen readers). */
    announce: function (text, level, region) {
      var host = region || document.getElementById("messages");
      if (!host) return;
      var flash = document.createElement("div");
      flash.className = "flash flash--" + (level || "info");
      flash.setAttribute("role", level === "error" ? "alert" : "status");
      var span = document.createElement("span");
      span.textContent = text;
      var close = document.createElement("button");
      close.type = "button";
      close.className = "icon-button";
      close.setAttribute("data-dismiss", "");
      close.setAttribute("aria-label", gettext("Dismiss"));
      close.textContent = "×";
      flash.appendChild(span);
      flash.appendChild(close);
      host.replaceChildren(flash);
      if (level !== "error") {
        setTimeout(function () { if (flash.isConnected) flash.remove(); }, 6000);
      }
      return flash;
    },
  });

  document.addEventListener("click", function (event) {
    var target = event.target;

    var toggle = target.closest("[data-nav-toggle]");
    if (toggle) {
      var nav = document.getElementById(toggle.getAttribute("aria-controls"));
      var open = nav.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", String(open));
      return;
    }

    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      dismiss.closest(".flash").remove();
      return;
    }

    var opener = target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dialog) {
        // Buttons can prefill the dialog's form: data-dialog-set-<field>="value".
        Object.keys(opener.dataset).forEach(function (key) {
          if (key.indexOf("dialogSet") !== 0) return;
          var name = key.slice(9).replace(/^./, function (c) { return c.toLowerCase(); });
          var field = dialog.querySelector('[name="' + name + '"]');
          if (field) field.value = opener.dataset[key];
        });
        if (opener.dataset.dialogTitle) {
          var heading = dialog.querySelector("h2");
          if (heading) heading.textContent = opener.dataset.dialogTitle;
        }
        if (opener.dataset.dialogAction) {
          var form = dialog.querySelector("form");
          form.setAttribute("action", opener.dataset.dialogAction);
          form.setAttribute("hx-post", opener.dataset.dialogAction);
          if (window.htmx) htmx.process(form);
        }
        dialog.showModal();
        var first = dialog.querySelector("input:not([type=hidden]), select, textarea");
        if (first) first.focus();
      }
      return;
    }

    var closer = target.closest("[data-dialog-close]");
    if (closer) {
      closer.closest("dialog").close();
      return;
    }

    // Clicking outside the open navigation drawer closes it on small screens.
    var drawer = document.querySelector(".sidenav.is-open");
    if (drawer && !target.closest(".sidenav")) {
      drawer.classList.remove("is-open");
      var button = document.querySelector("[data-nav-toggle]");
      if (button) button.setAttribute("aria-expanded", "false");
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var drawer = document.querySelector(".sidenav.is-open");
      if (drawer) {
        drawer.classList.remove("is-open");
        document.querySelector("[data-nav-toggle]").setAttribute("aria-expanded", "false");
        document.querySelector("[data-nav-toggle]").focus();
      }
    }
  });

  // A list's search box already refreshes the results as it is typed in (its `input`
  // trigger); its `change` on leaving the box would refresh them a second time and close a
  // menu the person just opened inside them (Columns, Save view). Stopped while capturing,
  // before it reaches the toolbar form's `change` trigger.
  document.addEventListener("change", function (event) {
    if (event.target.matches("form[role=search] input[type=search]")) event.stopPropagation();
  }, true);

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) {
      event.target.form.requestSubmit();
    }
    if (event.target.matches("select[data-navigate]")) {
      window.location.assign(event.target.value);
    }
  });

  // A call's outcome means nothing for an email or a meeting: show the field for calls only.
  function syncOutcome(form) {
    var kind = form.querySelector('[name="kind"]');
    var outcome = form.querySelector('[name="outcome"]');
    if (!kind || !outcome) return;
    var isCall = kind.value === "call";
    (outcome.closest(".field") || outcome).hidden = !isCall;
    if (!isCall) outcome.value = "";
  }
  function syncOutcomes(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("form").forEach(syncOutcome);
  }
  document.addEventListener("DOMContentLoaded", function () { syncOutcomes(document); });
  document.addEventListener("htmx:afterSwap", function (event) { syncOutcomes(event.detail.elt.parentNode || document); });
  document.addEventListener("change", function (event) {
    if (event.target.name === "kind" && event.target.form) syncOutcome(event.target.form);
  });
  // The quick-log dialog's buttons set the kind before opening it (see the click handler).
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-dialog-open]");
    if (!opener) return;
    var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
    if (dialog) syncOutcomes(dialog);
  });

  // A dialog whose form succeeded closes itself (the server answers with HX-Trigger).
  document.addEventListener("goalpost:close-dialogs", function () {
    document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
  });
})();
