// certhost pages: the little JavaScript they use. Everything works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // "Copy" buttons next to a read-only text (the PEM of a certificate).
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(source.value);
      button.textContent = "Copied";
    });
  }
  // A form is sent once: a second click while the server works does nothing.
  for (const form of document.querySelectorAll("form[method=post]")) {
    form.addEventListener("submit", () => {
      for (const b of form.querySelectorAll("button[type=submit]")) b.disabled = true;
    });
  }
});
