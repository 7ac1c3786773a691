// Drives the "finding answers" page: posts the page's own form one step at a time and
// updates the progress bar, then opens the review page. Without JavaScript the form's
// Continue button does the same, one step per click.
(function () {
  "use strict";
  var form = document.getElementById("process-form");
  if (!form || !window.fetch) { return; }
  var bar = document.getElementById("progress");
  var text = document.getElementById("progress-text");
  var error = document.getElementById("progress-error");
  var button = form.querySelector("button");

  function show(done, total) {
    bar.max = total;
    bar.value = done;
    text.textContent = text.dataset.template.replace("%(done)s", done).replace("%(total)s", total);
  }

  function step() {
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      show(data.processed, data.total);
      if (data.done) {
        window.location.assign(data.next);
      } else {
        step();
      }
    }).catch(function () {
      error.hidden = false;
      button.disabled = false;
    });
  }

  button.disabled = true;
  step();
})();
