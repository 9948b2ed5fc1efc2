// The landing page: each chosen format is one real compression through the v1 API (with the
// visitor's key) or through the keyless demo, polled until the job settles, then shown as a row
// with its size, savings and SSIMULACRA2 score, and compared to the original in the slider.
"use strict";
(function () {
  const form = document.getElementById("try");
  const drop = document.getElementById("drop");
  const fileInput = document.getElementById("file");
  const urlInput = document.getElementById("url");
  const keyInput = document.getElementById("key");
  const statusLine = document.getElementById("status");
  const results = document.getElementById("results");
  const rows = document.getElementById("rows");
  const before = document.getElementById("before");
  const after = document.getElementById("after");
  const split = document.getElementById("split");
  const divider = document.getElementById("divider");
  const compare = document.getElementById("compare");
  const compareName = document.getElementById("compare-name");
  const comparison = document.getElementById("comparison");
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  const POLL_MS = 500;
  const POLL_LIMIT = 240;
  let originalSize = 0;

  function say(text, isError) {
    statusLine.textContent = text;
    statusLine.className = isError ? "error" : "";
  }

  function bytes(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
    return (n / 1024 / 1024).toFixed(2) + " MB";
  }

  // Every failure is told in the API's own words; anything else (a proxy's HTML page) by its status.
  async function problem(response) {
    try {
      const body = await response.json();
      if (body && body.error && body.error.message) return body.error.message;
    } catch (ignored) { /* not JSON */ }
    return "The server answered " + response.status + " " + response.statusText + ".";
  }

  function headers() {
    const key = keyInput.value.trim();
    return key ? { Authorization: "Bearer " + key } : { "X-CSRFToken": csrf };
  }

  async function submit(source, output) {
    const body = new FormData();
    if (source.file) body.append("file", source.file, source.file.name);
    else body.append("url", source.url);
    body.append("output", output);
    body.append("mode", document.getElementById("mode").value);
    const keyed = keyInput.value.trim() !== "";
    if (!keyed && !form.dataset.demo) throw new Error("Enter an API key: the keyless demo is switched off here.");
    const response = await fetch(keyed ? form.dataset.api : form.dataset.demo, {
      method: "POST", body: body, headers: headers(), credentials: "same-origin",
    });
    if (response.status === 200) return form.dataset.jobs + response.headers.get("X-Job-Id");
    if (response.status === 202) return (await response.json()).poll_url;
    throw new Error(await problem(response));
  }

  async function settle(pollUrl) {
    for (let i = 0; i < POLL_LIMIT; i++) {
      const response = await fetch(pollUrl, { headers: headers(), credentials: "same-origin" });
      if (!response.ok) throw new Error(await problem(response));
      const job = await response.json();
      if (job.status === "complete") return job;
      if (job.status === "failed") throw new Error(job.error ? job.error.message : "The compression failed.");
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error("The job is still running; try again in a moment.");
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function addRow(output, job) {
    const row = rows.insertRow();
    row.dataset.output = output;
    if (job.error) {
      cell(row, output);
      const message = cell(row, job.error, "error");
      message.colSpan = 4;
      return;
    }
    originalSize = job.original_size;
    cell(row, job.format + (output === "original" ? " (original format)" : ""));
    cell(row, bytes(job.compressed_size), "num");
    cell(row, job.savings_percent.toFixed(1) + " %", "num");
    const score = job.quality && job.quality.score;
    cell(row, score === null || score === undefined ? "lossless" : score.toFixed(1), "num");
    const actions = row.insertCell();
    const download = document.createElement("a");
    download.href = job.download_url;
    download.className = "button";
    download.textContent = "Download";
    download.setAttribute("download", "");
    const show = document.createElement("button");
    show.type = "button";
    show.textContent = "Compare";
    show.addEventListener("click", () => showCompare(job));
    actions.append(download, " ", show);
    if (!after.src) showCompare(job);
  }

  function showCompare(job) {
    after.src = job.download_url;
    comparison.hidden = false;
    compareName.textContent = job.format + ", " + bytes(job.compressed_size) + " of " + bytes(originalSize);
  }

  function moveSplit() {
    const at = split.value + "%";
    after.style.clipPath = "inset(0 0 0 " + at + ")";
    divider.style.left = at;
  }

  async function run(source) {
    const outputs = [...form.querySelectorAll("[name=output]:checked")].map((box) => box.value);
    if (!outputs.length) { say("Choose at least one format.", true); return; }
    rows.replaceChildren();
    after.removeAttribute("src");
    comparison.hidden = true;
    before.src = source.file ? URL.createObjectURL(source.file) : source.url;
    results.hidden = true;
    say("Compressing " + outputs.join(", ") + "…");
    let failures = 0;
    for (const output of outputs) {
      try {
        addRow(output, await settle(await submit(source, output)));
      } catch (error) {
        failures++;
        addRow(output, { error: error.message });
      }
      results.hidden = false;
    }
    if (failures === outputs.length) say(rows.rows[0].cells[1].textContent, true);
    else say("Done: " + (outputs.length - failures) + " of " + outputs.length + " formats.");
  }

  fileInput.addEventListener("change", () => { if (fileInput.files[0]) run({ file: fileInput.files[0] }); });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (urlInput.value.trim()) run({ url: urlInput.value.trim() });
    else say("Enter an image URL, or drop a file.", true);
  });
  ["dragenter", "dragover"].forEach((name) => drop.addEventListener(name, (event) => {
    event.preventDefault();
    drop.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((name) => drop.addEventListener(name, () => drop.classList.remove("over")));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer.files[0];
    if (file) run({ file: file });
  });
  split.addEventListener("input", moveSplit);
  document.querySelectorAll("[name=zoom]").forEach((radio) => radio.addEventListener("change", () => {
    compare.className = "compare " + radio.value;
  }));
  moveSplit();
})();
