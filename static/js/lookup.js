/* Search-as-you-type pickers (crm/web/forms/widgets.py LookupWidget), following the
   WAI-ARIA combobox pattern: the text field keeps focus, ArrowUp/ArrowDown move the
   active option (aria-activedescendant), Enter picks it, Escape closes the list. */
(function () {
  "use strict";

  var DELAY = 150;
  // The lookup whose option is under a pressed mouse button, or null.
  var pressed = null;

  function parts(lookup) {
    return {
      value: lookup.querySelector("[data-lookup-value]"),
      text: lookup.querySelector("[data-lookup-text]"),
      list: lookup.querySelector(".lookup__results"),
    };
  }

  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
  }

  function setActive(lookup, index) {
    var p = parts(lookup);
    var all = options(p.list);
    all.forEach(function (o, i) {
      var on = i === index;
      o.setAttribute("aria-selected", String(on));
      o.classList.toggle("is-active", on);
    });
    if (index >= 0 && all[index]) {
      p.text.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      p.text.removeAttribute("aria-activedescendant");
    }
  }

  function activeIndex(lookup) {
    return options(parts(lookup).list).findIndex(function (o) {
      return o.classList.contains("is-active");
    });
  }

  function close(lookup) {
    var p = parts(lookup);
    p.list.hidden = true;
    p.text.setAttribute("aria-expanded", "false");
    p.text.removeAttribute("aria-activedescendant");
  }

  function open(lookup) {
    var p = parts(lookup);
    if (!p.list.children.length) return;
    p.list.hidden = false;
    p.text.setAttribute("aria-expanded", "true");
  }

  function pick(lookup, option) {
    var p = parts(lookup);
    p.value.value = option.dataset.value;
    p.text.value = option.dataset.label;
    p.text.dataset.chosen = option.dataset.label;
    // Matches held back during the click, due or on their way, were for the text the pick
    // replaced: a late answer must not reopen the list over the form.
    lookup._pending = null;
    clearTimeout(lookup._timer);
    if (lookup._abort) lookup._abort.abort();
    lookup.removeAttribute("aria-busy");
    close(lookup);
    p.value.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function fetchResults(lookup) {
    var p = parts(lookup);
    if (lookup._abort) lookup._abort.abort();
    var abort = (lookup._abort = new AbortController());
    var base = lookup.dataset.lookupUrl;
    var url = base + (base.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(p.text.value.trim());
    lookup.setAttribute("aria-busy", "true");
    fetch(url, { headers: { "X-Requested-With": "fetch" }, signal: abort.signal })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        lookup.removeAttribute("aria-busy");
        // Matches that arrive while an option is pressed wait for the click: replacing the
        // option between mousedown and mouseup would turn the click into a miss.
        if (pressed === lookup) lookup._pending = html;
        else show(lookup, html);
      })
      .catch(function (error) {
        if (error.name === "AbortError") return;
        lookup.removeAttribute("aria-busy");
        window.Goalpost && Goalpost.announce(gettext("Something went wrong. Please try again."), "error");
      });
  }

  function show(lookup, html) {
    var p = parts(lookup);
    // A later answer must not move the option the arrow keys chose, if it is still listed.
    var chosen = options(p.list)[activeIndex(lookup)];
    var chosenValue = chosen ? chosen.dataset.value : null;
    p.list.innerHTML = html;
    var all = options(p.list);
    all.forEach(function (o, i) {
      o.id = p.list.id + "-option-" + i;
    });
    if (document.activeElement === p.text) {
      open(lookup);
      var kept = all.findIndex(function (o) { return o.dataset.value === chosenValue; });
      setActive(lookup, kept >= 0 ? kept : all.length ? 0 : -1);
    }
  }

  function schedule(lookup) {
    clearTimeout(lookup._timer);
    lookup._timer = setTimeout(function () { fetchResults(lookup); }, DELAY);
  }

  document.addEventListener("input", function (event) {
    var text = event.target;
    if (!text.matches || !text.matches("[data-lookup-text]")) return;
    var lookup = text.closest(".lookup");
    // Typing replaces the choice: the saved value follows only a picked option.
    if (text.value !== text.dataset.chosen) parts(lookup).value.value = "";
    schedule(lookup);
  });

  document.addEventListener("focusin", function (event) {
    var text = event.target;
    if (!text.matches || !text.matches("[data-lookup-text]")) return;
    fetchResults(text.closest(".lookup"));
  });

  document.addEventListener("focusout", function (event) {
    var text = event.target;
    if (!text.matches || !text.matches("[data-lookup-text]")) return;
    var lookup = text.closest(".lookup");
    // Let a click on an option land first (mousedown keeps focus, see below).
    setTimeout(function () {
      if (!lookup.contains(document.activeElement)) close(lookup);
    }, 0);
  });

  document.addEventListener("keydown", function (event) {
    var text = event.target;
    if (!text.matches || !text.matches("[data-lookup-text]")) return;
    var lookup = text.closest(".lookup");
    var p = parts(lookup);
    var count = options(p.list).length;
    var isOpen = !p.list.hidden;
    var index = activeIndex(lookup);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!isOpen) {
        if (count) open(lookup);
        else fetchResults(lookup);
        return;
      }
      if (!count) return;
      var step = event.key === "ArrowDown" ? 1 : -1;
      setActive(lookup, (index + step + count) % count);
    } else if (event.key === "Enter") {
      if (isOpen && index >= 0) {
        event.preventDefault();
        pick(lookup, options(p.list)[index]);
      }
    } else if (event.key === "Escape") {
      if (isOpen) {
        // Close the list only, not the dialog around it.
        event.preventDefault();
        event.stopPropagation();
        close(lookup);
      }
    }
  });

  // Pressing an option must not blur the field before the click picks it.
  document.addEventListener("mousedown", function (event) {
    var list = event.target.closest && event.target.closest(".lookup__results");
    if (!list) return;
    event.preventDefault();
    pressed = list.closest(".lookup");
  });

  // After the click (dispatched once mouseup's handlers have run), show what arrived meanwhile.
  document.addEventListener("mouseup", function () {
    var lookup = pressed;
    if (!lookup) return;
    setTimeout(function () {
      pressed = null;
      var html = lookup._pending;
      lookup._pending = null;
      if (html != null) show(lookup, html);
    }, 0);
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest(".lookup__results [role=option]");
    if (!option) return;
    var lookup = option.closest(".lookup");
    pick(lookup, option);
    parts(lookup).text.focus();
    close(lookup);
  });
})();
