// Polls the batch's state while the workers render, and reveals the ZIP link at the end.
(function () {
  "use strict";
  var box = document.querySelector("[data-batch-status]");
  if (!box) return;
  var bar = box.querySelector("progress");
  var done = box.querySelector("[data-done]");
  var message = box.querySelector("[data-message]");
  var archive = document.querySelector("[data-archive]");
  function poll() {
    fetch(box.getAttribute("data-batch-status"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        bar.max = state.total || 1;
        bar.value = state.issued;
        done.textContent = state.issued;
        if (state.archive) {
          archive.hidden = false;
          message.textContent = archive.textContent.trim();
          return;
        }
        setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
