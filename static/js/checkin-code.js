/* Keeps the trainer's check-in code and QR code current: polls the JSON endpoint every few
   seconds and counts down the code's remaining validity. Without JavaScript the panel shows a
   "refresh" link instead. */
(function () {
  "use strict";

  var POLL_SECONDS = 5;
  var panel = document.querySelector("[data-checkin-url]");
  if (!panel || !window.fetch) {
    return;
  }
  var url = panel.getAttribute("data-checkin-url");
  var template = panel.getAttribute("data-expires-template") || "%s";
  var codeNode = panel.querySelector("[data-code]");
  var expiresNode = panel.querySelector("[data-expires]");
  var qrNode = panel.querySelector("[data-qr-svg]");
  var linkNode = panel.querySelector("[data-link]");
  var refreshLink = panel.querySelector("[data-refresh-link]");
  var expiresAt = null;

  if (refreshLink) {
    refreshLink.hidden = true;
  }

  function showCountdown() {
    if (expiresAt === null || !expiresNode) {
      return;
    }
    var seconds = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    expiresNode.textContent = template.replace("%s", seconds);
  }

  function update(data) {
    if (!data.open) {
      window.location.reload(); // the sheet was closed elsewhere: show the read-only page
      return;
    }
    if (codeNode.textContent !== data.code) {
      codeNode.textContent = data.code;
      // The SVG is built by the server (segno) from our own URL: no user content in it.
      qrNode.innerHTML = data.qr_svg;
      linkNode.href = data.url;
      linkNode.textContent = data.url;
    }
    expiresAt = Date.now() + data.expires_in * 1000;
    showCountdown();
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(update)
      .catch(function () {
        if (refreshLink) {
          refreshLink.hidden = false; // offline: let the trainer reload by hand
        }
      });
  }

  var initial = expiresNode && expiresNode.textContent.match(/\d+/);
  if (initial) {
    expiresAt = Date.now() + parseInt(initial[0], 10) * 1000;
  }
  window.setInterval(poll, POLL_SECONDS * 1000);
  window.setInterval(showCountdown, 1000);
})();
