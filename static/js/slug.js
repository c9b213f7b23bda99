// The new-cycle form fills the slug from the name as the admin types it, until the admin types
// a slug of their own (clearing the box hands it back to the name). Without this script a blank
// slug is made from the name when the form is saved.
(function () {
  "use strict";

  // letters that do not decompose into a base letter and an accent
  var SPELLED = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "þ": "th" };
  var MAX = 55; // as the server: room for "-2", "-3"... within the 60 characters of a slug

  function slugify(text) {
    var slug = text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[ßæœøđłþ]/g, function (c) { return SPELLED[c]; })
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "");
    if (slug.length > MAX) {
      slug = slug.slice(0, MAX);
      var cut = slug.lastIndexOf("-");
      slug = cut > 0 ? slug.slice(0, cut) : slug;
    }
    return slug;
  }

  document.querySelectorAll("input[data-slug-from]").forEach(function (slug) {
    var name = document.getElementById(slug.getAttribute("data-slug-from"));
    if (!name) {
      return;
    }
    var suggested = slugify(name.value);
    var following = slug.value === "" || slug.value === suggested;
    name.addEventListener("input", function () {
      suggested = slugify(name.value);
      if (following) {
        slug.value = suggested;
      }
    });
    slug.addEventListener("input", function () {
      following = slug.value === "" || slug.value === suggested;
    });
  });
})();
