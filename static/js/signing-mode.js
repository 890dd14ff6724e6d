/* Signing mode: while the learner holds the device, the browser's back button does not leave the
   pad (the trainer leaves with "Back to the roll call", in the section kept for them). */
(function () {
  "use strict";

  if (!document.querySelector("[data-signing-mode]") || !window.history.pushState) {
    return;
  }
  window.history.pushState({signing: true}, "", window.location.href);
  window.addEventListener("popstate", function () {
    window.history.pushState({signing: true}, "", window.location.href);
  });
})();
