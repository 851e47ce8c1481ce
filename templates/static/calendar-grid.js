/* global document */
// Issue 17 Build 6: the month grid as the calendar editor. A click on a day cycles it between 节假日, 调休上班日 and
// no adjustment, and writes the day into (or out of) the two textareas the form saves; the textareas stay the
// editor without script.
(function () {
  var grid = document.querySelector('#calendar-grid[data-editable]');
  var holidays = document.getElementById('holidays');
  var workdays = document.getElementById('workdays');
  if (!grid || !holidays || !workdays) return;
  document.getElementById('grid-help').hidden = false;
  document.getElementById('grid-name-row').hidden = false;
  var nameInput = document.getElementById('grid-name');

  function lines(area) {
    return area.value.split(/\r?\n/).filter(function (l) {
      return l.trim();
    });
  }
  function without(area, date) {
    var kept = lines(area).filter(function (l) {
      return l.trim().split(/\s+/)[0] !== date;
    });
    area.value = kept.join('\n');
  }
  function add(area, date, name) {
    var all = lines(area).concat([date + ' ' + name]);
    all.sort();
    area.value = all.join('\n');
  }
  grid.addEventListener('click', function (event) {
    var cell = event.target.closest('td.day');
    if (!cell) return;
    var date = cell.getAttribute('data-date');
    var weekday = new Date(date + 'T00:00:00Z').getUTCDay();
    var weekend = weekday === 0 || weekday === 6;
    var name = nameInput.value.trim() || '节假日';
    var next = cell.classList.contains('holiday')
      ? weekend
        ? 'workday'
        : 'plain'
      : cell.classList.contains('workday')
        ? 'plain'
        : 'holiday';
    without(holidays, date);
    without(workdays, date);
    if (next === 'holiday') add(holidays, date, name);
    if (next === 'workday') add(workdays, date, name);
    cell.classList.remove('holiday', 'workday', 'weekend', 'working');
    cell.classList.add(next === 'plain' ? (weekend ? 'weekend' : 'working') : next);
    var mark = cell.querySelector('small');
    if (mark) mark.remove();
    if (next !== 'plain') {
      mark = document.createElement('small');
      mark.textContent = next === 'holiday' ? '休' : '班';
      cell.appendChild(mark);
      cell.title = name;
    } else cell.removeAttribute('title');
  });
})();
