/* A finalist's video is fetched only when the visitor presses play. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-embed]");
    if (!button) { return; }
    var frame = document.createElement("iframe");
    frame.src = button.getAttribute("data-embed") + "?autoplay=1";
    frame.title = button.getAttribute("data-title") || "";
    frame.allow = "autoplay; encrypted-media; picture-in-picture";
    frame.allowFullscreen = true;
    frame.className = "video-frame";
    button.parentNode.replaceChild(frame, button);
  });
})();
