// The chair's roll call (templates/bridge/roll_call.html): ticking someone attended sends the form in the
// background and puts the roll call the server sends back in place, keeping the focus on the same row's button.
// Without this script the same forms post and come back to the page. Co-chairs' pages follow through live.js.
"use strict";

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-roll-call-tick]");
  const part = document.getElementById("roll-call");
  if (!form || !part || event.defaultPrevented) return; // hub.js stops a second submit of the same form
  event.preventDefault();
  const row = form.dataset.rollCallTick;
  try {
    const response = await fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    });
    if (!response.ok) throw new Error(`roll call answered ${response.status}`);
    part.innerHTML = await response.text();
    part.querySelector(`form[data-roll-call-tick="${row}"] button`)?.focus();
  } catch {
    delete form.dataset.submitting;
    form.submit(); // the plain post: the page comes back with what happened
  }
});

// Delete buttons in parts that live.js replaces: hub.js's data-confirm is bound once, at page load.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm-live]");
  if (button && !window.confirm(button.dataset.confirmLive)) {
    event.preventDefault();
  }
});
