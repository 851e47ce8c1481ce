/* global document, window */
// Handwritten signature on a canvas (issue 10, build item 1: per-step signature on approve). Served as a static
// file (the CSP forbids inline script). Every element with [data-signature-pad] holds a <canvas>, a 清除 button
// ([data-signature-clear]) and a hidden input ([data-signature-value]); drawing with a mouse, a pen or a finger
// (pointer events) puts the signature as a PNG data URL into the hidden input, which the form posts; 清除 empties it.
// Without this script the hidden input stays empty and the server asks for a signature where one is required.
(function () {
  'use strict';

  function setUp(pad) {
    var canvas = pad.querySelector('canvas');
    var input = pad.querySelector('[data-signature-value]');
    var clear = pad.querySelector('[data-signature-clear]');
    var status = pad.querySelector('[data-signature-status]');
    if (!canvas || !input) return;
    var ctx = canvas.getContext('2d');
    var drawing = false;
    var drawn = false;
    var last = null;

    // The canvas is as wide as its box (at most 480 CSS px, so it fits a 390 px phone) and sharp on dense screens.
    function size() {
      var ratio = window.devicePixelRatio || 1;
      var width = Math.min(pad.clientWidth || 320, 480);
      var height = Math.round(width * 0.4);
      canvas.style.width = width + 'px';
      canvas.style.height = height + 'px';
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      ctx.strokeStyle = '#111';
      reset();
    }

    function reset() {
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.restore();
      drawn = false;
      input.value = '';
      if (status) status.textContent = '尚未签名';
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }

    canvas.addEventListener('pointerdown', function (event) {
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = '#111';
      ctx.fill();
      drawn = true;
    });
    canvas.addEventListener('pointermove', function (event) {
      if (!drawing) return;
      event.preventDefault();
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
    });
    function end() {
      if (!drawing) return;
      drawing = false;
      if (drawn) {
        input.value = canvas.toDataURL('image/png');
        if (status) status.textContent = '已签名';
      }
    }
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('pointerleave', end);
    if (clear) clear.addEventListener('click', reset);

    // A pad inside a closed <details> has no width until it opens.
    var details = pad.closest('details');
    if (details) {
      details.addEventListener('toggle', function () {
        if (details.open && !drawn) size();
      });
    }
    // A phone turned sideways: a blank pad takes the new width (a drawn one keeps its drawing).
    window.addEventListener('resize', function () {
      if (!drawn && !drawing) size();
    });
    size();
  }

  document.querySelectorAll('[data-signature-pad]').forEach(setUp);
})();
