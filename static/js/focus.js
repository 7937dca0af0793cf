/* cop-vote: where focus goes after an htmx update (no framework, no build step).
 *
 * Pages work without this script: a form posts to its own URL with
 * "#error-summary" (or the region's id), so the browser moves focus to the
 * summary or region by the page's own anchor. With htmx the page is not
 * reloaded, so after every update that the person triggered (a click, a key,
 * submitting a form) focus moves here instead:
 *   1. to the error summary in the updated region, if there is one;
 *   2. else to the status message of the region (its polite live region);
 *   3. else to the region's heading.
 * Updates the person did not trigger (a panel polling every 30 s, an update
 * raised by another update) never move focus.
 */
(function () {
  "use strict";

  /* "Fout:" / "Error:" from the catalogue, as base.html puts it in the title. */
  var ERROR_PREFIX = (document.body.getAttribute("data-error-prefix") || "Error:") + " ";
  var handled = typeof WeakSet === "function" ? new WeakSet() : null;

  function focusOn(element) {
    if (!element) return false;
    if (!element.hasAttribute("tabindex")) element.setAttribute("tabindex", "-1");
    element.focus();
    if (element.scrollIntoView && !inView(element)) element.scrollIntoView({ block: "start" });
    return document.activeElement === element;
  }

  function inView(element) {
    var box = element.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= (window.innerHeight || document.documentElement.clientHeight);
  }

  function setErrorTitle(hasError) {
    var title = document.title;
    var marked = title.indexOf(ERROR_PREFIX) === 0;
    if (hasError && !marked) document.title = ERROR_PREFIX + title;
    if (!hasError && marked) document.title = title.slice(ERROR_PREFIX.length);
  }

  /* The region that was updated: the new element with the target's id. */
  function updatedRegion(detail, settled) {
    var target = detail.target;
    if (target && target.id) {
      var found = document.getElementById(target.id);
      if (found) return found;
    }
    if (target && target.isConnected) return target;
    return settled && settled.isConnected ? settled : null;
  }

  function statusFor(region) {
    var id = region.getAttribute("data-status") || (region.id ? region.id + "-status" : "");
    var live = id ? document.getElementById(id) : null;
    var message = live && live.firstElementChild;
    if (message && message.textContent.trim()) return message;
    return region.querySelector("[role=status] > *, .notice[role=status]");
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail || {};
    var config = detail.requestConfig || {};
    var trigger = config.triggeringEvent;
    // Once per response (htmx raises afterSettle on each settled element).
    if (handled && detail.xhr) {
      if (handled.has(detail.xhr)) return;
      handled.add(detail.xhr);
    }
    var region = updatedRegion(detail, event.target);
    if (!region) return;
    var summary = region.querySelector(".error-summary");
    setErrorTitle(Boolean(summary) || Boolean(document.querySelector("#main .error-summary")));
    // Polling and updates raised by the page itself carry no trusted event.
    if (!trigger || !trigger.isTrusted) return;
    if (summary) {
      focusOn(summary);
      return;
    }
    if (focusOn(statusFor(region))) return;
    focusOn(region.querySelector("h1, h2, h3, h4") || region);
  });
})();
