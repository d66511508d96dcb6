/* The jury's scoring matrix (templates/jury/panel/score.html): once the juror changes a score
   or a comment, say so next to the buttons until the form is saved or submitted, so a sheet
   left half-done is never mistaken for a saved one. The radios are real inputs in a
   <fieldset> per criterion: the browser already moves between the scores with the arrow keys. */
(function () {
  "use strict";
  var form = document.getElementById("matrix");
  if (!form) { return; }
  var notice = form.querySelector(".matrix-unsaved");
  var state = document.getElementById("sheet-state");
  function changed() {
    if (notice && !notice.textContent) {
      notice.textContent = form.getAttribute("data-unsaved");
    }
    if (state) { state.classList.add("sheet-state-unsaved"); }
  }
  form.addEventListener("change", changed);
  form.addEventListener("input", changed);
})();
