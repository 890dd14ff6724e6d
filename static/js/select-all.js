// “Tick all” for a list of checkboxes. Without JavaScript it is a link that reloads the page
// with every box ticked; here it becomes a checkbox of its own, mixed when some are ticked.
(function () {
  "use strict";
  var links = document.querySelectorAll("a[data-select-all]");
  Array.prototype.forEach.call(links, function (link) {
    var form = link.closest("form");
    var name = link.getAttribute("data-select-all");
    var boxes = Array.prototype.filter.call(
      form.querySelectorAll('input[type="checkbox"]'),
      function (box) { return box.name === name && !box.disabled; }
    );
    if (!boxes.length) return;
    var all = document.createElement("input");
    all.type = "checkbox";
    all.id = link.id + "-box";
    var label = document.createElement("label");
    label.htmlFor = all.id;
    label.textContent = link.getAttribute("data-label");
    var holder = link.parentNode;
    holder.replaceChild(label, link);
    holder.insertBefore(all, label);
    holder.classList.add("select-all--box");
    function sync() {
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
    boxes.forEach(function (box) { box.addEventListener("change", sync); });
    sync();
  });
})();
