/* global document */
// Tables become cards on a phone (app.css, max-width 640px): each cell is labelled with its column's heading.
document.querySelectorAll('table.list').forEach(function (table) {
  var heads = Array.prototype.map.call(table.querySelectorAll('thead th'), function (th) {
    return th.textContent.trim();
  });
  table.querySelectorAll('tbody tr').forEach(function (tr) {
    Array.prototype.forEach.call(tr.children, function (td, i) {
      if (!td.hasAttribute('data-label') && heads[i]) td.setAttribute('data-label', heads[i]);
    });
  });
  table.classList.add('cards');
});
