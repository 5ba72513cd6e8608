// The Hub's own small enhancements. Everything works without it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Buttons that ask before a destructive action: <button data-confirm="Really hide this post?">.
  document.querySelectorAll("[data-confirm]").forEach((element) => {
    element.addEventListener("click", (event) => {
      if (!window.confirm(element.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
});

// Quote buttons on thread pages: copy a post into the reply box as a Markdown quote.
document.addEventListener("DOMContentLoaded", () => {
  const reply = document.getElementById("id_body");
  if (!reply) {
    return;
  }
  document.querySelectorAll(".js-quote").forEach((button) => {
    button.classList.remove("d-none");
    button.addEventListener("click", () => {
      const source = document.getElementById(button.dataset.source);
      if (!source) {
        return;
      }
      const quoted = source.value.split("\n").map((line) => `> ${line}`).join("\n");
      const intro = button.dataset.author ? `${button.dataset.author} wrote:\n` : "";
      reply.value = `${reply.value ? `${reply.value.trimEnd()}\n\n` : ""}${intro}${quoted}\n\n`;
      reply.focus();
      reply.setSelectionRange(reply.value.length, reply.value.length);
    });
  });
});

// A double click sends a form once: while a form's submission is on its way, a second submit is ignored. (The
// publishing forms are also guarded on the server by one-time tokens; this spares forum posts the duplicate.)
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.submitting === "true") {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "true";
});
// A page restored from the back/forward cache can be sent again.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) {
    document.querySelectorAll("form[data-submitting]").forEach((form) => delete form.dataset.submitting);
  }
});
