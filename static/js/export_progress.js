// The export page: poll the job's status (JSON) and move the progress bar, with the name of
// the step under way; show the download link when the file is ready. Without the script the
// page shows the state it was served with and a link that reloads it.
(function () {
  const box = document.getElementById("export-job");
  if (!box) return;
  const bar = document.getElementById("export-progress");
  const message = document.getElementById("export-message");
  const percent = document.getElementById("export-percent");
  const download = document.getElementById("export-download");
  const refresh = document.getElementById("export-refresh");
  const again = document.getElementById("export-again");  // "start it again", once failed
  const texts = document.getElementById("export-texts").content;
  if (refresh) refresh.hidden = true;

  function show(status) {
    const text = box.dataset.percent.replace("{share}", status.percent);
    box.dataset.state = status.state;
    bar.value = status.percent;
    bar.textContent = text;
    percent.textContent = text;
  }

  async function poll() {
    let status;
    try {
      const response = await fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}});
      status = await response.json();
    } catch (error) {
      setTimeout(poll, 3000);
      return;
    }
    show(status);
    if (status.state === "done") {
      message.textContent = texts.querySelector("[data-ready]").textContent;
      download.hidden = false;
      download.querySelector("a").href = status.download;
      return;
    }
    if (status.state === "failed") {
      message.textContent = texts.querySelector(status.lost ? "[data-lost]" : "[data-failed]").textContent;
      if (again) again.hidden = false;
      return;
    }
    if (status.message && message.textContent !== status.message) message.textContent = status.message;
    setTimeout(poll, 1000);
  }
  if (box.dataset.state === "queued" || box.dataset.state === "running") poll();
})();
