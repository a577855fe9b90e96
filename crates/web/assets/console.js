// rrm console: our own script, progressive enhancement only. Every page works without it.
"use strict";
(function () {
  document.documentElement.classList.add("js");

  // Times: shown in UTC by the server; here rewritten into the reader's time zone, with UTC
  // kept in the tooltip.
  function localTimes(root) {
    var lang = document.documentElement.lang || "en";
    var fmt;
    try {
      fmt = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
    } catch (e) {
      return;
    }
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d.getTime())) {
        el.textContent = fmt.format(d);
      }
    });
  }

  // Buttons that ask before they act: <button data-confirm="...">.
  function confirmations(root) {
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        if (!window.confirm(el.getAttribute("data-confirm"))) {
          ev.preventDefault();
        }
      });
    });
  }

  // Error summaries take the focus, so a screen reader reads them first.
  function focusErrors() {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    confirmations(document);
    focusErrors();
  });
})();
