// The schedule calendar's drag and drop (native HTML5 drag events, no library).
// Drag an item onto an hour: it starts there, keeping its length; onto a day's top row: it moves to that day,
// keeping its times. Drag an item's bottom edge onto an hour: it ends with that slot. Each drop posts to the
// move service with htmx (the page's CSRF token), and the calendar is swapped for the page the server answers.
(function () {
  "use strict";
  const SLOT_MINUTES = 30;

  function minutes(hhmm) {
    const [h, m] = hhmm.split(":").map(Number);
    return h * 60 + m;
  }

  function hhmm(total) {
    const clamped = Math.max(0, Math.min(total, 23 * 60 + 59));
    const h = String(Math.floor(clamped / 60)).padStart(2, "0");
    return h + ":" + String(clamped % 60).padStart(2, "0");
  }

  function setUp() {
    const grid = document.querySelector("[data-calendar][data-move-url]");
    if (!grid || grid.dataset.ready) return;
    grid.dataset.ready = "1";
    let dragged = null; // {id, day, start, end, resize}

    grid.addEventListener("dragstart", function (event) {
      const handle = event.target.closest("[data-resize]");
      const item = event.target.closest("[data-item]");
      if (!item) return;
      dragged = {
        id: item.dataset.item,
        day: item.dataset.day,
        start: item.dataset.start || "",
        end: item.dataset.end || "",
        resize: Boolean(handle),
      };
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.item);
      item.classList.add("cal-dragging");
      if (handle) event.stopPropagation();
    });
    grid.addEventListener("dragend", function () {
      grid.querySelectorAll(".cal-dragging, .cal-drop").forEach(function (el) {
        el.classList.remove("cal-dragging", "cal-drop");
      });
      dragged = null;
    });
    grid.addEventListener("dragover", function (event) {
      const target = event.target.closest("[data-drop-day]");
      if (!dragged || !target) return;
      if (dragged.resize && (!target.dataset.dropTime || target.dataset.dropDay !== dragged.day)) return;
      event.preventDefault();
      grid.querySelectorAll(".cal-drop").forEach(function (el) { el.classList.remove("cal-drop"); });
      target.classList.add("cal-drop");
    });
    grid.addEventListener("drop", function (event) {
      const target = event.target.closest("[data-drop-day]");
      if (!dragged || !target) return;
      event.preventDefault();
      const values = { day: target.dataset.dropDay, next: grid.dataset.next };
      const slot = target.dataset.dropTime;
      if (dragged.resize) {
        if (!slot || !dragged.start) return;
        values.timed = "on";
        values.start_time = dragged.start;
        values.end_time = hhmm(Math.max(minutes(slot) + SLOT_MINUTES, minutes(dragged.start) + SLOT_MINUTES));
      } else if (slot) {
        values.timed = "on";
        values.start_time = slot;
        if (dragged.start && dragged.end) {
          values.end_time = hhmm(minutes(slot) + minutes(dragged.end) - minutes(dragged.start));
        }
      }
      post(grid, dragged.id, values);
    });
  }

  function post(grid, itemId, values) {
    const form = document.getElementById("calendar-move");
    const token = form ? form.querySelector("[name=csrfmiddlewaretoken]").value : "";
    const url = grid.dataset.moveUrl.replace(/\/0\/move\/$/, "/" + itemId + "/move/");
    if (window.htmx) {
      window.htmx.ajax("POST", url, {
        target: "#calendar", select: "#calendar", swap: "outerHTML", values: values,
        headers: { "X-CSRFToken": token },
      }).then(setUp);
    } else { // htmx not loaded (yet): post the move as a plain form
      const plain = document.createElement("form");
      plain.method = "post";
      plain.action = url;
      Object.entries({ ...values, csrfmiddlewaretoken: token }).forEach(function ([name, value]) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        plain.appendChild(input);
      });
      document.body.appendChild(plain);
      plain.submit();
    }
  }

  document.addEventListener("DOMContentLoaded", setUp);
  document.addEventListener("htmx:afterSettle", setUp);
})();
