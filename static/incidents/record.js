/* The recording form, enhanced: find pupils by typing (instead of the selects of one's own classes), show only the
 * sections the ticked categories need, and open each ticked category's guidance. Without JavaScript the form works
 * as it is served: every section shown, pupils chosen from the selects.
 *
 * Pupil rows post parallel "pupil" / "pupil_role" values; the page's order keeps each pair together. A custom
 * event "record:pupils-changed" on the form tells the body map which pupils it can be about. */
(function () {
  "use strict";

  var form = document.getElementById("record-form");
  if (!form) {
    return;
  }

  function format(text, value) {
    return (text || "").replace("%s", value);
  }

  // Sections by category group ------------------------------------------------------------------------------------

  var categoryBoxes = Array.prototype.slice.call(form.querySelectorAll('input[name="categories"]'));

  function tickedGroups() {
    var groups = {};
    categoryBoxes.forEach(function (box) {
      if (box.checked) {
        groups[box.getAttribute("data-group")] = true;
      }
    });
    return groups;
  }

  function updateSections() {
    var groups = tickedGroups();
    var anyTicked = Object.keys(groups).length > 0;
    form.querySelectorAll("[data-show-for]").forEach(function (section) {
      var wanted = section.getAttribute("data-show-for").split(/\s+/);
      var show = wanted.some(function (group) {
        return groups[group];
      });
      // Before anything is ticked the behaviour level stays in view: most incidents are behaviour incidents.
      if (!anyTicked && section.id === "behaviour-level") {
        show = true;
      }
      section.hidden = !show;
    });
    categoryBoxes.forEach(function (box) {
      var guidance = box.parentNode.querySelector(".category-guidance");
      if (guidance && box.checked && !guidance.hasAttribute("data-opened")) {
        guidance.open = true;
        guidance.setAttribute("data-opened", "");
      }
    });
  }

  categoryBoxes.forEach(function (box) {
    box.addEventListener("change", updateSections);
  });
  updateSections();

  // Pupils --------------------------------------------------------------------------------------------------------

  var search = form.querySelector(".pupil-search");
  var rows = document.getElementById("pupil-rows");
  var template = document.getElementById("pupil-row-template");
  if (!search || !rows || !template) {
    return;
  }
  var input = document.getElementById("pupil-search-input");
  var results = document.getElementById("pupil-results");
  var status = document.getElementById("pupil-search-status");
  var url = search.getAttribute("data-search-url");
  var minLength = parseInt(search.getAttribute("data-min-length"), 10) || 2;
  var latest = 0;
  var timer = null;

  // The selects that work without JavaScript give way to the search box.
  form.querySelectorAll(".pupil-fallback").forEach(function (fallback) {
    fallback.parentNode.removeChild(fallback);
  });
  search.hidden = false;

  function chosenIds() {
    return Array.prototype.map.call(rows.querySelectorAll(".pupil-row"), function (row) {
      return row.getAttribute("data-pupil-id");
    });
  }

  function pupilsChanged() {
    var pupils = Array.prototype.map.call(rows.querySelectorAll(".pupil-row"), function (row) {
      return { id: row.getAttribute("data-pupil-id"), name: row.querySelector(".pupil-name").textContent };
    });
    form.dispatchEvent(new CustomEvent("record:pupils-changed", { detail: { pupils: pupils } }));
  }

  function wireRow(row) {
    var name = row.querySelector(".pupil-name").textContent;
    var remove = row.querySelector(".js-remove-pupil");
    row.querySelector(".pupil-role").setAttribute("aria-label", format(search.getAttribute("data-label-role"), name));
    remove.setAttribute("aria-label", format(search.getAttribute("data-label-remove"), name));
    remove.hidden = false;
    remove.addEventListener("click", function () {
      row.parentNode.removeChild(row);
      pupilsChanged();
      input.focus();
    });
  }

  function addPupil(pupil) {
    if (chosenIds().indexOf(pupil.id) !== -1) {
      return;
    }
    var row = template.content.firstElementChild.cloneNode(true);
    row.setAttribute("data-pupil-id", pupil.id);
    row.querySelector('input[name="pupil"]').value = pupil.id;
    row.querySelector(".pupil-name").textContent = pupil.name;
    row.querySelector(".pupil-class").textContent = pupil["class"] || "";
    rows.appendChild(row);
    wireRow(row);
    pupilsChanged();
  }

  function clearResults() {
    results.textContent = "";
  }

  function show(list) {
    clearResults();
    var chosen = chosenIds();
    if (!list.length) {
      var none = document.createElement("div");
      none.className = "list-group-item text-muted small";
      none.textContent = search.getAttribute("data-label-none");
      results.appendChild(none);
      status.textContent = none.textContent;
      return;
    }
    list.forEach(function (pupil) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "list-group-item list-group-item-action d-flex justify-content-between gap-2";
      var name = document.createElement("span");
      name.textContent = pupil.name;
      var label = document.createElement("span");
      label.className = "text-muted small";
      label.textContent = pupil["class"] || "";
      if (chosen.indexOf(pupil.id) !== -1) {
        button.disabled = true;
        label.textContent += " · " + search.getAttribute("data-label-added");
      }
      button.appendChild(name);
      button.appendChild(label);
      button.addEventListener("click", function () {
        addPupil(pupil);
        input.value = "";
        clearResults();
        input.focus();
      });
      button.addEventListener("keydown", function (event) {
        var target = null;
        if (event.key === "ArrowDown") {
          target = button.nextElementSibling;
        } else if (event.key === "ArrowUp") {
          target = button.previousElementSibling || input;
        } else if (event.key === "Escape") {
          target = input;
          clearResults();
        }
        if (target) {
          event.preventDefault();
          target.focus();
        }
      });
      results.appendChild(button);
    });
    status.textContent = list.length + "";
  }

  function lookUp() {
    var query = input.value.trim();
    var ticket = ++latest;
    if (query.length < minLength) {
      clearResults();
      return;
    }
    fetch(url + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (ticket === latest) {
          show(data.results || []);
        }
      })
      .catch(function () {
        if (ticket === latest) {
          clearResults();
          status.textContent = search.getAttribute("data-label-error");
          var error = document.createElement("div");
          error.className = "list-group-item text-danger small";
          error.textContent = status.textContent;
          results.appendChild(error);
        }
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 120);
  });
  input.addEventListener("keydown", function (event) {
    var first = results.querySelector("button:not([disabled])");
    if (event.key === "Enter") {
      // Enter picks the first match instead of sending the half-filled form.
      event.preventDefault();
      if (first) {
        first.click();
      }
    } else if (event.key === "ArrowDown" && first) {
      event.preventDefault();
      first.focus();
    } else if (event.key === "Escape") {
      clearResults();
    }
  });

  Array.prototype.forEach.call(rows.querySelectorAll(".pupil-row"), wireRow);
  pupilsChanged();

  // After an error, bring the summary into view for screen readers and keyboards.
  var errors = document.getElementById("record-errors");
  if (errors) {
    errors.focus();
  }
})();
