/* global document, window */
// Shows the running CCM timer's clock. The start time is kept on the server; this only redraws the elapsed time.
(function () {
  'use strict';
  var el = document.getElementById('timer-clock');
  if (!el) return;
  var started = Date.parse(el.getAttribute('data-started-at') || '');
  if (isNaN(started)) return;
  function pad(n) {
    return (n < 10 ? '0' : '') + n;
  }
  function draw() {
    var s = Math.max(0, Math.floor((Date.now() - started) / 1000));
    el.textContent = pad(Math.floor(s / 3600)) + ':' + pad(Math.floor((s % 3600) / 60)) + ':' + pad(s % 60);
  }
  draw();
  window.setInterval(draw, 1000);
})();
