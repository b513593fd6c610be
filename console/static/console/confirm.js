// Asks before an action that cannot be undone: a button with `data-opens` shows its
// <dialog> (the confirmation form) instead of posting. Canceling closes the dialog
// and forgets what was typed in it. Without scripts (or <dialog>) the button posts
// unconfirmed, and the back office answers with the same question as a page.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    const opener = event.target.closest("[data-opens]");
    if (!opener) {
      return;
    }
    const dialog = document.getElementById(opener.dataset.opens);
    if (!dialog || typeof dialog.showModal !== "function") {
      return;
    }
    event.preventDefault();
    dialog.showModal();
  });

  // `close` does not bubble: caught on its way down instead. Focus is let go of the
  // button that opened the dialog, so the live board (which holds still while focus
  // is in one of its forms) takes up its refreshes again.
  document.addEventListener(
    "close",
    function (event) {
      if (!(event.target instanceof HTMLDialogElement)) {
        return;
      }
      event.target.querySelectorAll("form").forEach(function (form) {
        form.reset();
      });
      if (document.activeElement instanceof HTMLElement) {
        document.activeElement.blur();
      }
    },
    true,
  );
})();
