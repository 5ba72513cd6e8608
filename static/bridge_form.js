/* The bridge call form (templates/bridge/form.html): as sectors, boroughs, named members or the capacity change,
   asks the server how many people the call would invite (bridge:invitee_count, a small HTML fragment rendered and
   escaped by the server) and shows it in place. Without this script, "Check invitees" does the same on submit. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-bridge-form]");
  if (!form) { return; }
  var target = form.querySelector("[data-invitee-count]");
  var url = form.getAttribute("data-count-url");
  if (!target || !url) { return; }
  var NAMES = ["sectors", "boroughs", "named", "capacity"];
  var timer = null;
  var latest = 0;

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (NAMES.indexOf(name) !== -1) { params.append(name, value); }
    });
    return params.toString();
  }

  function refresh() {
    var ticket = ++latest;
    fetch(url + "?" + query(), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null && ticket === latest) { target.innerHTML = html; }
      })
      .catch(function () { /* offline: "Check invitees" still works */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  }

  form.addEventListener("change", function (event) {
    if (event.target && NAMES.indexOf(event.target.name) !== -1) { later(); }
  });
  form.addEventListener("input", function (event) {
    if (event.target && (event.target.name === "named" || event.target.name === "capacity")) { later(); }
  });
}());
