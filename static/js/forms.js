// Forms: focus moves to the error summary after a refused submit, its links move focus to the
// field (scrolling its label or legend into view, as the GOV.UK error summary does), text
// boxes with a least or most number of characters count as the person types, and a long list
// (select[data-searchable], the time zones) gets a search box that narrows it. Without this
// script the summary's links still jump to the fields, each hint states the limits, and the
// list is grouped by region.
(function () {
  "use strict";

  function labelFor(input) {
    var fieldset = input.closest("fieldset");
    if ((input.type === "checkbox" || input.type === "radio") && fieldset) {
      var legend = fieldset.querySelector("legend");
      if (legend) {
        return legend;
      }
    }
    return document.querySelector("label[for='" + input.id + "']") || input;
  }

  function summaries() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var input = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!input) {
        return;
      }
      event.preventDefault();
      labelFor(input).scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  function counters() {
    document.querySelectorAll("textarea[data-counter]").forEach(function (box) {
      var low = parseInt(box.getAttribute("minlength"), 10) || 0;
      var high = parseInt(box.getAttribute("maxlength"), 10) || 0;
      var count = document.createElement("div");
      count.id = box.id + "-count";
      count.className = "form-text character-count";
      count.setAttribute("aria-live", "polite");
      box.insertAdjacentElement("afterend", count);
      var described = box.getAttribute("aria-describedby");
      box.setAttribute("aria-describedby", (described ? described + " " : "") + count.id);

      function update() {
        // a line break counts as one character, as the server counts it
        var used = box.value.replace(/\r\n/g, "\n").trim().length;
        var text = used.toLocaleString("en-US") + (used === 1 ? " character" : " characters");
        if (low && used < low) {
          text += ": " + (low - used).toLocaleString("en-US") + " more needed";
        } else if (high) {
          text += " of " + high.toLocaleString("en-US");
        }
        count.textContent = text;
      }
      box.addEventListener("input", update);
      update();
    });
  }

  function searchable() {
    document.querySelectorAll("select[data-searchable]").forEach(function (select) {
      var box = document.createElement("input");
      box.type = "search";
      box.id = select.id + "-search";
      box.className = "form-control mb-2";
      box.setAttribute("autocomplete", "off");
      var label = document.createElement("label");
      label.htmlFor = box.id;
      label.className = "form-label small mb-1";
      label.textContent = select.getAttribute("data-searchable");
      var found = document.createElement("div");
      found.id = select.id + "-found";
      found.className = "form-text mb-2";
      found.setAttribute("aria-live", "polite");
      select.insertAdjacentElement("beforebegin", label);
      select.insertAdjacentElement("beforebegin", box);
      select.insertAdjacentElement("beforebegin", found);
      box.setAttribute("aria-describedby", found.id);

      box.addEventListener("input", function () {
        var words = box.value.toLowerCase().replace(/_/g, " ").trim();
        var matches = [];
        select.querySelectorAll("option").forEach(function (option) {
          if (!option.value) {
            return;
          }
          var hit = !words || option.textContent.toLowerCase().indexOf(words) !== -1;
          option.hidden = !hit && !option.selected;
          if (hit) {
            matches.push(option);
          }
        });
        select.querySelectorAll("optgroup").forEach(function (group) {
          group.hidden = !group.querySelector("option:not([hidden])");
        });
        if (words && matches.length === 1) {
          select.value = matches[0].value;
        }
        found.textContent = !words ? "" : matches.length === 1
          ? "Chosen: " + matches[0].textContent
          : matches.length + " match: choose one from the list below.";
      });
    });
  }

  function start() {
    summaries();
    counters();
    searchable();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
