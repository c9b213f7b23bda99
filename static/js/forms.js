// Forms: focus moves to the error summary after a refused submit, its links move focus to the
// field (scrolling its label or legend into view, as the GOV.UK error summary does), and text
// boxes with a least or most number of characters count as the person types. Without this
// script the summary's links still jump to the fields and each hint states the limits.
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

  function start() {
    summaries();
    counters();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
