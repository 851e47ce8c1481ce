/* global document, window */
// Show the chosen imprint before it is submitted, so that the applicant can check it against the physical seal.
// A static file rather than an inline script: every page is served with a CSP that allows no inline script.
document.getElementById('imprint').addEventListener('change', function (event) {
  var file = event.target.files[0];
  var preview = document.getElementById('imprint-preview');
  preview.hidden = !file;
  if (file) preview.src = URL.createObjectURL(file);
});

// Issue 18 Build 5: the standard imprint (round, oval or square) drawn by the platform from the unit's name and the
// seal's name, put into the file field as if uploaded, with its size in millimetres.
document.getElementById('standard-imprint').addEventListener('click', function () {
  var input = document.getElementById('imprint');
  var shape = document.getElementById('imprintShape').value;
  var name = document.getElementById('name').value;
  var url =
    '/seal-applications/standard-imprint.svg?shape=' +
    encodeURIComponent(shape) +
    '&name=' +
    encodeURIComponent(name);
  window.fetch(url, { credentials: 'same-origin' }).then(function (res) {
    var width = res.headers.get('X-Width-Mm');
    var height = res.headers.get('X-Height-Mm');
    return res.text().then(function (svg) {
      var transfer = new window.DataTransfer();
      transfer.items.add(new window.File([svg], 'standard-imprint.svg', { type: 'image/svg+xml' }));
      input.files = transfer.files;
      input.dispatchEvent(new window.Event('change'));
      document.getElementById('widthMm').value = width;
      document.getElementById('heightMm').value = height;
    });
  });
});
