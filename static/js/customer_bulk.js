// The bulk action bar of the customer list and the pool page: a "select all" box, the count of chosen
// customers, and the action buttons enabled only when something is chosen. The row checkboxes belong to
// the bar's form (form="bulk-form"), so rows added by "Load more" join it too. Without JavaScript the
// boxes and buttons still work; the server asks for confirmation before anything moves.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("bulk-form");
  if (!form) return;
  const all = document.getElementById("bulk-all");
  const count = document.getElementById("bulk-count");
  const boxes = () => Array.from(document.querySelectorAll('input[name="customer_ids"][form="bulk-form"]'));
  const refresh = () => {
    const chosen = boxes().filter((b) => b.checked).length;
    if (count) count.textContent = count.dataset.template.replace("0", String(chosen));
    form.querySelectorAll("button[name=action]").forEach((b) => { b.disabled = chosen === 0; });
    if (all) all.checked = chosen > 0 && chosen === boxes().length;
  };
  document.addEventListener("change", (event) => {
    if (event.target === all) boxes().forEach((b) => { b.checked = all.checked; });
    refresh();
  });
  document.body.addEventListener("htmx:afterSwap", refresh);
  refresh();
});
