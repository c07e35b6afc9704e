/* Behaviour shared by many pages (issue 15): the error summary takes focus, searchable checkbox lists. Every page
 * works without it: the summary's links are plain links to the fields' ids, the checkbox list is a plain list. */
(function () {
  "use strict";

  // Forms are checked by the server, which answers with the error summary: the browser's own bubbles (from the
  // "required" attributes Django adds) would stop the form before the summary can help, in the browser's words.
  document.querySelectorAll("form").forEach(function (form) {
    form.noValidate = true;
  });

  // Error summary ---------------------------------------------------------------------------------------------------

  var FOCUSABLE = 'input:not([type="hidden"]):not([disabled]), select:not([disabled]), textarea:not([disabled]), ' +
    'button:not([disabled]), [tabindex]:not([tabindex="-1"])';

  function visible(element) {
    return !!(element.offsetWidth || element.offsetHeight || element.getClientRects().length);
  }

  // The element to focus for a summary link's target: the target itself when it is a control, or the first control
  // that can be seen inside it (a fieldset drawn by hand, the pupils of the incident form). A .btn-check radio is
  // visually hidden but focusable: its label shows the focus.
  function focusTarget(target) {
    if (target.matches(FOCUSABLE)) {
      return target;
    }
    var controls = target.querySelectorAll(FOCUSABLE);
    for (var i = 0; i < controls.length; i++) {
      if (visible(controls[i]) || controls[i].classList.contains("btn-check")) {
        return controls[i];
      }
    }
    return null;
  }

  // What to scroll into view with the field: its fieldset's legend or its label, so the question is seen with it
  // (the GOV.UK pattern: a plain jump to the input hides its label under the top of the screen).
  function labelFor(control) {
    var fieldset = control.closest("fieldset");
    if (fieldset && (control.type === "radio" || control.type === "checkbox")) {
      var legend = fieldset.querySelector("legend");
      if (legend) {
        return legend;
      }
    }
    if (control.id) {
      var label = document.querySelector('label[for="' + CSS.escape(control.id) + '"]');
      if (label) {
        return label;
      }
    }
    return control;
  }

  function followSummaryLink(event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) {
      return;
    }
    // A section hidden by the page's script (e.g. the body map before "safeguarding" is ticked) is shown again.
    var hidden = target.closest("[hidden]");
    if (hidden && !hidden.hasAttribute("data-needs-script")) {
      hidden.hidden = false;
    }
    var control = focusTarget(target);
    if (!control) {
      return;
    }
    event.preventDefault();
    labelFor(control).scrollIntoView({ block: "start", behavior: "instant" });
    control.focus({ preventScroll: true });
  }

  var summaries = document.querySelectorAll("[data-error-summary]");
  summaries.forEach(function (summary) {
    summary.addEventListener("click", followSummaryLink);
  });
  if (summaries.length) {
    summaries[0].focus();
  }

  // Searchable checkbox lists ------------------------------------------------------------------------------------------

  function normalise(text) {
    // Case and accents do not count: "Ozturk" finds "Öztürk", "ismail" finds "İsmail".
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLocaleLowerCase().replace(/ı/g, "i");
  }

  document.querySelectorAll("[data-checkbox-search]").forEach(function (list) {
    var box = list.querySelector(".checkbox-list__search");
    var options = Array.prototype.slice.call(list.querySelectorAll(".checkbox-list__options .form-check"));
    if (!box || options.length < 2) {
      return;
    }
    var input = box.querySelector("input[type='search']");
    var status = box.querySelector("[role='status']");
    var countText = list.getAttribute("data-label-count") || "{shown} / {total}";
    var noneText = list.getAttribute("data-label-none") || "";
    box.hidden = false;

    function filter() {
      var words = normalise(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      options.forEach(function (option) {
        var text = normalise(option.textContent);
        var ticked = option.querySelector("input").checked;
        var match = ticked || words.every(function (word) {
          return text.indexOf(word) !== -1;
        });
        option.hidden = !match;
        if (match) {
          shown += 1;
        }
      });
      if (!words.length) {
        status.textContent = "";
      } else if (!shown) {
        status.textContent = noneText;
      } else {
        status.textContent = countText.replace("{shown}", shown).replace("{total}", options.length);
      }
    }

    input.addEventListener("input", filter);
    // Enter in the search box must not send the whole form.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
  });

  // Charts ---------------------------------------------------------------------------------------------------------------

  // A chart's frame scrolls sideways only where the card is narrower than the chart (a phone): only then is it a
  // stop for the Tab key, so that the arrow keys can scroll it.
  var frames = document.querySelectorAll("[data-chart-scroll]");
  function updateFrames() {
    frames.forEach(function (frame) {
      if (frame.scrollWidth > frame.clientWidth + 1) {
        frame.setAttribute("tabindex", "0");
      } else {
        frame.removeAttribute("tabindex");
      }
    });
  }
  if (frames.length) {
    updateFrames();
    window.addEventListener("resize", updateFrames);
  }

  // A click on a bar opens its drill-down: a shortcut for the mouse; the table of numbers has the same links.
  document.addEventListener("click", function (event) {
    var shape = event.target.closest && event.target.closest("svg [data-href]");
    if (shape) {
      window.location.assign(shape.getAttribute("data-href"));
    }
  });
})();
