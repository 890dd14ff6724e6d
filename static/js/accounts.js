// Password pages and the access handout. Without JavaScript both pages work as they are: the
// passwords stay masked and the handout is printed from the browser's menu.
(function () {
  "use strict";
  // “Show the passwords as I type them”: typing blind on a phone is hard for beginners.
  var toggle = document.querySelector("input[data-show-passwords]");
  if (toggle) {
    var form = toggle.closest("form");
    var fields = form.querySelectorAll('input[type="password"]');
    toggle.closest("[hidden]").hidden = false;
    toggle.addEventListener("change", function () {
      Array.prototype.forEach.call(fields, function (field) {
        field.type = toggle.checked ? "text" : "password";
      });
    });
    // Masked again before sending, so that no browser offers to remember them as plain text.
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(fields, function (field) { field.type = "password"; });
    });
  }
  // “Print the handout”.
  var print = document.querySelector("button[data-print]");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
