// The composer, on the board's thread, reply and edit forms (any element with data-composer):
// - a Preview button under the message: the server renders the Markdown through the same sanitising pipeline
//   as the post itself (POST to data-preview-url, with the form's CSRF token), and the fragment it returns is
//   shown in the [data-composer-preview] box. It is inserted as HTML only because that pipeline made it.
// - a title length counter ("87 / 200, 113 left") beside a title with a maxlength, in [data-title-counter].
(function () {
  "use strict";

  function setUpPreview(box, form, body) {
    var output = box.querySelector("[data-composer-preview]");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!output || !token || !box.dataset.previewUrl) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-secondary mb-3";
    button.textContent = "Preview";
    var field = body.closest(".mb-3") || body;
    field.insertAdjacentElement("afterend", button);
    output.setAttribute("aria-live", "polite");

    button.addEventListener("click", function () {
      var data = new FormData();
      data.append("body", body.value);
      button.disabled = true;
      fetch(box.dataset.previewUrl, {
        method: "POST", body: data, credentials: "same-origin",
        headers: {"X-CSRFToken": token.value, "X-Requested-With": "fetch"},
      }).then(function (response) {
        return response.text().then(function (html) {
          // A login page or an error page is not a preview: say so in words instead.
          return response.ok || response.status === 429 ? html : "<p>The preview is not available (" +
            response.status + "). Your text is unchanged.</p>";
        });
      }).catch(function () {
        return "<p>The preview is not available: the connection failed. Your text is unchanged.</p>";
      }).then(function (html) {
        output.innerHTML = "<p class=\"small text-muted mb-2\">Preview</p>" + html;
        output.hidden = false;
        button.textContent = "Update preview";
        button.disabled = false;
      });
    });
  }

  function setUpCounter(box, form) {
    var counter = box.querySelector("[data-title-counter]");
    var title = form.querySelector("input[name=title][maxlength]");
    if (!counter || !title) { return; }
    var limit = parseInt(title.getAttribute("maxlength"), 10);
    counter.id = counter.id || "title-counter";
    (title.closest(".mb-3") || title).appendChild(counter);
    title.setAttribute("aria-describedby", ((title.getAttribute("aria-describedby") || "") + " " + counter.id).trim());
    function update() {
      var used = title.value.length;
      counter.textContent = used + " / " + limit + (used < limit ? ", " + (limit - used) + " left" : ", no more");
    }
    title.addEventListener("input", update);
    update();
    counter.hidden = false;
  }

  document.querySelectorAll("[data-composer]").forEach(function (box) {
    var form = box.tagName === "FORM" ? box : box.querySelector("form");
    var body = form && form.querySelector("textarea[name=body]");
    if (!body) { return; }
    setUpPreview(box, form, body);
    setUpCounter(box, form);
  });
})();
