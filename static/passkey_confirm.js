// The passkey confirmation page (templates/mfa/webauthn/reauthenticate.html): start allauth's WebAuthn form
// from the page's data-* attributes, where allauth's own template uses an inline data block.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-passkey-confirm]").forEach((element) => {
    window.allauth.webauthn.forms.authenticateForm({
      ids: { authenticate: element.dataset.button, credential: element.dataset.credential },
      data: JSON.parse(element.dataset.webauthn),
    });
  });
});
