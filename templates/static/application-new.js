/* global document */
// Show the chosen imprint before it is submitted, so that the applicant can check it against the physical seal.
// A static file rather than an inline script: every page is served with a CSP that allows no inline script.
document.getElementById('imprint').addEventListener('change', function (event) {
  var file = event.target.files[0];
  var preview = document.getElementById('imprint-preview');
  preview.hidden = !file;
  if (file) preview.src = URL.createObjectURL(file);
});
