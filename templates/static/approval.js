/* global document, window */
// The approval page's action dialogs as modals (issue 17). Each action link opens its <dialog> with showModal();
// 取消 and Esc close it. A dialog the server sent open (after a refused action, or ?action= without this script) is
// shown as a modal too. Without this script the links reload the page with that dialog open in place, and the
// forms post as plain HTML forms either way.
(function () {
  'use strict';
  function open(dialog) {
    if (!dialog || typeof dialog.showModal !== 'function') return false;
    if (dialog.open) dialog.close();
    dialog.showModal();
    // The first field the server objected to, else the first field.
    var invalid = dialog.querySelector('.field-error');
    var field = invalid
      ? invalid.previousElementSibling
      : dialog.querySelector('textarea, select, input:not([type=hidden])');
    if (field && typeof field.focus === 'function') field.focus();
    return true;
  }
  document.querySelectorAll('a[data-dialog]').forEach(function (link) {
    link.addEventListener('click', function (event) {
      if (open(document.getElementById(link.getAttribute('data-dialog')))) event.preventDefault();
    });
  });
  document.querySelectorAll('dialog.action [data-close]').forEach(function (cancel) {
    cancel.addEventListener('click', function (event) {
      var dialog = cancel.closest('dialog');
      if (dialog && dialog.open) {
        event.preventDefault();
        dialog.close();
      }
    });
  });
  var shown = document.querySelector('dialog.action[open]');
  if (shown) {
    open(shown);
    // The address keeps no ?action=: reloading the page shows it without an open dialog.
    if (window.history && window.location.search.indexOf('action=') >= 0) {
      window.history.replaceState(null, '', window.location.pathname);
    }
  }
})();
