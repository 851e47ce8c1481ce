/* global document, window, HTMLElement */
/*
 * The licence-type editor (templates/pages/licence-type-edit.hbs): adds and removes data-item and service-item
 * rows, checks or clears every issuing unit, and writes a face template from the data items. Everything here is
 * a convenience: without JavaScript the form posts every row (blank rows are left out) and a blank template is
 * generated on the server.
 */
(function () {
  'use strict';
  var form = document.getElementById('licence-type-form');
  if (!form) return;

  function addRow(kind) {
    var template = document.getElementById(kind + '-row-template');
    var body = document.getElementById(kind + '-rows');
    if (!template || !body) return;
    var index = Number(body.getAttribute('data-next-index') || '0');
    body.setAttribute('data-next-index', String(index + 1));
    // Each row's fields are named `<kind>s.<index>.<field>`; a fresh index keeps the rows apart.
    var html = template.innerHTML.split('__i__').join(String(index));
    var holder = document.createElement('tbody');
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    body.appendChild(row);
    renumber(body);
    var first = row.querySelector('input[type="text"]');
    if (first) first.focus();
  }

  function renumber(body) {
    var rows = body.querySelectorAll('tr.item-row');
    for (var i = 0; i < rows.length; i++) {
      var cell = rows[i].firstElementChild;
      if (cell) cell.textContent = String(i + 1);
    }
  }

  form.addEventListener('click', function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (target.hasAttribute('data-add-row')) {
      event.preventDefault();
      addRow(target.getAttribute('data-add-row'));
    } else if (target.hasAttribute('data-remove-row')) {
      event.preventDefault();
      var row = target.closest('tr');
      var body = row && row.parentElement;
      if (row) row.remove();
      if (body) renumber(body);
    } else if (target.hasAttribute('data-check-all') || target.hasAttribute('data-uncheck-all')) {
      event.preventDefault();
      var name = target.getAttribute('data-check-all') || target.getAttribute('data-uncheck-all');
      var on = target.hasAttribute('data-check-all');
      var boxes = form.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
      for (var j = 0; j < boxes.length; j++) boxes[j].checked = on;
    } else if (target.id === 'generate-template') {
      event.preventDefault();
      generateTemplate();
    }
  });

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, function (c) {
      return '&#' + c.charCodeAt(0) + ';';
    });
  }

  /** The same face the server generates for a blank template: the holder, each data item, the validity. */
  function generateTemplate() {
    var textarea = document.getElementById('faceTemplate');
    if (textarea.value.trim() && !window.confirm('用按数据项生成的模板替换当前模板？')) return;
    var natural = form.elements.holderCategory.value === 'natural_person';
    var rows = natural
      ? [
          ['姓　　名', '{{meta.holderName}}'],
          ['公民身份号码', '{{meta.holderCode}}'],
        ]
      : [
          ['名　　称', '{{meta.holderName}}'],
          ['统一社会信用代码', '{{meta.holderCode}}'],
        ];
    var items = document.querySelectorAll('#item-rows tr.item-row');
    for (var i = 0; i < items.length; i++) {
      var key = items[i].querySelector('input[name$=".key"]').value.trim();
      var label = items[i].querySelector('input[name$=".label"]').value.trim();
      if (/^[a-z][a-zA-Z0-9_]*$/.test(key)) rows.push([escapeHtml(label || key), '{{data.' + key + '}}']);
    }
    if (form.elements.validityKind.value !== 'permanent') {
      rows.push(['有效期', '{{meta.validFrom}} 至 {{meta.validTo}}']);
    }
    textarea.value =
      '<table>\n' +
      rows
        .map(function (r) {
          return '  <tr><th>' + r[0] + '</th><td>' + r[1] + '</td></tr>';
        })
        .join('\n') +
      '\n</table>';
  }
})();
