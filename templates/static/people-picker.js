/* global document */
// Issue 17 Build 6: the people picker's name filter. Without script every unit's people are listed; with it, typing
// a name or a unit hides the others (checked people stay visible, so a choice is never hidden).
document.querySelectorAll('[data-picker]').forEach(function (picker) {
  var input = picker.querySelector('.people-filter');
  input.hidden = false;
  input.addEventListener('input', function () {
    var text = input.value.trim();
    picker.querySelectorAll('.people-group').forEach(function (group) {
      var unitMatches = !text || group.getAttribute('data-unit').indexOf(text) >= 0;
      var shown = 0;
      group.querySelectorAll('label').forEach(function (label) {
        var show =
          unitMatches || label.textContent.indexOf(text) >= 0 || label.querySelector('input').checked;
        label.hidden = !show;
        if (show) shown += 1;
      });
      group.hidden = shown === 0;
    });
  });
});
