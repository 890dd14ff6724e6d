/* Roll call: every tap is saved at once. A line changed (status, minutes late, comment) is
   posted on its own to the mark endpoint and shows "Saved" when the server has it. Until then
   it is kept in localStorage: if the network is down it is sent again when it comes back, when
   the roll call is opened again, and before the page is left (a click on a link waits for the
   sends; leaving otherwise sends it with sendBeacon). So opening the signature pad never loses a
   tap. "All present" is posted the same way once the pending taps are in. Without JavaScript the
   form's "Save the roll call" button and the "All present" form still work. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-rollcall]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var KEY = "parcours:rollcall:" + form.getAttribute("data-rollcall");
  var markUrl = form.getAttribute("data-mark-url").replace(/0\/$/, "");
  var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var allForm = document.querySelector("form[data-rollcall-all]");
  var FLUSH_TIMEOUT = 4000;
  var queues = {}; // learner id -> promise of the sends in order
  var pending = load();

  function text(name) {
    return form.getAttribute("data-text-" + name) || "";
  }

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(KEY)) || {};
    } catch (error) {
      return {};
    }
  }

  function store() {
    try {
      if (Object.keys(pending).length) {
        window.localStorage.setItem(KEY, JSON.stringify(pending));
      } else {
        window.localStorage.removeItem(KEY);
      }
    } catch (error) {
      // Private browsing without storage: the sends still happen, only the backup is lost.
    }
  }

  function rowOf(id) {
    return form.querySelector("[data-learner='" + id + "']");
  }

  function field(row, name) {
    return row.querySelector("[name='" + name + "_" + row.getAttribute("data-learner") + "']");
  }

  function valuesOf(row) {
    var checked = row.querySelector("input[type=radio]:checked");
    var late = field(row, "late");
    var comment = field(row, "comment");
    return {
      status: checked ? checked.value : "",
      late: late ? late.value : "",
      comment: comment ? comment.value : ""
    };
  }

  function apply(row, values) {
    row.querySelectorAll("input[type=radio]").forEach(function (radio) {
      radio.checked = radio.value === values.status;
    });
    var late = field(row, "late");
    var comment = field(row, "comment");
    if (late) {
      late.value = values.late;
    }
    if (comment) {
      comment.value = values.comment;
    }
  }

  // The hidden "initial-" inputs tell the whole-form save what the page started with: once a
  // line is saved they must say so, or that save would send the line again.
  function setInitials(row, values) {
    var id = row.getAttribute("data-learner");
    [["status", values.status], ["late", String(values.late)], ["comment", values.comment]]
      .forEach(function (pair) {
        var input = form.querySelector("input[name='initial-" + pair[0] + "_" + id + "']");
        if (input) {
          input.value = pair[1];
        }
      });
  }

  function setState(row, state, message) {
    var output = row.querySelector("[data-save-state]");
    if (!output) {
      return;
    }
    output.setAttribute("data-state", state);
    output.textContent = message || text(state);
  }

  function same(a, b) {
    return a && b && a.status === b.status && String(a.late) === String(b.late)
      && a.comment === b.comment;
  }

  function body(values) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrfInput.value);
    data.append("status", values.status);
    data.append("late", values.late);
    data.append("comment", values.comment);
    var reason = form.querySelector("[name=reason]");
    if (reason && reason.value) {
      data.append("reason", reason.value);
    }
    return data;
  }

  function errorText(errors) {
    var parts = [];
    Object.keys(errors || {}).forEach(function (key) {
      parts = parts.concat(errors[key]);
    });
    return text("error") + " " + parts.join(" ");
  }

  // Resolves true when the line is saved (or nothing was waiting), false otherwise.
  function send(id) {
    var values = pending[id];
    var row = rowOf(id);
    if (!values || !row) {
      return Promise.resolve(true);
    }
    setState(row, "saving");
    return fetch(markUrl + id + "/", {
      method: "POST", body: body(values), credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
      if (!json) {
        throw new Error("no answer from the application");
      }
      return response.json().then(function (data) {
        if (same(pending[id], values)) {
          delete pending[id];
          store();
        }
        if (data.saved) {
          setInitials(row, data);
          if (!pending[id]) {
            setState(row, "saved");
          }
          return !pending[id];
        }
        // Refused (a wrong value, a sheet closed meanwhile): sending it again would not help.
        setState(row, "error", errorText(data.errors));
        return false;
      });
    }).catch(function () {
      setState(row, "offline");
      return false;
    });
  }

  function queue(id) {
    var previous = queues[id] || Promise.resolve(true);
    queues[id] = previous.then(function () {
      return send(id);
    });
    return queues[id];
  }

  function changed(row) {
    var id = row.getAttribute("data-learner");
    pending[id] = valuesOf(row);
    store();
    setState(row, "pending");
    return queue(id);
  }

  function flush() {
    var ids = Object.keys(pending);
    return Promise.all(ids.map(queue)).then(function (results) {
      return results.every(Boolean);
    });
  }

  function flushWithin(milliseconds) {
    return Promise.race([flush(), new Promise(function (resolve) {
      window.setTimeout(function () { resolve(false); }, milliseconds);
    })]);
  }

  form.addEventListener("change", function (event) {
    var row = event.target.closest("[data-learner]");
    if (row && /^(status|late|comment)_/.test(event.target.name || "")) {
      changed(row);
    }
  });

  // Leaving by a link (the signature pad, the lock page…): wait for the sends first.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button > 0 || event.metaKey || event.ctrlKey
        || event.shiftKey || event.altKey || link.target || link.hasAttribute("download")) {
      return;
    }
    var href = link.getAttribute("href");
    if (!Object.keys(pending).length || href.charAt(0) === "#") {
      return;
    }
    event.preventDefault();
    flushWithin(FLUSH_TIMEOUT).then(function () {
      // Whatever is still unsent stays on this device and goes when the roll call reopens.
      window.location.assign(link.href);
    });
  });

  // Leaving otherwise (closing the tab, the back button): hand what is left to the browser.
  window.addEventListener("pagehide", function () {
    if (!navigator.sendBeacon) {
      return;
    }
    Object.keys(pending).forEach(function (id) {
      navigator.sendBeacon(markUrl + id + "/", body(pending[id]));
    });
  });

  window.addEventListener("online", flush);

  if (allForm) {
    allForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = allForm.querySelector("button");
      button.disabled = true;
      flushWithin(FLUSH_TIMEOUT).then(function () {
        return fetch(allForm.action, {
          method: "POST", body: new FormData(allForm), credentials: "same-origin",
          headers: {"Accept": "application/json"}
        });
      }).then(function (response) {
        return response.json();
      }).then(function (data) {
        if (!data.saved) {
          throw new Error(errorText(data.errors));
        }
        Object.keys(data.marked).forEach(function (id) {
          var row = rowOf(id);
          if (row) {
            var values = valuesOf(row);
            values.status = data.marked[id];
            apply(row, values);
            setInitials(row, values);
            setState(row, "saved");
          }
        });
      }).catch(function () {
        // Offline: mark the unmarked lines here; they are kept and sent like taps.
        form.querySelectorAll("[data-learner]").forEach(function (row) {
          var values = valuesOf(row);
          if (!values.status) {
            values.status = row.getAttribute("data-preset") || "present";
            apply(row, values);
            changed(row);
          }
        });
      }).then(function () {
        button.disabled = false;
      });
    });
  }

  // Taps kept from an earlier visit go first; then the absences declared, shown as excused,
  // are saved as such (the trainer can still change them).
  Object.keys(pending).forEach(function (id) {
    var row = rowOf(id);
    if (row) {
      apply(row, pending[id]);
      setState(row, "pending");
      queue(id);
    } else {
      delete pending[id];
    }
  });
  store();
  form.querySelectorAll("[data-preset]").forEach(function (row) {
    var id = row.getAttribute("data-learner");
    if (!pending[id] && valuesOf(row).status === row.getAttribute("data-preset")) {
      changed(row);
    }
  });
})();
