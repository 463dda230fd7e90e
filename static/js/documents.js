// Documents page: drag-and-drop upload with a progress bar, and live ingestion status.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  const rows = document.getElementById("document-rows");
  const POLL_MS = 1500;

  document.addEventListener("submit", (event) => {
    const message = event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  if (!form || !rows) return;
  const input = document.getElementById("file-input");
  const progress = document.getElementById("upload-progress");
  const results = document.getElementById("upload-results");
  let pollTimer = null;

  function anyInProgress() {
    return rows.querySelector('tr[data-in-progress="1"]') !== null;
  }

  // Widths are set here, not in the markup: the site's CSP allows no inline styles.
  function drawProgress() {
    for (const fill of rows.querySelectorAll(".fill[data-progress]")) fill.style.width = fill.dataset.progress + "%";
  }

  async function refreshRows() {
    const response = await fetch(form.dataset.rowsUrl, { headers: { "X-Requested-With": "fetch" } });
    if (response.ok) rows.innerHTML = await response.text();
    drawProgress();
    schedulePoll();
  }

  function schedulePoll() {
    clearTimeout(pollTimer);
    if (anyInProgress()) pollTimer = setTimeout(refreshRows, POLL_MS);
  }

  function showResult(text, kind, link) {
    const item = document.createElement("li");
    item.className = "message " + kind;
    item.textContent = text + " ";
    if (link) {
      const anchor = document.createElement("a");
      anchor.href = link;
      anchor.textContent = "Open the existing copy";
      item.appendChild(anchor);
    }
    results.appendChild(item);
  }

  function upload(files) {
    if (!files.length) return;
    const data = new FormData(form);
    data.delete("files");
    for (const file of files) {
      data.append("files", file);
      // The server says which names it did not receive (it drops a file named "..").
      data.append("names", file.name);
    }
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    const fill = progress.querySelector(".fill");
    const label = progress.querySelector(".label");
    progress.hidden = false;
    results.innerHTML = "";
    request.upload.onprogress = (event) => {
      if (!event.lengthComputable) return;
      const percent = Math.round((100 * event.loaded) / event.total);
      fill.style.width = percent + "%";
      label.textContent = "Uploading " + files.length + " file(s): " + percent + "%";
    };
    request.onload = () => {
      progress.hidden = true;
      if (request.status !== 200) {
        showResult("Upload failed (" + request.status + "). Please try again.", "error");
        return;
      }
      const answer = JSON.parse(request.responseText);
      for (const item of answer.accepted) showResult(item.name + " queued for ingestion.", "success");
      for (const item of answer.rejected) showResult(item.reason, "error", item.existing_url);
      refreshRows();
    };
    request.onerror = () => {
      progress.hidden = true;
      showResult("Upload failed: the server could not be reached.", "error");
    };
    request.send(data);
  }

  input.addEventListener("change", () => upload(Array.from(input.files)));
  ["dragenter", "dragover"].forEach((name) =>
    form.addEventListener(name, (event) => {
      event.preventDefault();
      form.classList.add("dragging");
    })
  );
  ["dragleave", "drop"].forEach((name) =>
    form.addEventListener(name, (event) => {
      event.preventDefault();
      form.classList.remove("dragging");
    })
  );
  form.addEventListener("drop", (event) => upload(Array.from(event.dataTransfer.files)));

  const highlighted = window.location.hash && document.querySelector(window.location.hash);
  if (highlighted) highlighted.classList.add("highlight");
  drawProgress();
  schedulePoll();
})();
