// allauth's forms that its own templates start from an inline data block (the CSP forbids one): here they start
// from data-* attributes: data-allauth-onload names the function ("webauthn.forms.authenticateForm") and
// data-options holds its argument as JSON.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-allauth-onload]").forEach((element) => {
    const start = element.dataset.allauthOnload.split(".").reduce((scope, name) => scope?.[name], window.allauth);
    if (typeof start === "function") start(JSON.parse(element.dataset.options));
  });
});
