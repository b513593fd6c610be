// Copy buttons (`calls.presenters.copyable`): a click puts the value of the button's
// data-copy on the clipboard and says so on the button for a moment.
"use strict";

(function () {
  function copyByHand(text) {
    // The clipboard API needs a secure context; a plain-HTTP address falls back to this.
    const field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.style.position = "fixed";
    field.style.opacity = "0";
    document.body.appendChild(field);
    field.select();
    const copied = document.execCommand("copy");
    field.remove();
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyByHand(text); });
    }
    return copyByHand(text);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button.copy-button[data-copy]");
    if (!button) {
      return;
    }
    event.preventDefault();
    copy(button.dataset.copy).then(
      function () {
        button.textContent = "Copied";
        button.dataset.copied = "";
      },
      function () {
        button.textContent = "Select and copy";
      },
    ).finally(function () {
      window.setTimeout(function () {
        button.textContent = "Copy";
        delete button.dataset.copied;
      }, 2000);
    });
  });
})();
