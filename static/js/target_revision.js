// A locked plan's revision: as months are typed, each column's quarters and year, the members' sum, the gap and
// the parent's gap follow (exact: amounts in cents as BigInt); a changed month is marked. Choosing another
// department keeps the draft (the form is checked on the server, nothing is written).
(function () {
  const table = document.querySelector("[data-testid=revision-grid]");
  const form = document.getElementById("revision");
  if (!form) return;
  form.querySelector("[data-submit-check]")?.addEventListener("change", () => {
    form.querySelector("[data-testid=revision-check]").click();
  });
  if (!table) return;
  const focus = table.dataset.focus;
  const QUARTERS = { Q1: ["M1", "M2", "M3"], Q2: ["M4", "M5", "M6"], Q3: ["M7", "M8", "M9"], Q4: ["M10", "M11", "M12"] };
  const MONTHS = Object.values(QUARTERS).flat();

  function cents(text) {
    text = String(text).trim().replace(/,/g, "");
    if (text === "") return 0n;
    const m = /^(\d+)(?:\.(\d*))?$/.exec(text);
    if (!m) return null;
    const fraction = (m[2] || "") + "000";
    const round = Number(fraction[2]) >= 5 ? 1n : 0n; // half up, as the service rounds
    return BigInt(m[1]) * 100n + BigInt(fraction.slice(0, 2)) + round;
  }
  function format(c) {
    if (c === null) return "—";
    const negative = c < 0n;
    if (negative) c = -c;
    let text = (c / 100n).toLocaleString("en-US");
    if (c % 100n) text += "." + String(c % 100n).padStart(2, "0");
    return (negative ? "-" : "") + text;
  }
  function add(a, b) { return a === null || b === null ? null : a + b; }

  const inputs = Array.from(table.querySelectorAll("input[data-col]"));
  const columns = [...new Set(inputs.map((i) => i.dataset.col))];

  function update() {
    const value = {}; // column -> period -> cents
    columns.forEach((col) => { value[col] = {}; });
    inputs.forEach((input) => {
      const c = cents(input.value);
      value[input.dataset.col][input.dataset.period] = c;
      input.classList.toggle("is-invalid", c === null);
      input.classList.toggle("is-changed", c !== cents(input.dataset.stored));
    });
    columns.forEach((col) => {
      let year = 0n;
      Object.entries(QUARTERS).forEach(([q, months]) => {
        const sum = months.reduce((s, m) => add(s, value[col][m]), 0n);
        value[col][q] = sum;
        year = add(year, sum);
      });
      value[col].Y = year;
    });
    table.querySelectorAll("[data-sum-col]").forEach((cell) => {
      cell.textContent = format(value[cell.dataset.sumCol][cell.dataset.period]);
    });
    [...MONTHS, ...Object.keys(QUARTERS), "Y"].forEach((period) => {
      const members = columns.filter((c) => c !== focus).reduce((s, c) => add(s, value[c][period]), 0n);
      const row = table.querySelector(`tr[data-period="${period}"]`);
      const membersCell = row.querySelector("[data-members]");
      const gapCell = row.querySelector("[data-gap]");
      if (columns.length > 1) {
        membersCell.textContent = format(members);
        const gap = members === null || value[focus][period] === null ? null : value[focus][period] - members;
        gapCell.textContent = format(gap);
        gapCell.classList.toggle("text-danger", gap !== 0n);
      }
      const parentGap = row.querySelector("[data-parent-gap]");
      if (parentGap) {
        const parent = row.querySelector("[data-parent-value]");
        const own = value[focus][period];
        const gap = own === null ? null : cents(parent.dataset.parentValue) - cents(parent.dataset.others) - own;
        parentGap.textContent = format(gap);
        parentGap.classList.toggle("text-danger", gap !== 0n);
      }
    });
  }
  table.addEventListener("input", update);
  update();
})();
