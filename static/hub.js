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
