// Finance pages: a header checkbox that chooses every application on the page (no inline script:
// CSP script-src 'self'). Without JavaScript each row is chosen on its own.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var all = event.target;
    if (!all.matches || !all.matches("input[data-choose-all]")) return;
    var form = all.closest("form");
    var name = all.getAttribute("data-choose-all");
    Array.prototype.forEach.call(form.querySelectorAll('input[type=checkbox][name="' + name + '"]'), function (box) {
      box.checked = all.checked;
    });
  });
})();
