/* global document, window */
// Issue 18 Build 1: placing the imprint by dragging it on a rendered preview of the page (the stamping page). When
// a PDF and a page are chosen, the page is rendered by the platform (POST /seals/:id/stamp/preview, a PNG with the
// page's size in millimetres in its headers) and shown; a red frame of the seal's true size follows the pointer
// (mouse, pen or finger) and, where it is dropped, its centre is written into the 毫米 fields the form posts. Without
// this script the fields are typed by hand, as for batches (the keyword/position rule).
(function () {
  'use strict';

  var box = document.getElementById('stamp-preview');
  var file = document.getElementById('document');
  var pageInput = document.getElementById('page');
  var xInput = document.getElementById('xMm');
  var yInput = document.getElementById('yMm');
  if (!box || !file || !pageInput || !xInput || !yInput) return;
  var sheet = document.getElementById('stamp-sheet');
  var image = document.getElementById('stamp-page-image');
  var marker = document.getElementById('stamp-marker');
  var status = document.getElementById('stamp-preview-status');
  var sealWidth = Number(box.getAttribute('data-width-mm'));
  var sealHeight = Number(box.getAttribute('data-height-mm'));
  var page = null; // { widthMm, heightMm }
  var dragging = false;

  function placeMarker() {
    if (!page) return;
    var x = Number(xInput.value);
    var y = Number(yInput.value);
    marker.style.left = (x / page.widthMm) * 100 + '%';
    marker.style.top = (y / page.heightMm) * 100 + '%';
    marker.style.width = (sealWidth / page.widthMm) * 100 + '%';
    marker.style.height = (sealHeight / page.heightMm) * 100 + '%';
  }

  function moveTo(event) {
    var rect = sheet.getBoundingClientRect();
    var fx = Math.min(Math.max((event.clientX - rect.left) / rect.width, 0), 1);
    var fy = Math.min(Math.max((event.clientY - rect.top) / rect.height, 0), 1);
    xInput.value = (fx * page.widthMm).toFixed(1);
    yInput.value = (fy * page.heightMm).toFixed(1);
    placeMarker();
  }

  function load() {
    if (!file.files || !file.files[0] || !pageInput.value) return;
    var form = new FormData();
    form.append('page', pageInput.value);
    form.append('document', file.files[0]);
    status.textContent = '正在生成页面预览…';
    box.hidden = false;
    fetch(window.location.pathname + '/preview', { method: 'POST', body: form, credentials: 'same-origin' })
      .then(function (res) {
        if (!res.ok) {
          return res.text().then(function (text) {
            throw new Error(text);
          });
        }
        page = {
          widthMm: Number(res.headers.get('X-Page-Width-Mm')),
          heightMm: Number(res.headers.get('X-Page-Height-Mm')),
        };
        return res.blob();
      })
      .then(function (blob) {
        if (image.src) URL.revokeObjectURL(image.src);
        image.src = URL.createObjectURL(blob);
        image.onload = function () {
          placeMarker();
          status.textContent = '第 ' + pageInput.value + ' 页：拖动印章框到盖章位置';
          sheet.setAttribute('data-ready', 'true');
        };
      })
      .catch(function (err) {
        page = null;
        sheet.removeAttribute('data-ready');
        status.textContent = '无法预览：' + (err && err.message ? err.message : '请检查文件');
      });
  }

  sheet.addEventListener('pointerdown', function (event) {
    if (!page) return;
    dragging = true;
    sheet.setPointerCapture(event.pointerId);
    moveTo(event);
  });
  sheet.addEventListener('pointermove', function (event) {
    if (dragging) moveTo(event);
  });
  sheet.addEventListener('pointerup', function () {
    dragging = false;
  });
  file.addEventListener('change', load);
  pageInput.addEventListener('change', load);
  xInput.addEventListener('input', placeMarker);
  yInput.addEventListener('input', placeMarker);
})();
