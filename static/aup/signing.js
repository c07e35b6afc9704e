/* Wires the signature pad (npm package signature_pad, served from static/vendor/) to the form's hidden
 * drawn_signature input. Drawing is optional: without JavaScript, or without the library, the pad stays hidden and
 * the typed name alone signs. Pointer events (finger, stylus, mouse) come from signature_pad itself. */
(function () {
  "use strict";

  function setUp(canvas) {
    if (typeof window.SignaturePad !== "function") {
      return;
    }
    var form = canvas.closest("form");
    var input = document.getElementById(canvas.getAttribute("data-signature-input"));
    var field = canvas.closest(".signature-pad-field");
    if (!form || !input || !field) {
      return;
    }
    field.hidden = false;
    var pad = new window.SignaturePad(canvas, { penColor: "#0b1f4d", minWidth: 0.8, maxWidth: 2.6 });

    function save() {
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
    }

    // Match the canvas's drawing buffer to its size on screen (sharp lines on high-density phone screens). Resizing
    // clears a canvas, so the drawing is kept as data and put back.
    function resize() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var width = canvas.offsetWidth;
      var height = canvas.offsetHeight;
      if (!width || (canvas.width === width * ratio && canvas.height === height * ratio)) {
        return;
      }
      var kept = pad.toData();
      canvas.width = width * ratio;
      canvas.height = height * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (kept.length) {
        pad.fromData(kept);
      } else if (input.value) {
        // After a form error the drawing comes back from the hidden input, so nothing drawn is lost.
        pad.fromDataURL(input.value, { ratio: 1, width: width, height: height });
      }
    }

    resize();
    window.addEventListener("resize", resize);
    pad.addEventListener("endStroke", save);
    form.addEventListener("submit", function () {
      if (!pad.isEmpty()) {
        save();
      }
    });
    var clear = field.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        pad.clear();
        input.value = "";
      });
    }
  }

  document.querySelectorAll("canvas[data-signature-input]").forEach(setUp);
})();
