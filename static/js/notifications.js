/* The unread notifications' count in the header, asked once the page is shown (the pages
   don't pay a database query for it). Without JavaScript the link is there, without a count. */
(function () {
  "use strict";

  var badge = document.querySelector("[data-notification-count]");
  if (!badge || !window.fetch) {
    return;
  }
  fetch(badge.getAttribute("data-url"), {credentials: "same-origin",
                                         headers: {"Accept": "application/json"}})
    .then(function (response) {
      return response.ok ? response.json() : null;
    })
    .then(function (data) {
      if (!data || !data.unread) {
        return;
      }
      badge.textContent = String(data.unread);
      // Read out as "Notifications 3 (3 unread)": a bare number says little.
      var label = badge.getAttribute("data-label");
      if (label) {
        var spoken = document.createElement("span");
        spoken.className = "visually-hidden";
        spoken.textContent = " (" + label.replace("%s", data.unread) + ")";
        badge.appendChild(spoken);
      }
      badge.hidden = false;
    })
    .catch(function () {});
})();
