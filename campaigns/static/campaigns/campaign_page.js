// Keeps a campaign's page current: fetches its state and progress as JSON every
// few seconds and writes them into the progress panel (showing only the buttons
// the campaign's state allows) and its contacts' attempts, so the page never
// needs a reload to stay true.
(function () {
  "use strict";
  const panel = document.getElementById("campaign-live");
  if (!panel) {
    return;
  }
  const status = document.getElementById("campaign-live-status");
  const outcomes = document.getElementById("campaign-outcomes");
  const bar = panel.querySelector("[data-status-progress]");
  const contacts = document.getElementById("campaign-contacts-box");
  const interval = Number(panel.dataset.interval) || 2000;
  let fetching = false;

  function outcomeItem(outcome) {
    const item = document.createElement("li");
    const count = document.createElement("strong");
    item.dataset.outcome = outcome.outcome;
    count.textContent = outcome.count;
    item.append(outcome.label + ": ", count);
    return item;
  }

  function show(data) {
    panel.querySelectorAll("[data-status]").forEach(function (field) {
      field.textContent = data[field.dataset.status];
    });
    bar.value = data.percent_done;
    const items = data.outcomes.map(outcomeItem);
    if (!items.length) {
      items.push(Object.assign(document.createElement("li"), { textContent: "None yet" }));
    }
    outcomes.replaceChildren.apply(outcomes, items);
    panel.querySelectorAll("[data-run]").forEach(function (button) {
      button.hidden = !data.actions.includes(button.dataset.run);
    });
    contacts.innerHTML = data.contacts_html;
  }

  async function refresh() {
    if (fetching || document.hidden) {
      return;
    }
    fetching = true;
    try {
      // The same page of contacts as the page shows.
      const response = await fetch(panel.dataset.statusUrl + window.location.search, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
      if (!response.ok || response.redirected) {
        throw new Error("status " + response.status);
      }
      const data = await response.json();
      show(data);
      status.textContent = "Updated at " + data.at + ".";
    } catch (error) {
      status.textContent = "Could not be updated (" + error.message + "); retrying.";
    } finally {
      fetching = false;
    }
  }

  window.setInterval(refresh, interval);
})();
