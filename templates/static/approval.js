/* global document */
// Progressive enhancement for the approval page: one action panel open at a time, focus its first field.
// The panels are <details> elements and work without this script.
document.querySelectorAll('details.action').forEach(function (panel) {
  panel.addEventListener('toggle', function () {
    if (!panel.open) return;
    document.querySelectorAll('details.action[open]').forEach(function (other) {
      if (other !== panel) other.open = false;
    });
    var field = panel.querySelector('textarea, select, input:not([type=hidden])');
    if (field) field.focus();
  });
});
