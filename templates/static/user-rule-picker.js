/* global document */
// Issue 17 Build 6: the flow editor's designated person, chosen by unit and name; the rule to paste into a step's
// approvers is written out for copying.
(function () {
  var select = document.getElementById('user-rule-person');
  var out = document.getElementById('user-rule-json');
  if (!select || !out) return;
  select.addEventListener('change', function () {
    out.value = select.value ? JSON.stringify({ type: 'user', userId: select.value }) : '';
    if (select.value) out.select();
  });
})();
