// The export page: poll the job's status and move the progress bar; show the download
// link when the file is ready (no manual reload).
(function () {
  const box = document.getElementById("export-job");
  if (!box) return;
  const bar = document.getElementById("export-progress");
  const message = document.getElementById("export-message");
  const download = document.getElementById("export-download");
  const texts = document.getElementById("export-texts").content;
  async function poll() {
    let status;
    try {
      const response = await fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}});
      status = await response.json();
    } catch (error) {
      setTimeout(poll, 3000);
      return;
    }
    bar.value = status.percent;
    bar.textContent = status.percent + "%";
    if (status.state === "done") {
      message.textContent = texts.querySelector("[data-ready]").textContent;
      download.hidden = false;
      download.querySelector("a").href = status.download;
      return;
    }
    if (status.state === "failed") {
      message.textContent = texts.querySelector("[data-failed]").textContent;
      return;
    }
    if (status.message) message.textContent = status.message + " (" + status.percent + "%)";
    setTimeout(poll, 1000);
  }
  if (bar.value < 100 && download.hidden) poll();
})();
