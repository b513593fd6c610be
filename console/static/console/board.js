// Keeps the live board current: fetches its rows every few seconds and swaps them
// in, unless the supervisor is in the middle of an action (focus in a form, or a
// confirmation dialog open), so nothing moves under their keyboard or pointer.
(function () {
  "use strict";
  const board = document.getElementById("live-board");
  const status = document.getElementById("board-status");
  if (!board) {
    return;
  }
  const interval = Number(board.dataset.interval) || 2000;
  let fetching = false;

  function choosingAnAction() {
    const focused = document.activeElement;
    const inForm = focused && focused !== board && board.contains(focused) && focused.closest("form, details");
    return Boolean(inForm || board.querySelector("details[open], dialog[open]"));
  }

  async function refresh() {
    if (fetching || document.hidden) {
      return;
    }
    if (choosingAnAction()) {
      status.textContent = "Paused while you choose an action.";
      return;
    }
    fetching = true;
    try {
      const response = await fetch(board.dataset.rowsUrl, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "text/html" },
      });
      if (!response.ok || response.redirected) {
        throw new Error("status " + response.status);
      }
      const html = await response.text();
      if (!choosingAnAction()) {
        board.innerHTML = html;
        // The server's time, written as the rest of the back office writes it.
        status.textContent = "Updated at " + board.querySelector("[data-at]").dataset.at + ".";
      }
    } catch (error) {
      status.textContent = "The board could not be updated (" + error.message + "); retrying.";
    } finally {
      fetching = false;
    }
  }

  window.setInterval(refresh, interval);
})();
