/* cop-vote: a "copy" button beside a read-only address (no framework, no build step).
 *
 * Without this script the button stays hidden and the address is selectable
 * text in a read-only field. With it, each <button data-copy="FIELD-ID" hidden>
 * is shown; pressing it copies the field's value and says so in the button's
 * polite live region (data-copied: the "Copied" text in the page's language).
 */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy") + "-status");
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      field.select();
      var done = function () { if (status) status.textContent = button.getAttribute("data-copied") || "Copied"; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () {});
      } else if (document.execCommand && document.execCommand("copy")) {
        done();
      }
    });
  });
})();
