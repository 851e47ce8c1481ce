/* global document, window */
// 亮证 on 我的证照 (issue 16): asks the platform for a token with the chosen items and shows its QR code, renewed
// every minute while the page is open (each token expires a few minutes after it is made).
// The token's code is large (up to version 40, 177 modules): sized to fill the box, a module would span a
// fractional number of screen pixels and a scanner (jsQR, a phone camera) samples it badly. So the code is shrunk
// to the largest whole number of device pixels per module that fits the box.
function crisp(box) {
  var svg = box.querySelector('svg');
  var modules = svg && svg.viewBox.baseVal.width;
  var ratio = window.devicePixelRatio || 1;
  var perModule = modules ? Math.floor((box.clientWidth * ratio) / modules) : 0;
  if (perModule >= 1) svg.style.width = (perModule * modules) / ratio + 'px';
}

document.querySelectorAll('form.present-form').forEach(function (form) {
  var section = form.closest('section');
  var box = section.querySelector('.qr-box');
  var status = section.querySelector('.present-status');
  var timer = null;
  function show() {
    var disclose = Array.prototype.map.call(
      form.querySelectorAll('input[name=disclose]:checked'),
      function (i) {
        return i.value;
      },
    );
    return fetch('/api/licenses/' + encodeURIComponent(form.dataset.identifier) + '/presentations', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ disclose: disclose }),
    })
      .then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) throw new Error((body.error && body.error.message) || '亮证失败');
          return body;
        });
      })
      .then(function (body) {
        box.innerHTML = body.qrSvg;
        box.hidden = false;
        crisp(box);
        box.dataset.url = body.url;
        var link = document.createElement('a');
        link.href = body.url;
        link.textContent = '核验链接';
        link.className = 'present-link';
        status.textContent =
          '二维码每分钟刷新；有效至 ' + new Date(body.expiresAt).toLocaleTimeString('zh-CN') + ' ';
        status.appendChild(link);
      })
      .catch(function (err) {
        status.textContent = err.message;
      });
  }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (timer) clearInterval(timer);
    if (!form.querySelector('input[name=disclose]:checked')) {
      status.textContent = '请至少选择一项要出示的信息';
      return;
    }
    show();
    timer = setInterval(show, 60000);
  });
});
