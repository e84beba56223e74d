// Keeps what a user typed into a form (sessionStorage, this tab only) so that a session that
// expired before "submit" loses nothing: after signing in again the user returns to the page
// (?next=) and the fields are filled back in. Passwords, files, hidden fields and fields marked
// data-nokeep are never kept; a page showing a success message forgets every kept form.
(function () {
  "use strict";
  var PREFIX = "skillfund:form:";
  function key(form, index) { return PREFIX + location.pathname + ":" + (form.id || index); }
  function keepable(el) {
    return el.name && !el.disabled && !el.hasAttribute("data-nokeep") &&
      ["password", "file", "hidden", "submit", "button"].indexOf(el.type) < 0;
  }
  function save(form, index) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!keepable(el)) return;
      if (el.type === "checkbox" || el.type === "radio") { if (el.checked) (data[el.name] = data[el.name] || []).push(el.value); }
      else data[el.name] = [el.value];
    });
    try { sessionStorage.setItem(key(form, index), JSON.stringify(data)); } catch (e) { /* storage full or off */ }
  }
  function restore(form, index) {
    var raw = sessionStorage.getItem(key(form, index));
    if (!raw) return;
    var data = JSON.parse(raw);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!keepable(el) || !(el.name in data)) return;
      if (el.type === "checkbox" || el.type === "radio") el.checked = data[el.name].indexOf(el.value) >= 0;
      else if (!el.value || el.defaultValue === el.value) el.value = data[el.name][0];
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector(".notice.success")) {
      Object.keys(sessionStorage).forEach(function (k) { if (k.indexOf(PREFIX) === 0) sessionStorage.removeItem(k); });
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("form[method=post]:not([data-nokeep])"), function (form, index) {
      restore(form, index);
      form.addEventListener("input", function () { save(form, index); });
      form.addEventListener("change", function () { save(form, index); });
    });
  });
})();
