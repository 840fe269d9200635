// The bulk action bar of the customer list and the pool page: a "select all" box, the count of chosen
// customers, and each action button enabled only when what it needs is chosen: customers, and for a button
// with data-needs the bar's control of that name (the new owner, the level, the stage, the tags). The row
// checkboxes belong to the bar's form (form="bulk-form"), so rows added by "Load more" join it too, and rows
// the server sends back ticked (after a refusal, those not on the page listed in the bar) count at once, each once. Without JavaScript the boxes and buttons still
// work; the server refuses what is missing and asks for confirmation before anything moves or is archived.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("bulk-form");
  if (!form) return;
  const all = document.getElementById("bulk-all");
  const count = document.getElementById("bulk-count");
  const boxes = () => Array.from(document.querySelectorAll('input[name="customer_ids"][form="bulk-form"]'));
  // Is something chosen in the bar's control(s) of that name (a select, or boxes such as the tags')?
  const chosenIn = (name) => Array.from(form.querySelectorAll(`[name="${name}"]`)).some((control) =>
    control.type === "checkbox" ? control.checked : control.value !== "");
  const tags = form.querySelector(".bulk-tags");
  const refresh = () => {
    const chosen = new Set(boxes().filter((b) => b.checked).map((b) => b.value)).size;
    if (count) count.textContent = count.dataset.template.replace("0", String(chosen));
    form.querySelectorAll("button[name=action]").forEach((b) => {
      b.disabled = chosen === 0 || (b.dataset.needs ? !chosenIn(b.dataset.needs) : false);
    });
    if (all) all.checked = chosen > 0 && boxes().every((b) => b.checked);
    const tagCount = tags && tags.querySelector("[data-chosen-count]");
    if (tagCount) {
      const n = tags.querySelectorAll('input[name="tag_ids"]:checked').length;
      tagCount.textContent = String(n);
      tagCount.hidden = n === 0;
    }
  };
  // the tags' menu closes on a click elsewhere, as a select's list does
  document.addEventListener("click", (event) => {
    if (tags && tags.open && !tags.contains(event.target)) tags.open = false;
  });
  document.addEventListener("change", (event) => {
    if (event.target === all) boxes().forEach((b) => { b.checked = all.checked; });
    refresh();
  });
  document.body.addEventListener("htmx:afterSwap", refresh);
  refresh();
});
