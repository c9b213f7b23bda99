// Scrollable table wrappers must be reachable by keyboard (WCAG 2.1.1): a wrapper that really
// scrolls becomes a focusable, named region; one that fits loses the extra Tab stop again.
(function () {
  "use strict";

  function label(wrapper) {
    var caption = wrapper.querySelector("caption");
    var text = caption ? caption.textContent.replace(/\s+/g, " ").trim() : "";
    return text ? text + " (scrolls sideways)" : "Table (scrolls sideways)";
  }

  function update() {
    document.querySelectorAll(".table-responsive").forEach(function (wrapper) {
      if (wrapper.scrollWidth > wrapper.clientWidth + 1) {
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("role", "region");
        wrapper.setAttribute("aria-label", label(wrapper));
      } else if (wrapper.getAttribute("role") === "region") {
        wrapper.removeAttribute("tabindex");
        wrapper.removeAttribute("role");
        wrapper.removeAttribute("aria-label");
      }
    });
  }

  var pending = null;
  function schedule() {
    if (pending === null) {
      pending = window.requestAnimationFrame(function () {
        pending = null;
        update();
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.addEventListener("resize", schedule);
})();
