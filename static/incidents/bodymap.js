/* The body map of a concern: tap (or click) the front or back outline to place a numbered mark, then describe it.
 * Marks are kept in the hidden "body_map" input as JSON — [{"side": "front"|"back", "x": 0–100, "y": 0–100,
 * "description": "…"}], x and y in percent of the outline — which the server checks (incidents.services
 * body_map_record). With the keyboard, Enter or Space on an outline places a mark in its middle: say in the
 * description where it is. Without JavaScript the section stays hidden. */
(function () {
  "use strict";

  var section = document.getElementById("bodymap");
  var form = document.getElementById("record-form");
  if (!section || !form) {
    return;
  }
  var field = form.querySelector('input[name="body_map"]');
  var list = section.querySelector(".bodymap-marks");
  var pupilSelect = document.getElementById("id_body_map_pupil");
  var figures = Array.prototype.slice.call(section.querySelectorAll(".bodymap-figure"));
  var marks = [];

  function label(name, value) {
    return (section.getAttribute("data-label-" + name) || "").replace("%s", value);
  }

  try {
    var saved = JSON.parse(field.value || "[]");
    if (Array.isArray(saved)) {
      marks = saved.filter(function (mark) {
        return mark && typeof mark === "object";
      });
    }
  } catch (error) {
    marks = [];
  }

  function save() {
    field.value = marks.length ? JSON.stringify(marks) : "";
  }

  function render() {
    figures.forEach(function (figure) {
      figure.querySelectorAll(".bodymap-dot").forEach(function (dot) {
        dot.parentNode.removeChild(dot);
      });
    });
    list.textContent = "";
    marks.forEach(function (mark, index) {
      var number = index + 1;
      var figure = figures.filter(function (f) {
        return f.getAttribute("data-side") === mark.side;
      })[0];
      if (figure) {
        var dot = document.createElement("span");
        dot.className = "bodymap-dot position-absolute translate-middle badge rounded-pill bg-danger";
        dot.style.left = mark.x + "%";
        dot.style.top = mark.y + "%";
        dot.textContent = number;
        dot.setAttribute("aria-hidden", "true");
        figure.appendChild(dot);
      }
      var item = document.createElement("li");
      item.className = "list-group-item d-flex flex-wrap align-items-center gap-2";
      var side = document.createElement("span");
      side.className = "badge text-bg-light";
      side.textContent = label(mark.side === "back" ? "back" : "front");
      var description = document.createElement("input");
      description.type = "text";
      description.className = "form-control form-control-sm flex-grow-1 w-auto bodymap-description";
      description.maxLength = 500;
      description.value = mark.description || "";
      description.placeholder = label("describe", number);
      description.setAttribute("aria-label", label("describe", number));
      description.addEventListener("input", function () {
        mark.description = description.value;
        save();
      });
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-outline-danger btn-inline";
      remove.textContent = label("remove");
      remove.setAttribute("aria-label", label("remove") + " — " + label("mark", number));
      remove.addEventListener("click", function () {
        marks.splice(index, 1);
        save();
        render();
      });
      item.appendChild(side);
      item.appendChild(description);
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  function place(figure, x, y) {
    marks.push({ side: figure.getAttribute("data-side"), x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10, description: "" });
    save();
    render();
    var inputs = list.querySelectorAll(".bodymap-description");
    if (inputs.length) {
      inputs[inputs.length - 1].focus();
    }
  }

  figures.forEach(function (figure) {
    var image = figure.querySelector("img");
    figure.addEventListener("click", function (event) {
      var box = image.getBoundingClientRect();
      if (!box.width || !box.height) {
        return;
      }
      var x = ((event.clientX - box.left) / box.width) * 100;
      var y = ((event.clientY - box.top) / box.height) * 100;
      if (x < 0 || x > 100 || y < 0 || y > 100) {
        return;
      }
      place(figure, x, y);
    });
    figure.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        place(figure, 50, 50);
      }
    });
  });

  // The body map is about one of the pupils involved: keep the choice in step with the pupils added.
  function syncPupils(pupils) {
    if (!pupilSelect) {
      return;
    }
    var wanted = pupilSelect.value || pupilSelect.getAttribute("data-selected") || "";
    pupilSelect.textContent = "";
    pupils.forEach(function (pupil) {
      var option = document.createElement("option");
      option.value = pupil.id;
      option.textContent = pupil.name;
      option.selected = pupil.id === wanted;
      pupilSelect.appendChild(option);
    });
  }

  form.addEventListener("record:pupils-changed", function (event) {
    syncPupils(event.detail.pupils);
  });
  syncPupils(
    Array.prototype.map.call(document.querySelectorAll("#pupil-rows .pupil-row"), function (row) {
      return { id: row.getAttribute("data-pupil-id"), name: row.querySelector(".pupil-name").textContent };
    })
  );

  render();
})();
