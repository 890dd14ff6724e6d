// Follows an audit pack's build (GET /api/v1/audit-packs/<id>/) and shows the download link
// once it is ready. No inline script: the page's CSP allows scripts from /static/ only.
(function () {
  "use strict";
  var box = document.querySelector("[data-pack-status]");
  if (!box || box.hasAttribute("data-done")) return;
  var bar = box.querySelector("progress");
  var percent = box.querySelector("[data-percent]");
  var message = box.querySelector("[data-message]");
  var failed = box.querySelector("[data-failed-text]");
  var archive = document.querySelector("[data-archive]");
  function poll() {
    fetch(box.getAttribute("data-pack-status"), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        bar.value = state.progress;
        bar.textContent = state.progress + " %";
        percent.textContent = state.progress;
        if (state.status === "ready") {
          archive.hidden = false;
          message.textContent = archive.textContent.trim();
          return;
        }
        if (state.status === "failed") {
          message.textContent = failed.textContent;
          return;
        }
        if (state.step) message.textContent = state.step;
        setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
