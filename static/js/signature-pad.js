/* Signature pad: draws with pointer events (finger, stylus, mouse) on a <canvas> and posts the
   strokes as SVG path data ("M x y L x y …") in a hidden input, as JSON. Coordinates are
   logical (600 × 200, whatever the screen size) and rounded to one decimal: the server checks
   them and builds the SVG itself. Without JavaScript the form stays hidden and the paper
   fallback is used instead. */
(function () {
  "use strict";

  var WIDTH = 600;
  var HEIGHT = 200;
  // Logical pixels between two recorded points: keeps the data well under the server's limit.
  var MIN_STEP = 1.5;

  function round(value) {
    return Math.round(value * 10) / 10;
  }

  function clamp(value, max) {
    return Math.min(Math.max(value, 0), max);
  }

  function setUp(form) {
    var canvas = form.querySelector("[data-signature-canvas]");
    var input = form.querySelector("input[name='strokes']");
    var clearButton = form.querySelector("[data-signature-clear]");
    var emptyMessage = form.querySelector("[data-signature-empty]");
    if (!canvas || !input || !canvas.getContext) {
      return;
    }
    var context = canvas.getContext("2d");
    var strokes = []; // each stroke: a list of [x, y] logical points
    var current = null;

    function resize() {
      // The canvas keeps a 3:1 ratio in CSS; its bitmap follows the real pixel size.
      var ratio = window.devicePixelRatio || 1;
      var width = canvas.clientWidth || WIDTH;
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(width * ratio * HEIGHT / WIDTH);
      redraw();
    }

    function redraw() {
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.clearRect(0, 0, canvas.width, canvas.height);
      context.setTransform(canvas.width / WIDTH, 0, 0, canvas.height / HEIGHT, 0, 0);
      context.lineWidth = 3;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#000";
      strokes.forEach(function (points) {
        context.beginPath();
        context.moveTo(points[0][0], points[0][1]);
        if (points.length === 1) {
          context.lineTo(points[0][0] + 0.1, points[0][1]);
        }
        for (var i = 1; i < points.length; i++) {
          context.lineTo(points[i][0], points[i][1]);
        }
        context.stroke();
      });
    }

    function pointOf(event) {
      var rect = canvas.getBoundingClientRect();
      return [
        round(clamp((event.clientX - rect.left) * WIDTH / rect.width, WIDTH)),
        round(clamp((event.clientY - rect.top) * HEIGHT / rect.height, HEIGHT))
      ];
    }

    function pathData(points) {
      var parts = ["M" + points[0][0] + " " + points[0][1]];
      var rest = points.length > 1 ? points.slice(1) : [points[0]]; // a dot is a 0-length line
      rest.forEach(function (point) {
        parts.push("L" + point[0] + " " + point[1]);
      });
      return parts.join(" ");
    }

    function serialise() {
      var paths = strokes.map(pathData);
      input.value = paths.length ? JSON.stringify(paths) : "";
      return input.value.length;
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (event.button !== undefined && event.button > 0) {
        return;
      }
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      current = [pointOf(event)];
      strokes.push(current);
      if (emptyMessage) {
        emptyMessage.hidden = true;
      }
      redraw();
    });

    canvas.addEventListener("pointermove", function (event) {
      if (!current) {
        return;
      }
      event.preventDefault();
      var point = pointOf(event);
      var last = current[current.length - 1];
      if (Math.abs(point[0] - last[0]) + Math.abs(point[1] - last[1]) < MIN_STEP) {
        return;
      }
      current.push(point);
      redraw();
    });

    function endStroke() {
      current = null;
      serialise();
    }
    canvas.addEventListener("pointerup", endStroke);
    canvas.addEventListener("pointercancel", endStroke);

    if (clearButton) {
      clearButton.addEventListener("click", function () {
        strokes = [];
        current = null;
        serialise();
        redraw();
      });
    }

    form.addEventListener("submit", function (event) {
      if (!serialise()) {
        event.preventDefault();
        if (emptyMessage) {
          emptyMessage.hidden = false;
        }
      }
    });

    window.addEventListener("resize", resize);
    form.hidden = false;
    input.value = "";
    resize();
  }

  document.querySelectorAll("[data-signature-form]").forEach(setUp);
})();
